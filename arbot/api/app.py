"""The API over a running runtime (as `RuntimeView`): its parts, and the routes.

Read endpoints take what the engine and trader hold now (status, quotes, balances,
inventory) and, for history, the database opened read-only. Control is pause, resume
and halt; arming live trading is deliberately not possible here. Each part lives in a
module of its own; this one assembles them.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from aiohttp import web
from aiohttp.typedefs import Middleware
from prometheus_client.exposition import choose_encoder

from arbot.api import params
from arbot.api.control import TradingControl
from arbot.api.events import EventStream
from arbot.api.guard import MAX_BODY, Guard
from arbot.api.history import History
from arbot.api.holdings import Holdings
from arbot.api.hub import EventHub
from arbot.api.metrics import registry
from arbot.api.openapi import openapi
from arbot.api.schemas import Status
from arbot.api.status import RunState
from arbot.view import RuntimeView


class Api:
    """The parts over one runtime, built once; `build_app` routes to them."""

    def __init__(self, runtime: RuntimeView, token: str, hub: EventHub, *,
                 mono_ns: Callable[[], int] = time.monotonic_ns) -> None:
        self.guard = Guard(runtime, token)
        self.state = RunState(runtime, mono_ns)
        self.holdings = Holdings(runtime)
        self.history = History(runtime)
        self.control = TradingControl(runtime, hub)
        self.events = EventStream(runtime, hub, self.state.status_now)
        self._registry = registry(runtime, hub)

    def status_now(self) -> Status:
        """What GET /api/status answers (the trader's own tests read it directly)."""
        return self.state.status_now()

    async def metrics(self, request: web.Request) -> web.Response:
        """Prometheus' text format, or OpenMetrics when the scraper asks for it."""
        params.check_known(request.query, frozenset())
        encode, content_type = choose_encoder(request.headers.get("Accept", ""))
        response = web.Response(body=encode(self._registry))
        response.headers["Content-Type"] = content_type
        return response

    async def spec(self, request: web.Request) -> web.Response:
        params.check_known(request.query, frozenset())
        return web.Response(body=openapi(), content_type="application/json")


def build_app(api: Api, outer: tuple[Middleware, ...] = ()) -> web.Application:
    """The routes behind `outer` (the server's own middlewares), errors and auth."""
    app = web.Application(middlewares=[*outer, api.guard.errors, api.guard.auth],
                          client_max_size=MAX_BODY)
    app.router.add_get("/api/health", api.state.health)
    app.router.add_get("/api/status", api.state.status)
    app.router.add_get("/api/quotes", api.holdings.quotes)
    app.router.add_get("/api/opportunities", api.history.opportunities)
    app.router.add_get("/api/trades", api.history.trades)
    app.router.add_get("/api/profit", api.history.profit)
    app.router.add_get("/api/balances", api.holdings.balances)
    app.router.add_get("/api/inventory", api.holdings.inventory)
    app.router.add_post("/api/trading/{action:pause|resume|halt}", api.control.control)
    app.router.add_post("/api/trading/acknowledge-drift", api.control.acknowledge_drift)
    app.router.add_get("/api/stream", api.events.stream)
    app.router.add_get("/api/openapi.json", api.spec)
    app.router.add_get("/metrics", api.metrics)
    return app
