"""GET /api/health and GET /api/status: how the run is doing, from what the engine,
the feeds and the trader hold now."""

from __future__ import annotations

import time
from collections.abc import Callable

from aiohttp import web

from arbot.api import params
from arbot.api.convert import drifts_out, feed_out, iso, streams_out
from arbot.api.respond import json_response
from arbot.api.schemas import Health, Percentiles, Status, VenueHealth
from arbot.domain import FeedState, Venue
from arbot.view import RuntimeView

STALL_S = 2.0


class RunState:
    """Health and status, built on demand (the stream's periodic event reuses it)."""

    def __init__(self, runtime: RuntimeView, mono_ns: Callable[[], int]) -> None:
        self.rt = runtime
        self._mono = mono_ns

    def health_now(self) -> Health:
        rt = self.rt
        engine = rt.engine
        age = None
        if engine is not None and engine.heartbeat_ns:
            age = max(0.0, (self._mono() - engine.heartbeat_ns) / 1e9)
        states = rt.board.venue_states()
        venues = [VenueHealth(v.value, states[v].value if v in states else "unknown")
                  for v in Venue]
        live = sum(states.get(v) is FeedState.LIVE for v in Venue)
        problems = []
        if age is None or age > STALL_S:
            problems.append("engine stalled: no tick for more than 2 s")
        if live < 2:
            problems.append(f"{live} venue(s) live; arbitrage needs at least 2")
        return Health(not problems, age, live, venues, problems)

    async def health(self, request: web.Request) -> web.Response:
        params.check_known(request.query, frozenset())
        h = self.health_now()
        return json_response(h, 200 if h.healthy else 503)

    async def status(self, request: web.Request) -> web.Response:
        params.check_known(request.query, frozenset())
        return json_response(self.status_now())

    def status_now(self) -> Status:
        """What GET /api/status answers, and the stream's periodic status event carries."""
        rt = self.rt
        trader = rt.trader
        lat = sorted(trader.latencies_ns) if trader is not None else []
        pct = Percentiles(len(lat), lat[len(lat) // 2] / 1e3 if lat else None,
                          lat[min(len(lat) - 1, int(len(lat) * 0.99))] / 1e3 if lat else None)
        funnel = rt.engine.funnel.as_dict() if rt.engine is not None else {}
        body = Status(
            mode=rt.settings.trading.mode,
            armed=bool(trader and trader.armed),
            trading_state=trader.state.value if trader is not None else "off",
            trading_reason=trader.risk.reason if trader is not None else "",
            demo=rt.demo, started=iso(rt.started_ns),
            uptime_s=max(0.0, (time.time_ns() - rt.started_ns) / 1e9), funnel=funnel,
            trading=dict(trader.funnel()) if trader is not None else {},
            decision_latency=pct, feeds=[feed_out(s) for s in rt.board.active()],
            balance_drift=drifts_out(trader.drift) if trader is not None else [],
            private_streams=streams_out(trader.private_streams()) if trader is not None else [])
        return body
