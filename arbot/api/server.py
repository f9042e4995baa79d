"""Serve the API inside the runtime's event loop until cancelled.

It refuses to start without a token in ARBOT_API_TOKEN (an open control port on a
trading box is never a default), and the host has already been checked: loopback unless
`[api] allow_non_loopback` says otherwise.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
from collections.abc import Mapping
from typing import Any

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError

from arbot.api.app import Api, build_app
from arbot.api.hub import EventHub
from arbot.api.limits import ConnectionLimits, track_requests
from arbot.view import RuntimeView

log = logging.getLogger("arbot.api")

TOKEN_ENV = "ARBOT_API_TOKEN"
MIN_TOKEN = 16


class ApiRefused(Exception):
    """The API was asked for but cannot start safely; the message says why."""


def api_token(environ: Mapping[str, str] | None = None) -> str:
    token = (os.environ if environ is None else environ).get(TOKEN_ENV, "").strip()
    if not token:
        raise ApiRefused(f"the API needs a token: set {TOKEN_ENV} (e.g. "
                         "`export ARBOT_API_TOKEN=$(openssl rand -hex 32)`)")
    if len(token) < MIN_TOKEN:
        raise ApiRefused(f"{TOKEN_ENV} is too short: use at least {MIN_TOKEN} characters")
    return token


class ApiServer:
    """The API on [api] host:port, in the caller's loop: `start()` binds (a port in use
    is an `ApiRefused` naming it), `stop()` closes every connection. Connections are
    bounded in number and time (`limits`); a malformed request is one WARNING line."""

    def __init__(self, runtime: RuntimeView, token: str, hub: EventHub) -> None:
        self.settings = runtime.settings.api
        app = build_app(Api(runtime, token, hub), outer=(track_requests,))
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False,
                                     shutdown_timeout=1.0, logger=ProtocolLog())

    async def start(self) -> None:
        s = self.settings
        await self._runner.setup()
        server = self._runner.server
        assert server is not None  # set by setup()
        limits = ConnectionLimits(server, s.max_connections, s.timeout_s)
        try:
            await LimitedSite(self._runner, s.host, s.port, limits).start()
        except OSError as exc:
            await self._runner.cleanup()
            raise ApiRefused(f"the API cannot listen on {s.host}:{s.port}: "
                             f"{exc.strerror or exc}") from exc
        log.info("API listening on http://%s:%d (token from %s)", s.host, s.port, TOKEN_ENV)

    async def stop(self) -> None:
        await self._runner.cleanup()


class LimitedSite(web.BaseSite):
    """aiohttp's TCPSite, but every accepted socket goes through `ConnectionLimits`."""

    def __init__(self, runner: web.AppRunner, host: str, port: int,
                 limits: ConnectionLimits) -> None:
        super().__init__(runner)
        self._host, self._port, self._limits = host, port, limits

    @property
    def name(self) -> str:
        return f"http://{self._host}:{self._port}"

    async def start(self) -> None:
        await super().start()
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(self._limits, self._host, self._port)


def reason(exc: HttpProcessingError) -> str:
    """What was malformed, on one line, without the bytes aiohttp quotes after it: the
    offending line can be `Authorization: Bearer <token>` (llhttp puts it after a blank
    line, aiohttp's Python parser after a space, in quotes)."""
    text = re.split(r"\s[bB]?['\"]", str(exc.message).split("\n\n")[0])[0]
    return " ".join(text.split()).rstrip(":") or "no detail"


class ProtocolLog(logging.LoggerAdapter[logging.Logger]):
    """aiohttp's server log. A malformed request (an `HttpProcessingError`: garbage, a bad
    header, a line too long) is the client's doing and gets one WARNING line; anything
    else is ours and keeps aiohttp's ERROR with its traceback."""

    def __init__(self) -> None:
        super().__init__(logging.getLogger("aiohttp.server"))

    def _malformed(self, args: tuple[object, ...], exc_info: object) -> bool:
        if not isinstance(exc_info, HttpProcessingError):
            return False
        peer = args[0] if args else "a client"
        log.warning("API refused a malformed request from %s (%s): %s", peer,
                    type(exc_info).__name__, reason(exc_info))
        return True

    def debug(self, msg: object, *args: object, **kwargs: Any) -> None:
        if not self._malformed(args, kwargs.get("exc_info")):
            super().debug(msg, *args, **kwargs)

    def exception(self, msg: object, *args: object, exc_info: Any = True,
                  **kwargs: Any) -> None:
        if not self._malformed(args, exc_info):
            super().exception(msg, *args, exc_info=exc_info, **kwargs)
