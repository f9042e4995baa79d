"""`arbot sim`: run the simulator until cancelled and print what to paste into arbot.toml."""

from __future__ import annotations

import asyncio

from arbot.domain import Venue
from arbot.sim.config import SimConfig
from arbot.sim.server import SimServer


async def serve_forever(config: SimConfig, *, banner: bool = True) -> None:
    """Run the simulator until cancelled (the `arbot sim` command)."""
    server = SimServer(config)
    await server.start()
    try:
        if banner:
            print(sim_banner(server), flush=True)
        await asyncio.Event().wait()
    finally:
        await server.stop()


def sim_banner(server: SimServer) -> str:
    """The `[exchanges.<venue>]` lines to paste into arbot.toml."""
    cfg = server.config
    mode = "flood" if cfg.flooding else f"{cfg.rate:g} frames/s per connection"
    lines = [f"# ArBot exchange simulator on {cfg.host}:{server.port} "
             f"(seed {cfg.seed}, {mode}, symbols {', '.join(cfg.symbols)})",
             "# Paste into arbot.toml:"]
    for venue in Venue:
        urls = server.urls(venue)
        lines += ["", f"[exchanges.{venue.value}]", f'ws_url = "{urls.ws_url}"',
                  f'rest_url = "{urls.rest_url}"']
    return "\n".join(lines)
