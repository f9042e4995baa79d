"""One connection's frames under the market profile: pushed on change, delivered late.

A venue's book changes at a moment its clock stamps; the frame carrying it reaches the
client the venue's lag later (`SimConfig.lag_for`, drawn per frame). Frames on one
connection keep their order, as on any TCP stream, so a frame is never due before the
one queued ahead of it. A channel that documents a re-send of an unchanged book
(`VenueSpec.quote_resend_s`) gets one when that long passes without a frame for the
subscription; a venue that documents a snapshot on subscribing gets one then
(`VenueProtocol.initial_snapshot`). Nothing else is sent: a quiet symbol stays silent.
Depth pushes (`arbot.sim.depthhub`) queue behind the L1 frames sent before them, so the
two channels of one connection agree on the top at every point of the stream.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import Callable, Iterable

import numpy as np

from arbot.sim.depthbook import DepthEvent
from arbot.sim.faults import frame_lag_ms
from arbot.sim.market import Lag
from arbot.sim.prices import VenueQuote
from arbot.sim.wire import Sub

Item = tuple[Sub, VenueQuote | DepthEvent, int]
"""A frame to send: the subscription, the book (L1) or the depth push, the venue's stamp
(ms)."""


class Outbox:
    """The frames one connection owes its client, each with the moment it is due."""

    def __init__(self, *, lag: Callable[[], Lag], rng: np.random.Generator,
                 quote: Callable[[str], VenueQuote], venue_ms: Callable[[], int],
                 resend_s: float | None, initial: bool) -> None:
        self._lag, self._rng, self._quote, self._venue_ms = lag, rng, quote, venue_ms
        self._resend_s = resend_s
        self._initial = initial
        self._queue: deque[tuple[float, Item]] = deque()
        self._last_due = 0.0
        self._resend_at: dict[str, tuple[float, Sub]] = {}  # sub key -> (when, sub)
        self._subs: dict[str, list[Sub]] = {}  # symbol -> its subscriptions here
        self._wake = asyncio.Event()

    def sync(self, subs: Iterable[Sub], now: float) -> None:
        """The connection's subscriptions changed: new L1 ones get the venue's snapshot (if
        it sends one), removed ones nothing more. Depth ones keep what is queued for them."""
        by_symbol: dict[str, list[Sub]] = {}
        keys = set()
        for sub in subs:
            keys.add(sub.key)
            if sub.depth:
                continue
            by_symbol.setdefault(sub.symbol, []).append(sub)
            if sub.key not in self._resend_at:
                self._resend_at[sub.key] = (now + (self._resend_s or 0.0), sub)
                if self._initial:
                    self._put(sub, self._quote(sub.symbol), self._venue_ms(), now)
        for key in [k for k in self._resend_at if k not in keys]:
            del self._resend_at[key]
        self._queue = deque(e for e in self._queue if e[1][0].key in keys)
        self._subs = by_symbol

    def drop(self, keys: set[str]) -> None:
        """Unsubscribed: nothing queued for `keys` is sent."""
        self._queue = deque(e for e in self._queue if e[1][0].key not in keys)

    def depth(self, sub: Sub, event: DepthEvent, now: float) -> None:
        """Queue a depth push, its venue's lag late (never before what is ahead of it)."""
        self._put(sub, event, event.stamp_ms, now)

    def changed(self, symbol: str, quote: VenueQuote, stamp_ms: int, now: float) -> None:
        """The venue's book of `symbol` changed at `stamp_ms` (its clock, now)."""
        for sub in self._subs.get(symbol, ()):
            self._put(sub, quote, stamp_ms, now)

    def due(self, now: float) -> list[Item]:
        """The frames due by `now`, in order, with any re-send that fell due."""
        if self._resend_s is not None:
            for when, sub in list(self._resend_at.values()):
                if now >= when:
                    self._put(sub, self._quote(sub.symbol), self._venue_ms(), now)
        out = []
        queue = self._queue
        while queue and queue[0][0] <= now:
            out.append(queue.popleft()[1])
        return out

    async def wait(self, now: float, cap_s: float) -> None:
        """Sleep until the next frame or re-send is due, a change arrives, or `cap_s`."""
        until = now + cap_s
        if self._queue:
            until = min(until, self._queue[0][0])
        if self._resend_s is not None and self._resend_at:
            until = min(until, min(w for w, _ in self._resend_at.values()))
        self._wake.clear()
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(max(0.0, until - now)):
                await self._wake.wait()

    def _put(self, sub: Sub, quote: VenueQuote | DepthEvent, stamp_ms: int, now: float
             ) -> None:
        due = max(self._last_due, now + frame_lag_ms(self._lag(), self._rng) / 1000.0)
        self._last_due = due
        if not self._queue:
            self._wake.set()
        self._queue.append((due, (sub, quote, stamp_ms)))
        if sub.key in self._resend_at:
            self._resend_at[sub.key] = (now + (self._resend_s or 0.0), sub)
