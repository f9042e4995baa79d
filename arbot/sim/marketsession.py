"""A client connection under the market profile: the frames its outbox holds, when due.

Everything else (subscriptions, heartbeats, faults, garbage) is the steady session's;
only what data goes out and when differs (`arbot.sim.outbox`).
"""

from __future__ import annotations

from typing import Any

from arbot.sim.outbox import Outbox
from arbot.sim.session import MAX_TIMER_SLEEP_S, Session
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
            self.outbox.sync(self._live_subs(), now)

    async def _push(self, now: float) -> None:
        self._sync(now)
        for sub, quote, stamp in self.outbox.due(now):
            await self._send(*self._frame(sub, stamped=(quote, stamp)))
        await self.outbox.wait(self._loop.time(), MAX_TIMER_SLEEP_S)
