"""The profiles' clocks: `steady_run` ticks the whole price model at a fixed step; under
the market profile `MarketRun` says when each venue's books change, and injects truth.

Each venue's book of each symbol changes at its own random moments, at the symbol's
activity (`Market.activity`, changes per second); between them it stays as it was, while
the fair price walks on. Dislocations arrive at random (`Market.dislocations_per_s`): one
venue's book of a free symbol is moved just far enough that its best trade against the
other venues nets `Market.truth_net_bps` after both taker fees, held for
`dislocation_life_s`, then moved back; each is recorded in `truth` as it was. Every
change is handed to `notify(venue, symbol, stamp_ms)`, which puts it on the venue's
connections (`arbot.sim.outbox`).

All randomness comes from one generator seeded from the config, so a seed replays the
same market (as far as the event loop keeps time).
"""

from __future__ import annotations

import asyncio
import heapq
import logging
from collections.abc import Callable

import numpy as np

from arbot.domain import Venue
from arbot.sim.config import SimConfig
from arbot.sim.instruments import Catalog
from arbot.sim.prices import PriceModel
from arbot.sim.truth import Cross, Top, Truth, best_cross

log = logging.getLogger("arbot.sim")

Notify = Callable[[Venue, str, int], None]
FIT_STEPS = 4  # corrections of an injected offset for rounding to ticks


class MarketRun:
    """Drives `model` under the market profile; `run()` until cancelled."""

    def __init__(self, config: SimConfig, catalog: Catalog, model: PriceModel, *,
                 wall_ms: Callable[[], int], venue_ms: Callable[[], int],
                 notify: Notify) -> None:
        self.config = config
        self.market = config.market
        self.catalog = catalog
        self.model = model
        self.truth = Truth()
        self._wall_ms, self._venue_ms, self._notify = wall_ms, venue_ms, notify
        self._rng = np.random.default_rng([config.seed, 2])
        self._fees = {v: float(config.accounts.fees_for(v).taker) for v in Venue}
        self._events: list[tuple[float, int, str, str, Venue | None, int]] = []
        self._seq = 0
        self._free_at: dict[str, float] = {}  # symbol -> when it may be dislocated again
        self._t = 0.0

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        self._t = now = loop.time()
        self._at(now + self.config.tick_s, "walk", "", None)
        for spec in self.catalog.specs:
            for venue in Venue:
                self._next_change(now, spec.symbol, venue)
        self._next_arrival(now)
        while True:
            now = loop.time()
            while self._events and self._events[0][0] <= now:
                when, _, kind, symbol, moved, ident = heapq.heappop(self._events)
                self._t = when
                try:
                    self._handle(kind, symbol, moved, ident)
                except asyncio.CancelledError:
                    raise
                except Exception:
                    log.exception("market event %s failed", kind)
            await asyncio.sleep(max(0.0, self._events[0][0] - loop.time()))

    def dislocate(self, symbol: str, venue: Venue, bps: float, life_s: float | None) -> None:
        """Move one venue's book of `symbol` by `bps` now, for `life_s` (a test's or a
        user's own dislocation; recorded like the injected ones)."""
        self._t = asyncio.get_running_loop().time()
        self._end(symbol)
        self.model.set_offset(symbol, venue, bps)
        self.model.requote(symbol, venue)
        self._begin(symbol, venue, bps, bps > 0, life_s)

    # --- events ------------------------------------------------------------------

    def _handle(self, kind: str, symbol: str, venue: Venue | None, ident: int) -> None:
        if kind == "walk":
            self.model.walk()
            self._at(self._t + self.config.tick_s, "walk", "", None)
        elif kind == "change" and venue is not None:
            self._change(symbol, venue)
            self._next_change(self._t, symbol, venue)
        elif kind == "arrive":
            self._arrive()
            self._next_arrival(self._t)
        elif kind == "end":
            self._end(symbol, ident)

    def _change(self, symbol: str, venue: Venue) -> None:
        if self.model.requote(symbol, venue, self._rng):
            self._observe(symbol)
            self._notify(venue, symbol, self._venue_ms())

    def _arrive(self) -> None:
        free = [s.symbol for s in self.catalog.specs
                if s.symbol not in self.truth.open and self._free_at.get(s.symbol, 0.0)
                <= self._t]
        if not free:
            return
        symbol = free[int(self._rng.integers(len(free)))]
        venue = list(Venue)[int(self._rng.integers(len(Venue)))]
        up = bool(self._rng.random() < 0.5)
        self._begin(symbol, venue, self._fit(symbol, venue, up), up, None)

    def _fit(self, symbol: str, venue: Venue, up: bool) -> float:
        """Move `venue`'s book until its best cross nets `truth_net_bps`; the offset."""
        target = self.market.truth_net_bps
        spec = self.catalog.by_symbol[symbol]
        tick_bps = spec.rules[venue].tick / spec.price * 10_000.0
        offset = self.model.dislocation_bps(symbol, venue)
        for _ in range(FIT_STEPS):
            short = target - self._cross(symbol, venue, up).net_bps
            if short <= 0:
                break
            offset += (short + tick_bps / 2) * (1.0 if up else -1.0)
            self.model.set_offset(symbol, venue, offset)
            self.model.requote(symbol, venue)
        return offset

    def _begin(self, symbol: str, venue: Venue, offset: float, up: bool,
               life_s: float | None) -> None:
        cross = self._cross(symbol, venue, up)
        d = self.truth.begin(symbol, venue, offset, cross, self._wall_ms())
        self._notify(venue, symbol, self._venue_ms())
        life = self.market.dislocation_life_s if life_s is None else life_s
        self._at(self._t + life, "end", symbol, None, d.id)

    def _end(self, symbol: str, ident: int | None = None) -> None:
        """Move the symbol's dislocated book back (only dislocation `ident`, if given)."""
        d = self.truth.open.get(symbol)
        if d is None or (ident is not None and d.id != ident):
            return
        self.truth.end(symbol, self._wall_ms())
        self.model.set_offset(symbol, d.venue, 0.0)
        self.model.requote(symbol, d.venue, self._rng)
        self._notify(d.venue, symbol, self._venue_ms())
        self._free_at[symbol] = self._t + self.market.settle_s

    def _observe(self, symbol: str) -> None:
        d = self.truth.open.get(symbol)
        if d is not None:
            self.truth.observe(symbol, self._cross(symbol, d.venue, d.sell_venue is d.venue))

    def _cross(self, symbol: str, venue: Venue, up: bool) -> Cross:
        rules = self.catalog.by_symbol[symbol].rules
        tops = {}
        for v in Venue:
            q, r = self.model.quote(v, symbol), rules[v]
            tops[v] = Top(q.bid * r.tick, q.ask * r.tick, q.bid_qty * r.lot, q.ask_qty * r.lot)
        return best_cross(tops, venue, up, self._fees)

    # --- scheduling --------------------------------------------------------------

    def _at(self, when: float, kind: str, symbol: str, venue: Venue | None,
            ident: int = 0) -> None:
        self._seq += 1
        heapq.heappush(self._events, (when, self._seq, kind, symbol, venue, ident))

    def _next_change(self, now: float, symbol: str, venue: Venue) -> None:
        rate = self.market.activity_for(symbol)
        if rate > 0:
            self._at(now + float(self._rng.exponential(1.0 / rate)), "change", symbol, venue)

    def _next_arrival(self, now: float) -> None:
        rate = self.market.dislocations_per_s
        if rate > 0:
            self._at(now + float(self._rng.exponential(1.0 / rate)), "arrive", "", None)


async def steady_run(model: PriceModel, step_s: float) -> None:
    """The steady profile: advance the whole model every `step_s`, until cancelled."""
    loop = asyncio.get_running_loop()
    deadline = loop.time()
    while True:
        deadline += step_s
        await asyncio.sleep(max(0.0, deadline - loop.time()))
        try:
            model.tick()
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("price model tick failed")
