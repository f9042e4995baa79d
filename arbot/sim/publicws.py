"""The venues' public WebSocket connections: accepting them (one `Session` each) and
reaching the open ones when a book changes, depth moves or a fault cuts them."""

from __future__ import annotations

import numpy as np
from aiohttp import web
from aiohttp.typedefs import Handler

from arbot.domain import Venue
from arbot.sim.config import SimConfig
from arbot.sim.depthbook import DepthEvent
from arbot.sim.faults import VenueStats
from arbot.sim.instruments import SymbolSpec
from arbot.sim.marketsession import MarketSession
from arbot.sim.session import Session
from arbot.sim.shared import Shared
from arbot.sim.wire import Ctx, VenueProtocol


class PublicSessions:
    """Every open public connection, per venue; `market` picks the session kind
    (`MarketSession` pushes on change, `Session` re-sends at a fixed rate)."""

    def __init__(self, config: SimConfig, stats: dict[Venue, VenueStats],
                 lookup: dict[Venue, dict[str, SymbolSpec]], *, market: bool) -> None:
        self.config = config
        self.stats = stats
        self._lookup = lookup
        self._market = market
        self.open: dict[Venue, set[Session]] = {v: set() for v in Venue}
        self._rng = np.random.default_rng([config.seed, 1])

    def handler(self, proto: VenueProtocol, shared: Shared) -> Handler:
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
            ctx = Ctx(proto.conn_id(token), self._lookup[venue], shared.now_ms)
            stats = self.stats[venue]
            stats.connections += 1
            name = f"sim-{venue.value}-{stats.connections}"
            rng = np.random.default_rng([self.config.seed, list(Venue).index(venue),
                                         stats.connections])
            cls = MarketSession if self._market else Session
            session = cls(shared, proto, ws, request, ctx, rng, name)
            for sub in proto.open(request.path.removeprefix(prefix), request.query, ctx):
                ctx.subs[sub.key] = sub
                stats.subscriptions += bool(sub.symbol)
            self.open[venue].add(session)
            stats.open += 1
            try:
                await session.run()
            finally:
                self.open[venue].discard(session)
                stats.open -= 1
                stats.closed += 1
            return ws

        return handle

    def changed(self, venue: Venue, symbol: str, stamp_ms: int) -> None:
        """A venue's book changed (market profile): every connection of it hears."""
        for session in self.open[venue]:
            if isinstance(session, MarketSession):
                session.changed(symbol, stamp_ms)

    def deliver_depth(self, venue: Venue, symbol: str, events: list[DepthEvent]) -> None:
        for session in self.open[venue]:
            session.depth(symbol, events)

    def listening(self, venue: Venue, symbol: str) -> bool:
        return any(session.listens(symbol) for session in self.open[venue])
