"""`arbot sim`: run the simulator until cancelled and print what to paste into arbot.toml."""

from __future__ import annotations

import asyncio

from arbot import stopsignal
from arbot.domain import Venue
from arbot.sim.config import SimConfig
from arbot.sim.server import SimServer


async def serve_forever(config: SimConfig, *, banner: bool = True,
                        stop: asyncio.Event | None = None) -> None:
    """Run the simulator until cancelled or `stop` is set."""
    server = SimServer(config)
    await server.start()
    try:
        if banner:
            print(sim_banner(server), flush=True)
        await (stop or asyncio.Event()).wait()
    finally:
        await server.stop()


async def serve_until_stopped(config: SimConfig) -> None:
    """The `arbot sim` command: serve until SIGINT or SIGTERM, then stop cleanly. Handled
    explicitly, because a background job of a non-interactive shell starts with SIGINT
    ignored, and the default SIGTERM would cut connections mid-frame."""
    stop = asyncio.Event()
    undo = stopsignal.on_stop(stop.set)
    try:
        await serve_forever(config, stop=stop)
    finally:
        undo()


def sim_banner(server: SimServer) -> str:
    """What runs (the second line names the profile) and the `[exchanges.<venue>]` lines
    to paste into arbot.toml."""
    cfg = server.config
    mode = "market profile" if cfg.profile == "market" else _steady_rate(cfg)
    lines = [f"# ArBot exchange simulator on {cfg.host}:{server.port} "
             f"(seed {cfg.seed}, {mode}, symbols {', '.join(cfg.symbols)})",
             f"# Ground truth of injected dislocations and depth faults ({cfg.profile} "
             f"profile): {server.truth_url}",
             "# Paste into arbot.toml:"]
    lines.insert(1, f"# Profile {cfg.profile}: {_profile_text(cfg)}")
    for venue in Venue:
        urls = server.urls(venue)
        lines += ["", f"[exchanges.{venue.value}]", f'ws_url = "{urls.ws_url}"',
                  f'rest_url = "{urls.rest_url}"']
    return "\n".join(lines)


def _steady_rate(cfg: SimConfig) -> str:
    return "flood" if cfg.flooding else f"{cfg.rate:g} frames/s per connection"


def _profile_text(cfg: SimConfig) -> str:
    if cfg.profile == "market":
        return "each channel pushes on change as its venue documents it"
    return f"every subscription re-sent round-robin ({_steady_rate(cfg)})"
