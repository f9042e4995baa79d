"""The simulator server: one aiohttp app on one port, each venue under its own prefix.

`/<venue>/...` (the Venue's value) carries that venue's documented WS paths, public
REST endpoints and signed private REST endpoints (orders, balances, fee rates; see
`desk.py`), so ArBot's config points at e.g. `ws://127.0.0.1:PORT/<venue>/<ws path>`
and `http://127.0.0.1:PORT/<venue>` and runs its real adapters end to end. A named
market task advances the price model (under the `market` profile, `MarketRun`, whose
ground truth `GET /sim/truth` serves).
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, NamedTuple

import numpy as np
from aiohttp import web

from arbot.domain import Venue
from arbot.sim.coins import SimCoins
from arbot.sim.config import Faults, SimConfig
from arbot.sim.controls import AccountControls
from arbot.sim.depthbook import BookView, DepthEvent
from arbot.sim.depthhub import DepthHub
from arbot.sim.desk import TradingDesk
from arbot.sim.faults import VenueStats
from arbot.sim.instruments import Catalog, SymbolSpec
from arbot.sim.limits import SkewedClock
from arbot.sim.marketrun import MarketRun, steady_run
from arbot.sim.marketsession import MarketSession
from arbot.sim.prices import PriceModel
from arbot.sim.private import Handler as PrivateHandler
from arbot.sim.restfault import ArmedRestFault, RestFault
from arbot.sim.session import Session
from arbot.sim.shared import Shared
from arbot.sim.streamhub import StreamHub
from arbot.sim.truth import Truth
from arbot.sim.wire import Ctx, RestHandler, RestRequest, VenueProtocol, dumps
from arbot.venues import VenueClasses

log = logging.getLogger("arbot.sim")

# Each venue's public protocol, `PROTOCOL` in its `sim` module.
PROTOCOLS: Mapping[Venue, type[VenueProtocol]] = VenueClasses[VenueProtocol](
    "sim", "PROTOCOL", VenueProtocol)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
JSON = "application/json"
TRUTH_PATH = "/sim/truth"
BALANCE_PATH = "/sim/balance"


class VenueUrls(NamedTuple):
    """What to put in `[exchanges.<venue>]`: the L1 socket and the REST base."""

    ws_url: str
    rest_url: str


def wall_ms() -> int:
    return time.time_ns() // 1_000_000


class SimServer(AccountControls):
    """Serves all four venues on one loopback port. Use `async with` or start/stop."""

    def __init__(self, config: SimConfig | None = None, *,
                 now_ms: Callable[[], int] = wall_ms) -> None:
        """`now_ms` is our wall clock; the venues' clock adds `accounts.clock_skew_ms`."""
        self.config = config or SimConfig()
        cfg = self.config
        self.catalog = Catalog(cfg.symbols)
        self.model = PriceModel(self.catalog.specs, cfg.seed, vol_bps=cfg.vol_bps,
                                tick_s=cfg.tick_s, dislocations=cfg.dislocations)
        self.protocols: dict[Venue, VenueProtocol] = {v: p() for v, p in PROTOCOLS.items()}
        self.stats: dict[Venue, VenueStats] = {v: VenueStats() for v in Venue}
        self.clock = SkewedClock(now_ms, cfg.accounts.clock_skew_ms)
        self.market = None if cfg.profile != "market" else MarketRun(
            cfg, self.catalog, self.model, wall_ms=now_ms, venue_ms=self.clock.now_ms,
            notify=self._changed)
        self.truth: Truth = self.market.truth if self.market is not None else Truth()
        """The dislocations the market profile injected (none under `steady`) and the
        faults injected into depth channels."""
        faults = {v: cfg.faults_for(v) for v in Venue}
        self.books = DepthHub(cfg, self.catalog, self.model, self.protocols, faults,
                              self.truth, venue_ms=self.clock.now_ms, wall_ms=now_ms,
                              deliver=self._deliver_depth, listening=self._listening)
        self._shared = Shared(cfg, self.catalog, self.model, faults, self.stats,
                              self.clock.now_ms, self.books)
        self._lookup: dict[Venue, dict[str, SymbolSpec]] = {
            v: {p.venue_id(s): s for s in self.catalog.specs} for v, p in self.protocols.items()}
        self.desk = TradingDesk(cfg, self.catalog, self.model, self.clock, self._lookup)
        self.coins = SimCoins((a for s in self.catalog.specs for a in (s.base, s.quote)),
                              cfg.coins)
        """Each venue's coin and network table (`fake_coin`, `close_network` change it)."""
        self.streams = StreamHub(self.desk.accounts, self.desk.credentials, cfg.heartbeat_for,
                                 self.clock.now_ms, lambda v: self.desk.apis[v].account_mode)
        """The private streams (orders, fills, balances) and their faults."""
        self._sessions: dict[Venue, set[Session]] = {v: set() for v in Venue}
        self._rest_faults: dict[Venue, ArmedRestFault] = {}
        self._rng = np.random.default_rng([cfg.seed, 1])
        self._runner: web.AppRunner | None = None
        self._market: asyncio.Task[None] | None = None
        self._books: asyncio.Task[None] | None = None
        self._port = 0

    # --- lifecycle ---------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application()
        for venue, proto in self.protocols.items():
            prefix = f"/{venue.value}"
            for path in proto.ws_paths:
                app.router.add_get(prefix + path.replace("{tail}", "{tail:.+}"),
                                   self._ws_handler(proto))
            for path, handler in proto.rest_routes().items():
                app.router.add_get(prefix + path, self._rest_handler(venue, handler))
            for path in self.streams.apis[venue].paths:
                app.router.add_get(prefix + path, self.streams.handler(venue, path))
            for (method, path), private in self.desk.apis[venue].routes().items():
                app.router.add_route(method, prefix + path,
                                     self._private_handler(venue, private))
        app.router.add_get(TRUTH_PATH, self._truth_handler)
        app.router.add_post(BALANCE_PATH, self.balance_handler)
        self._runner = web.AppRunner(app, handle_signals=False, access_log=None,
                                     shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.config.host, self.config.port)
        await site.start()
        self._port = int(self._runner.addresses[0][1])
        ticking = (steady_run(self.model, self.config.tick_s) if self.market is None
                   else self.market.run())
        self._market = asyncio.create_task(ticking, name="sim-market")
        self._books = asyncio.create_task(self.books.run(), name="sim-books")
        log.info("simulator listening on %s:%d", self.config.host, self._port)

    async def stop(self) -> None:
        for task in (self._market, self._books):
            if task is not None:
                task.cancel()
                await asyncio.wait([task])
        self._market = self._books = None
        for venue in Venue:
            self.drop_all(venue, count=False)
        await self.streams.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> SimServer:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # --- addresses ---------------------------------------------------------------

    @property
    def port(self) -> int:
        if not self._port:
            raise RuntimeError("SimServer is not started")
        return self._port

    def _base(self, scheme: str) -> str:
        host = self.config.host
        host = "127.0.0.1" if host in ("", "0.0.0.0") else "::1" if host == "::" else host
        host = f"[{host}]" if ":" in host else host
        return f"{scheme}://{host}:{self.port}"

    @property
    def truth_url(self) -> str:
        """Where the ground truth of injected dislocations is served (`GET`, JSON)."""
        return f"{self._base('http')}{TRUTH_PATH}"

    def urls(self, venue: Venue) -> VenueUrls:
        """The default WS URL (the protocol's first WS path) and REST base."""
        ws_path = self.protocols[venue].ws_paths[0]
        return VenueUrls(f"{self._base('ws')}/{venue.value}{ws_path}",
                         f"{self._base('http')}/{venue.value}")

    def private_ws_url(self, venue: Venue) -> str:
        """The venue's (main) private stream: orders, fills, balances."""
        return f"{self._base('ws')}/{venue.value}{self.streams.apis[venue].paths[0]}"

    def ws_urls(self, venue: Venue) -> tuple[str, ...]:
        """Every WS path the venue serves (e.g. `/ws`, `/ws/<streams>`, `/stream`)."""
        return tuple(f"{self._base('ws')}/{venue.value}{p}"
                     for p in self.protocols[venue].ws_paths if "{" not in p)

    # --- runtime control ---------------------------------------------------------

    def faults(self, venue: Venue) -> Faults:
        return self._shared.faults[venue]

    def set_faults(self, venue: Venue, faults: Faults | None = None, **changes: Any) -> Faults:
        """Replace a venue's faults, or change some fields: `set_faults(v, garbage_rate=.1)`."""
        new = dataclasses.replace(faults or self._shared.faults[venue], **changes)
        self._shared.faults[venue] = new
        return new

    def set_rest_fault(self, venue: Venue, **fields: Any) -> RestFault:
        """Make a venue's REST endpoints misbehave until cleared, or for `times` requests:
        `set_rest_fault(v, status=429, retry_after=1, times=1)` (see `RestFault`)."""
        fault = RestFault(**fields)
        self._rest_faults[venue] = ArmedRestFault(fault)
        return fault

    def clear_rest_fault(self, venue: Venue) -> None:
        self._rest_faults.pop(venue, None)

    def drop_all(self, venue: Venue, *, count: bool = True) -> int:
        """Cut every connection of a venue at the TCP level; returns how many."""
        sessions = list(self._sessions[venue])
        for s in sessions:
            s.abort()
        if count:
            self.stats[venue].fault_drops += len(sessions)
        return len(sessions)

    def announce_shutdown(self, venue: Venue, grace_s: float = 0.5) -> int:
        """Send the venue's shutdown notice on every connection, close after `grace_s`."""
        sessions = list(self._sessions[venue])
        for s in sessions:
            s.request_shutdown(grace_s)
        return len(sessions)

    def dislocate(self, symbol: str, venue: Venue, bps: float,
                  life_s: float | None = None) -> None:
        """Push one venue's quotes for `symbol` away by `bps` for `life_s` seconds."""
        if self.market is not None:
            self.market.dislocate(symbol, venue, bps, life_s)
        else:
            self.model.dislocate(symbol, venue, bps, life_s)

    def connections(self, venue: Venue) -> int:
        return len(self._sessions[venue])

    # --- handlers ----------------------------------------------------------------

    def _ws_handler(self, proto: VenueProtocol) -> Handler:
        venue = proto.venue
        prefix = f"/{venue.value}"

        async def handle(request: web.Request) -> web.StreamResponse:
            # A server-ping venue pings at the WebSocket level and must see the pongs:
            # no autoping.
            ws = web.WebSocketResponse(autoping=not proto.server_pings,
                                       timeout=self.config.close_timeout_s,
                                       max_msg_size=1 << 20)
            await ws.prepare(request)
            token = int(self._rng.integers(0, 2**63)) << 64 | int(self._rng.integers(0, 2**63))
            ctx = Ctx(proto.conn_id(token), self._lookup[venue], self._shared.now_ms)
            stats = self.stats[venue]
            stats.connections += 1
            name = f"sim-{venue.value}-{stats.connections}"
            rng = np.random.default_rng([self.config.seed, list(Venue).index(venue),
                                         stats.connections])
            cls = Session if self.market is None else MarketSession
            session = cls(self._shared, proto, ws, request, ctx, rng, name)
            for sub in proto.open(request.path.removeprefix(prefix), request.query, ctx):
                ctx.subs[sub.key] = sub
                stats.subscriptions += bool(sub.symbol)
            self._sessions[venue].add(session)
            stats.open += 1
            try:
                await session.run()
            finally:
                self._sessions[venue].discard(session)
                stats.open -= 1
                stats.closed += 1
            return ws

        return handle

    def _changed(self, venue: Venue, symbol: str, stamp_ms: int) -> None:
        """A venue's book changed (market profile): its depth book and every connection
        of it hear."""
        self.books.changed(venue, symbol)
        for session in self._sessions[venue]:
            if isinstance(session, MarketSession):
                session.changed(symbol, stamp_ms)

    def _deliver_depth(self, venue: Venue, symbol: str, events: list[DepthEvent]) -> None:
        for session in self._sessions[venue]:
            session.depth(symbol, events)

    def _listening(self, venue: Venue, symbol: str) -> bool:
        return any(session.listens(symbol) for session in self._sessions[venue])

    async def _truth_handler(self, request: web.Request) -> web.StreamResponse:
        body = {"profile": self.config.profile, "seed": self.config.seed,
                "truth_net_bps": self.config.market.truth_net_bps, **self.truth.as_json()}
        return web.Response(body=dumps(body), content_type=JSON)

    def _with_faults(self, venue: Venue, inner: Handler) -> Handler:
        """Count the request and apply the venue's armed REST fault before `inner`."""
        prefix = f"/{venue.value}"

        async def handle(request: web.Request) -> web.StreamResponse:
            stats = self.stats[venue]
            stats.rest_requests += 1
            armed = self._rest_faults.get(venue)
            fault = armed.take(request.path.removeprefix(prefix)) if armed else None
            if fault is not None:
                stats.rest_faults += 1
                await request.read()  # the venue has the whole request; only its answer
                await asyncio.sleep(fault.delay_s)  # is late (and comes if the caller died)
                if fault.status is not None:
                    return fault.response()
            return await inner(request)

        return handle

    def _rest_handler(self, venue: Venue, handler: RestHandler) -> Handler:
        def book(spec: SymbolSpec, limit: int) -> BookView:
            return self.books.view(venue, spec.symbol, limit)

        async def inner(request: web.Request) -> web.StreamResponse:
            req = RestRequest(request.query, self.catalog.specs, self._shared.now_ms(),
                              book=book, coins=self.coins.table(venue))
            status, body = handler(req)
            return web.Response(body=dumps(body), status=status, content_type=JSON)

        return self._with_faults(venue, inner)

    def _private_handler(self, venue: Venue, handler: PrivateHandler) -> Handler:
        """Signed endpoints: the request goes to the desk exactly as received."""
        prefix = f"/{venue.value}"

        async def inner(request: web.Request) -> web.StreamResponse:
            body = await request.read()
            path, _, raw_query = request.raw_path.partition("?")
            req = RestRequest(request.query, self.catalog.specs, self._shared.now_ms(),
                              request.method, path.removeprefix(prefix), raw_query,
                              request.headers, body, coins=self.coins.table(venue))
            reply = self.desk.handle(venue, handler, req)
            return web.Response(body=dumps(reply.body), status=reply.status,
                                headers=reply.headers, content_type=JSON)

        return self._with_faults(venue, inner)
