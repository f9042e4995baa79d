"""Serve the API inside the runtime's event loop until cancelled.

It refuses to start without a token in ARBOT_API_TOKEN (an open control port on a
trading box is never a default), and the host has already been checked: loopback unless
`[api] allow_non_loopback` says otherwise.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from typing import TYPE_CHECKING

from aiohttp import web

from arbot.api.app import Api, build_app
from arbot.api.hub import EventHub

if TYPE_CHECKING:
    from arbot.runtime import Runtime

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
    is an `ApiRefused` naming it), `stop()` closes every connection."""

    def __init__(self, runtime: Runtime, token: str, hub: EventHub) -> None:
        self.settings = runtime.settings.api
        self._runner = web.AppRunner(build_app(Api(runtime, token, hub)), access_log=None,
                                     handle_signals=False, shutdown_timeout=1.0)

    async def start(self) -> None:
        s = self.settings
        await self._runner.setup()
        try:
            await web.TCPSite(self._runner, s.host, s.port).start()
        except OSError as exc:
            await self._runner.cleanup()
            raise ApiRefused(f"the API cannot listen on {s.host}:{s.port}: "
                             f"{exc.strerror or exc}") from exc
        log.info("API listening on http://%s:%d (token from %s)", s.host, s.port, TOKEN_ENV)

    async def stop(self) -> None:
        await self._runner.cleanup()
