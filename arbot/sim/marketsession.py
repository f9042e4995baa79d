"""A client connection under the market profile: the frames its outbox holds, when due.

Everything else (subscriptions, heartbeats, faults, garbage) is the steady session's;
only what data goes out and when differs (`arbot.sim.outbox`).
"""

from __future__ import annotations

from typing import Any

from arbot.sim.depthbook import DepthEvent
from arbot.sim.outbox import Outbox
from arbot.sim.session import MAX_TIMER_SLEEP_S, Session
from arbot.sim.wire import Sub, dumps
from arbot.venues import VENUES


class MarketSession(Session):
    """Pushes each book change of a subscribed symbol once, its venue's lag late."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        shared, venue = self.shared, self.venue
        cfg = shared.config
        self.outbox = Outbox(
            lag=lambda: cfg.lag_for(venue, shared.faults[venue]), rng=self._rng,
            quote=lambda symbol: shared.model.quote(venue, symbol), venue_ms=shared.now_ms,
            resend_s=VENUES[venue].quote_resend_s if cfg.market.resends else None,
            initial=self.proto.initial_snapshot)
        self._synced = -1  # the subscriptions' version the outbox last saw

    def changed(self, symbol: str, stamp_ms: int) -> None:
        """The venue's book of `symbol` changed at `stamp_ms` (its clock): queue it."""
        now = self._loop.time()
        self._sync(now)  # a subscription made since the last round gets this change too
        self.outbox.changed(symbol, self.shared.model.quote(self.venue, symbol), stamp_ms, now)

    def _sync(self, now: float) -> None:
        if self._synced != self._version:
            self._synced = self._version
            self.outbox.sync([s for s in self.ctx.subs.values() if s.symbol], now)

    def _queue_depth(self, sub: Sub, event: DepthEvent) -> None:
        now = self._loop.time()
        self._sync(now)
        self.outbox.depth(sub, event, now)

    def _drop_depth(self, keys: set[str]) -> None:
        self.outbox.drop(keys)

    async def _push(self, now: float) -> None:
        self._sync(now)
        for sub, book, stamp in self.outbox.due(now):
            if isinstance(book, DepthEvent):  # framed as it leaves (`combined` may change)
                await self._send(dumps(self.proto.depth_push(sub, book, self.ctx)), False)
            else:
                await self._send(*self._frame(sub, stamped=(book, stamp)))
        await self.outbox.wait(self._loop.time(), MAX_TIMER_SLEEP_S)
