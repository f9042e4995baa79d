"""The API's routes and middlewares, over a running runtime (as `RuntimeView`).

Read endpoints take what the engine and trader hold now (quotes, open episodes, the
trader's state, balances) and, for history, the database opened read-only. Control is
pause, resume and halt; arming live trading is deliberately not possible here.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TypeVar

import msgspec
from aiohttp import web
from aiohttp.typedefs import Middleware
from prometheus_client.exposition import choose_encoder

from arbot.api import params
from arbot.api.convert import (
    drifts_out,
    episode_out,
    episode_row_out,
    feed_out,
    iso,
    quote_out,
    streams_out,
    trade_row_out,
)
from arbot.api.hub import STATUS_S, EventHub
from arbot.api.limits import read_body
from arbot.api.metrics import is_loopback, registry
from arbot.api.openapi import openapi
from arbot.api.schemas import (
    BalanceOut,
    Control,
    DriftAck,
    EpisodeOut,
    Error,
    Event,
    Health,
    Percentiles,
    QuoteOut,
    Status,
    VenueHealth,
)
from arbot.domain import FeedState, Venue
from arbot.inventory.report import InventoryReport
from arbot.storage.db import DatabaseError, open_db
from arbot.storage.profit import ProfitGroup, read_profit
from arbot.storage.queries import iter_episodes
from arbot.storage.trade_queries import iter_trades
from arbot.tradekinds import TradingMode
from arbot.valuation import mids_of, quote_currency, value_balances
from arbot.view import RuntimeView

log = logging.getLogger("arbot.api")

STALL_S = 2.0
MAX_BODY = 1024
PING_S = 15.0
HISTORY = frozenset(("since", "until", "symbol", "limit"))
PROFIT = frozenset(("group", "since", "until", "mode"))
ACK = frozenset(("venue",))
PROFIT_MODES = (TradingMode.PAPER.value, TradingMode.LIVE.value)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
R = TypeVar("R")  # a history record


def json_response(body: object, status: int = 200) -> web.Response:
    return web.Response(body=msgspec.json.encode(body), status=status,
                        content_type="application/json")


def error(status: int, code: str, message: str) -> web.Response:
    return json_response(Error(code, message), status)


class Api:
    def __init__(self, runtime: RuntimeView, token: str, hub: EventHub, *,
                 mono_ns: Callable[[], int] = time.monotonic_ns) -> None:
        self.rt = runtime
        self._token = token.encode()
        self.hub = hub
        self._mono = mono_ns
        self._registry = registry(runtime, hub)

    # -- middlewares --------------------------------------------------------------------

    @web.middleware
    async def errors(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """Every answer is JSON with a code and a message; nothing a client sends can
        cause a 500 (one that escapes anyway is logged and answered as `internal`)."""
        try:
            return await handler(request)
        except params.BadParameter as exc:
            return error(400, "bad_parameter", str(exc))
        except web.HTTPException as exc:
            code = exc.reason.lower().replace(" ", "_")
            response = error(exc.status, code, exc.reason)
            if "Allow" in exc.headers:  # 405 must say which methods are allowed
                response.headers["Allow"] = exc.headers["Allow"]
            return response
        except DatabaseError as exc:
            return error(503, "database_unavailable", str(exc))
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("API %s %s failed", request.method, request.path)
            return error(500, "internal", "internal error; see ArBot's log")

    @web.middleware
    async def auth(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """`Authorization: Bearer <token>` on everything but /api/health, compared in
        constant time; a token anywhere else (query, other header) does not count. Then
        the body, read and measured in full before the handler sees the request."""
        if request.path != "/api/health" and not self._open_metrics(request):
            given = request.headers.get("Authorization", "")
            scheme, _, value = given.partition(" ")
            # aiohttp keeps bytes that are not UTF-8 as surrogates: back to those bytes
            if scheme.lower() != "bearer" or not hmac.compare_digest(
                    value.strip().encode("utf-8", "surrogateescape"), self._token):
                return error(401, "unauthorized", "send Authorization: Bearer <token>")
        refused = await read_body(request, MAX_BODY, self.rt.settings.api.timeout_s)
        if refused is not None:  # before the handler: a refused POST changes nothing
            response = error(*refused)
            response.force_close()
            return response
        return await handler(request)

    def _open_metrics(self, request: web.Request) -> bool:
        """/metrics from this machine while `[api] metrics_open_on_loopback` is set: the
        peer is the socket's own address (no header can claim it)."""
        if request.path != "/metrics" or not self.rt.settings.api.metrics_open_on_loopback:
            return False
        peer = request.transport.get_extra_info("peername") if request.transport else None
        return is_loopback(str(peer[0]) if peer else None)

    # -- read endpoints -----------------------------------------------------------------

    async def metrics(self, request: web.Request) -> web.Response:
        """Prometheus' text format, or OpenMetrics when the scraper asks for it."""
        params.check_known(request.query, frozenset())
        encode, content_type = choose_encoder(request.headers.get("Accept", ""))
        response = web.Response(body=encode(self._registry))
        response.headers["Content-Type"] = content_type
        return response

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

    async def quotes(self, request: web.Request) -> web.Response:
        params.check_known(request.query, frozenset(("symbol",)))
        symbol = params.symbol(request.query)
        engine = self.rt.engine
        out: list[QuoteOut] = []
        if engine is not None:
            for sym, book in sorted(engine.board.books.items()):
                if symbol is None or sym == symbol:
                    out.extend(quote_out(entry[3]) for entry in book if entry is not None)
        return json_response(out)

    async def opportunities(self, request: web.Request) -> web.Response:
        """Open episodes from the engine, then the recorded ones, newest first."""
        q = request.query
        params.check_known(q, HISTORY)
        symbol, limit = params.symbol(q), params.limit(q)
        since, until = params.time_ns(q, "since"), params.time_ns(q, "until")
        found: dict[str, EpisodeOut] = {}
        engine = self.rt.engine
        if engine is not None:
            for live in list(engine.episodes.open.values()):
                e = live.freeze()
                if (symbol in (None, e.symbol) and (since is None or e.opened_ns >= since)
                        and (until is None or e.opened_ns < until)):
                    found[e.id] = episode_out(e)
        rows = await self._history(iter_episodes, symbol, since, until)
        for row in rows:
            out = episode_row_out(row)
            found.setdefault(out.id, out)
        newest = sorted(found.values(), key=lambda e: e.opened, reverse=True)[:limit]
        return json_response(newest)

    async def trades(self, request: web.Request) -> web.Response:
        q = request.query
        params.check_known(q, HISTORY)
        symbol, limit = params.symbol(q), params.limit(q)
        rows = await self._history(iter_trades, symbol, params.time_ns(q, "since"),
                                   params.time_ns(q, "until"))
        out = [trade_row_out(r) for r in rows]
        return json_response(sorted(out, key=lambda t: t.opened, reverse=True)[:limit])

    async def _history(self, query: Callable[..., AsyncIterator[R]], symbol: str | None,
                       since: int | None, until: int | None) -> list[R]:
        """Rows from the database, read-only (an empty list before the first write)."""
        try:
            conn = await open_db(self.rt.settings.storage.path, readonly=True)
        except DatabaseError as exc:
            if exc.kind == "missing":
                return []
            raise
        try:
            rows = query(conn, symbol=symbol, since_ns=since, until_ns=until)
            return [row async for row in rows]
        finally:
            await conn.close()

    async def profit(self, request: web.Request) -> web.Response:
        """PnL, trades, fees, win rate and drawdown per day, run or pair, over every run
        recorded (the same report as `arbot report`)."""
        q = request.query
        params.check_known(q, PROFIT)
        group = ProfitGroup(params.choice(q, "group", tuple(ProfitGroup)) or ProfitGroup.DAY)
        mode = params.choice(q, "mode", PROFIT_MODES)
        report = await read_profit(self.rt.settings.storage.path, group,
                                   since_ns=params.time_ns(q, "since"),
                                   until_ns=params.time_ns(q, "until"), mode=mode)
        return json_response(report)

    async def balances(self, request: web.Request) -> web.Response:
        params.check_known(request.query, frozenset())
        trader = self.rt.trader
        out: list[BalanceOut] = []
        if trader is None:
            return json_response(out)
        balances = {v.value: dict(assets) for v, assets in trader.ledger.snapshot().items()}
        engine = self.rt.engine
        mids = mids_of((q.venue.value, q.symbol, q.bid, q.ask)
                       for book in (engine.board.books.values() if engine is not None else ())
                       for q in (entry[3] for entry in book if entry is not None))
        currency = quote_currency(self.rt.settings.market.symbols)
        for valued in value_balances(balances, mids, currency):
            out.extend(BalanceOut(valued.venue, asset, balances[valued.venue][asset], currency,
                                  value, valued.total)
                       for asset, value in valued.values.items())
        return json_response(out)

    async def inventory(self, request: web.Request) -> web.Response:
        """Balances against targets, consumption, time to run dry, and the rebalance plan
        (under `rebalance`; advice only, nothing is ever withdrawn)."""
        params.check_known(request.query, frozenset())
        inv = self.rt.inventory
        report = inv.report() if inv is not None else InventoryReport(
            ts_ns=time.time_ns(), holdings=[], directions=[], lost_to_inventory=0,
            rebalance=[], rebalance_cost=0.0, notes=["the runtime has not started"])
        return json_response(report)

    # -- control ------------------------------------------------------------------------

    async def control(self, request: web.Request) -> web.Response:
        params.check_known(request.query, frozenset())
        action = request.match_info["action"]
        trader = self.rt.trader
        if trader is None:
            return error(409, "trading_off", "trading is off ([trading] mode = \"off\")")
        if action == "pause":
            trader.pause()
        elif action == "resume":
            trader.resume()
        else:
            trader.halt("kill switch (API)")
        self.hub.trading_state(trader.state, trader.risk.reason)
        return json_response(Control(trader.state.value, trader.risk.reason))

    async def acknowledge_drift(self, request: web.Request) -> web.Response:
        """The user accepts the venues' balances (one venue with `?venue=`): the ledger
        takes the venue's numbers and the venue trades again."""
        params.check_known(request.query, ACK)
        name = params.choice(request.query, "venue", tuple(Venue))
        trader = self.rt.trader
        if trader is None:
            return error(409, "trading_off", "trading is off ([trading] mode = \"off\")")
        done = trader.drift.acknowledge(Venue(name) if name is not None else None)
        for venue in done:
            log.warning("balance drift on %s acknowledged over the API", venue)
        return json_response(DriftAck([v.value for v in done], drifts_out(trader.drift)))

    # -- the stream -----------------------------------------------------------------------

    async def stream(self, request: web.Request) -> web.StreamResponse:
        """Server-sent events: episode, trade and status as they happen, and a status
        event with the whole of GET /api/status (`"periodic": true`) on connecting and
        every STATUS_S seconds, so a client sees the run is alive while nothing happens."""
        params.check_known(request.query, frozenset())
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream",
                                               "Cache-Control": "no-cache"})
        await response.prepare(request)
        sub = self.hub.subscribe()
        try:
            await response.write(b": ArBot event stream\n\n")
            quiet_since = time.monotonic()
            status_at = -STATUS_S
            while True:
                self._poll_trading_state()
                if time.monotonic() - status_at >= STATUS_S:
                    status_at = quiet_since = time.monotonic()
                    body = {"periodic": True, **msgspec.to_builtins(self.status_now())}
                    await _send(response, Event("status", iso(time.time_ns()), body))
                try:
                    event = await asyncio.wait_for(sub.queue.get(), 1.0)
                except TimeoutError:
                    if time.monotonic() - quiet_since >= PING_S:
                        await response.write(b": ping\n\n")
                        quiet_since = time.monotonic()
                    continue
                if sub.lost:
                    await response.write(f": {sub.lost} events lost (slow reader)\n\n".encode())
                    sub.lost = 0
                await _send(response, event)
                quiet_since = time.monotonic()
        except (ConnectionResetError, asyncio.CancelledError):
            pass
        finally:
            self.hub.unsubscribe(sub)
        with contextlib.suppress(ConnectionResetError):
            await response.write_eof()
        return response

    def _poll_trading_state(self) -> None:
        trader = self.rt.trader
        if trader is not None:  # a halt by the loss limit happens without the API
            self.hub.trading_state(trader.state, trader.risk.reason)

    async def spec(self, request: web.Request) -> web.Response:
        params.check_known(request.query, frozenset())
        return web.Response(body=openapi(), content_type="application/json")


async def _send(response: web.StreamResponse, event: Event) -> None:
    data = msgspec.json.encode(event)
    await response.write(b"event: " + event.kind.encode() + b"\ndata: " + data + b"\n\n")


def build_app(api: Api, outer: tuple[Middleware, ...] = ()) -> web.Application:
    """The routes behind `outer` (the server's own middlewares), errors and auth."""
    app = web.Application(middlewares=[*outer, api.errors, api.auth],
                          client_max_size=MAX_BODY)
    app.router.add_get("/api/health", api.health)
    app.router.add_get("/api/status", api.status)
    app.router.add_get("/api/quotes", api.quotes)
    app.router.add_get("/api/opportunities", api.opportunities)
    app.router.add_get("/api/trades", api.trades)
    app.router.add_get("/api/profit", api.profit)
    app.router.add_get("/api/balances", api.balances)
    app.router.add_get("/api/inventory", api.inventory)
    app.router.add_post("/api/trading/{action:pause|resume|halt}", api.control)
    app.router.add_post("/api/trading/acknowledge-drift", api.acknowledge_drift)
    app.router.add_get("/api/stream", api.stream)
    app.router.add_get("/api/openapi.json", api.spec)
    app.router.add_get("/metrics", api.metrics)
    return app
