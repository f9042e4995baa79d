"""The simulator server: one aiohttp app on one port, each venue under its own prefix.

`/<venue>/...` (the Venue's value) carries that venue's documented WS paths, public
REST endpoints and signed private REST endpoints (orders, balances, fee rates; see
`desk.py`), so ArBot's config points at e.g. `ws://127.0.0.1:PORT/<venue>/<ws path>`
and `http://127.0.0.1:PORT/<venue>` and runs its real adapters end to end. A named
market task advances the price model (under the `market` profile, `MarketRun`, whose
ground truth `GET /sim/truth` serves). This module builds the parts and routes to them:
public connections (`publicws`), REST (`restroutes`), URLs (`addresses`) and the
controls (`marketcontrols`, `controls`) live in modules of their own.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Mapping

from aiohttp import web

from arbot.domain import Venue
from arbot.sim.addresses import TRUTH_PATH, Addresses
from arbot.sim.coins import SimCoins
from arbot.sim.config import SimConfig
from arbot.sim.controls import AccountControls
from arbot.sim.depthhub import DepthHub
from arbot.sim.desk import TradingDesk
from arbot.sim.faults import VenueStats
from arbot.sim.instruments import Catalog, SymbolSpec
from arbot.sim.limits import SkewedClock
from arbot.sim.marketcontrols import MarketControls
from arbot.sim.marketrun import MarketRun, steady_run
from arbot.sim.prices import PriceModel
from arbot.sim.publicws import PublicSessions
from arbot.sim.restroutes import JSON, RestRoutes
from arbot.sim.shared import Shared
from arbot.sim.streamhub import StreamHub
from arbot.sim.truth import Truth
from arbot.sim.wire import VenueProtocol, dumps
from arbot.venues import VenueClasses

log = logging.getLogger("arbot.sim")

# Each venue's public protocol, `PROTOCOL` in its `sim` module.
PROTOCOLS: Mapping[Venue, type[VenueProtocol]] = VenueClasses[VenueProtocol](
    "sim", "PROTOCOL", VenueProtocol)

BALANCE_PATH = "/sim/balance"


def wall_ms() -> int:
    return time.time_ns() // 1_000_000


class SimServer(Addresses, MarketControls, AccountControls):
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
        lookup: dict[Venue, dict[str, SymbolSpec]] = {
            v: {p.venue_id(s): s for s in self.catalog.specs} for v, p in self.protocols.items()}
        self.public = PublicSessions(cfg, self.stats, lookup, market=self.market is not None)
        """The public WS connections, per venue."""
        faults = {v: cfg.faults_for(v) for v in Venue}
        self.books = DepthHub(cfg, self.catalog, self.model, self.protocols, faults,
                              self.truth, venue_ms=self.clock.now_ms, wall_ms=now_ms,
                              deliver=self.public.deliver_depth,
                              listening=self.public.listening)
        self._shared = Shared(cfg, self.catalog, self.model, faults, self.stats,
                              self.clock.now_ms, self.books)
        self.desk = TradingDesk(cfg, self.catalog, self.model, self.clock, lookup)
        self.coins = SimCoins((a for s in self.catalog.specs for a in (s.base, s.quote)),
                              cfg.coins)
        """Each venue's coin and network table (`fake_coin`, `close_network` change it)."""
        self.streams = StreamHub(self.desk.accounts, self.desk.credentials, cfg.heartbeat_for,
                                 self.clock.now_ms, lambda v: self.desk.apis[v].account_mode)
        """The private streams (orders, fills, balances) and their faults."""
        self.rest = RestRoutes(self._shared, self.coins, self.desk, self.streams)
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
                                   self.public.handler(proto, self._shared))
            for path, handler in proto.rest_routes().items():
                app.router.add_get(prefix + path, self.rest.public(venue, handler))
            for path in self.streams.apis[venue].paths:
                app.router.add_get(prefix + path, self.streams.handler(venue, path))
            for (method, path), private in self.desk.apis[venue].routes().items():
                app.router.add_route(method, prefix + path, self.rest.private(venue, private))
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

    # --- the market's side -------------------------------------------------------

    def _changed(self, venue: Venue, symbol: str, stamp_ms: int) -> None:
        """A venue's book changed (market profile): its depth book and every connection
        of it hear."""
        self.books.changed(venue, symbol)
        self.public.changed(venue, symbol, stamp_ms)

    async def _truth_handler(self, request: web.Request) -> web.StreamResponse:
        body = {"profile": self.config.profile, "seed": self.config.seed,
                "truth_net_bps": self.config.market.truth_net_bps, **self.truth.as_json()}
        return web.Response(body=dumps(body), content_type=JSON)
