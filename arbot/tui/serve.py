"""`arbot serve`: the terminal UI in a browser, through textual-serve.

textual-serve starts one `arbot` process per browser connection and relays its screen
over a websocket; the process is the same terminal UI, run by Textual's web driver. So a
second tab while one is open starts a second ArBot, which the database's instance lock
refuses (one ArBot per database; close the first tab, or give the second its own `--db`).

The page has no login and offers every control the UI has (halt, pause, arming live
trading), so it listens on loopback unless `[serve] allow_non_loopback` says otherwise
(checked with the settings), and the websocket is refused to a page from any other
origin: a web page open in the same browser could otherwise drive the UI through
`ws://127.0.0.1` (a cross-site websocket, or a DNS-rebinding name pointed at loopback).
"""

from __future__ import annotations

import logging
import shlex
import sys
from pathlib import Path
from urllib.parse import urlsplit

from aiohttp import web
from textual_serve.server import Server

from arbot.config import ArbotSettings

log = logging.getLogger("arbot")


def app_command(*, demo: bool, config_path: Path | None, db: Path | None) -> str:
    """The shell command textual-serve runs per connection: this interpreter's ArBot UI,
    with the same demo flag, config file and database as `arbot serve` was given."""
    argv = [sys.executable, "-m", "arbot"]
    if config_path is not None:
        argv += ["--config", str(config_path.resolve())]
    if db is not None:
        argv += ["--db", str(db.resolve())]
    if demo:
        argv.append("--demo")
    return shlex.join(argv)


def allowed_origins(settings: ArbotSettings) -> frozenset[str]:
    """Origins whose pages may open the websocket: the public URL's, and on loopback the
    loopback names at the same port."""
    s = settings.serve
    origins = {_origin(public_url(settings))}
    if not s.allow_non_loopback:
        origins |= {f"http://{name}:{s.port}" for name in ("127.0.0.1", "localhost", "[::1]")}
    return frozenset(origins)


def public_url(settings: ArbotSettings) -> str:
    s = settings.serve
    host = f"[{s.host}]" if ":" in s.host else s.host
    return s.public_url or f"http://{host}:{s.port}"


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


class ArbotServer(Server):
    """textual-serve's server with ArBot's title, logging and origin check."""

    def __init__(self, settings: ArbotSettings, command: str) -> None:
        s = settings.serve
        super().__init__(command, host=s.host, port=s.port, title="ArBot",
                         public_url=public_url(settings))
        self.origins = allowed_origins(settings)

    def initialize_logging(self) -> None:
        """Plain lines on stderr, like the rest of ArBot (not textual-serve's own)."""
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)-7s %(message)s",
                            datefmt="%H:%M:%S", stream=sys.stderr)

    async def on_startup(self, app: web.Application) -> None:
        log.info("ArBot UI starting on %s (each browser tab runs its own ArBot; Ctrl+C "
                 "stops)",
                 self.public_url)

    async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
        origin = request.headers.get("Origin")
        if origin is not None and origin.lower() not in self.origins:
            log.warning("refused a websocket from a page at %s (not %s)", origin,
                        ", ".join(sorted(self.origins)))
            raise web.HTTPForbidden(text="this page's origin may not drive ArBot")
        return await super().handle_websocket(request)


def serve(settings: ArbotSettings, *, demo: bool, config_path: Path | None,
          db: Path | None) -> int:
    """Serve until SIGINT or SIGTERM; 1 (with one line on stderr) if the port is taken."""
    server = ArbotServer(settings, app_command(demo=demo, config_path=config_path, db=db))
    try:
        server.serve()
    except OSError as exc:
        s = settings.serve
        print(f"arbot: cannot listen on {s.host}:{s.port}: {exc.strerror or exc}",
              file=sys.stderr)
        return 1
    return 0
