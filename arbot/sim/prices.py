"""Price model: one hidden fair price per symbol, quoted by each venue in its own way.

Each tick the fair price takes a log-normal step; each venue quotes a lagged copy of it
(its latency, in ticks) with its own spread, jitter and top-of-book size, rounded out to
its tick. Now and then one venue is pushed away from the others (a dislocation) for a
while: that is the real, short-lived arbitrage ArBot is meant to find.

All randomness comes from one seeded numpy Generator, drawn in a fixed order per tick,
so the same seed and the same sequence of calls give identical quotes.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from arbot.domain import Venue
from arbot.sim.config import Dislocations
from arbot.sim.instruments import SymbolSpec
from arbot.venues import VENUES
from arbot.venues.simspec import VenueStyle

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


STYLES: Mapping[Venue, VenueStyle] = {v: s.sim.style for v, s in VENUES.items()}


@dataclass(frozen=True)
class VenueQuote:
    """Top of book in integer ticks and lots; `update_id` moves only when it changes."""

    bid: int
    ask: int
    bid_qty: int
    ask_qty: int
    update_id: int


class PriceModel:
    """Fair prices and venue quotes for a fixed list of symbols, advanced by `tick()`."""

    def __init__(
        self,
        specs: Sequence[SymbolSpec],
        seed: int,
        *,
        vol_bps: float = 0.3,
        tick_s: float = 0.05,
        dislocations: Dislocations | None = None,
        styles: Mapping[Venue, VenueStyle] = STYLES,
    ) -> None:
        self.venues: tuple[Venue, ...] = tuple(Venue)
        self.specs = tuple(specs)
        self.ticks = 0
        self._sym = {s.symbol: i for i, s in enumerate(self.specs)}
        self._ven = {v: j for j, v in enumerate(self.venues)}
        self._rng = np.random.default_rng(seed)
        self._vol = vol_bps / 1e4
        self._tick_s = tick_s
        self._disl = dislocations or Dislocations()
        n, m = len(self.specs), len(self.venues)
        st = [styles[v] for v in self.venues]
        self._spread = np.array([s.spread_bps for s in st])
        self._depth = np.array([s.depth_quote for s in st])
        self._latency = np.array([s.latency_ticks for s in st], dtype=np.int64)
        self._jitter_bps = np.array([s.jitter_bps for s in st])
        self._tick = np.array([[s.rules[v].tick for v in self.venues] for s in self.specs])
        self._lot = np.array([[s.rules[v].lot for v in self.venues] for s in self.specs])
        self._min_lots = np.array(
            [[max(1, math.ceil(float(s.rules[v].min_qty) / s.rules[v].lot - 1e-9))
              for v in self.venues] for s in self.specs], dtype=np.int64)
        depth = int(self._latency.max()) + 1
        start = np.log(np.array([s.price for s in self.specs]))
        self._hist: FloatArray = np.tile(start, (depth, 1))
        self._pos = 0
        self._offset: FloatArray = np.zeros((n, m))
        self._left: IntArray = np.zeros((n, m), dtype=np.int64)
        self._noise: FloatArray = np.zeros((n, m))
        self._sizes: FloatArray = np.ones((n, m, 2))
        self._ids: IntArray = self._rng.integers(1_000_000, 100_000_000, size=(n, m))
        self._book: IntArray = np.zeros((4, n, m), dtype=np.int64)
        self._compute(count_changes=False)

    def tick(self) -> None:
        """Advance one step: fair walk, venue noise and sizes, dislocation arrivals."""
        n, m = self._offset.shape
        z = self._rng.standard_normal(n)
        prev = self._hist[self._pos]
        self._pos = (self._pos + 1) % self._hist.shape[0]
        self._hist[self._pos] = prev + self._vol * z
        self._noise = self._rng.standard_normal((n, m))
        self._sizes = self._rng.lognormal(0.0, 0.5, size=(n, m, 2))
        self._left[self._left > 0] -= 1
        self._offset[self._left == 0] = 0.0
        arrivals = int(self._rng.poisson(self._disl.rate_per_s * self._tick_s))
        for _ in range(arrivals):
            i, j = int(self._rng.integers(n)), int(self._rng.integers(m))
            sign = 1.0 if self._rng.random() < 0.5 else -1.0
            self._start(i, j, sign * self._disl.size_bps, self._disl.life_s)
        self.ticks += 1
        self._compute(count_changes=True)

    def walk(self) -> None:
        """Advance the fair prices one step and nothing else: the market profile moves each
        venue's quote only when that venue's book changes (`requote`)."""
        z = self._rng.standard_normal(len(self.specs))
        prev = self._hist[self._pos]
        self._pos = (self._pos + 1) % self._hist.shape[0]
        self._hist[self._pos] = prev + self._vol * z
        self.ticks += 1

    def requote(self, symbol: str, venue: Venue, rng: np.random.Generator | None = None
                ) -> bool:
        """Re-price one venue's book of one symbol from the fair price now, with fresh
        noise and sizes drawn from `rng` (None: keep them, to apply a new offset only).
        True when the book changed (its update id moved)."""
        i, j = self._sym[symbol], self._ven[venue]
        if rng is not None:
            self._noise[i, j] = rng.standard_normal()
            self._sizes[i, j] = rng.lognormal(0.0, 0.5, size=2)
        book = self._books()
        if not np.any(book[:, i, j] != self._book[:, i, j]):
            return False
        self._book[:, i, j] = book[:, i, j]
        self._ids[i, j] += 1
        return True

    def set_offset(self, symbol: str, venue: Venue, bps: float) -> None:
        """Hold one venue's quotes `bps` away from the fair price until set back to 0 (the
        market profile's dislocations; `requote` shows it)."""
        self._offset[self._sym[symbol], self._ven[venue]] = bps

    def dislocate(self, symbol: str, venue: Venue, bps: float, life_s: float | None = None
                  ) -> None:
        """Move one venue's quotes by `bps` (signed) for `life_s`, starting now."""
        i, j = self._sym[symbol], self._ven[venue]
        self._start(i, j, bps, self._disl.life_s if life_s is None else life_s)
        self._compute(count_changes=True)

    def dislocation_bps(self, symbol: str, venue: Venue) -> float:
        return float(self._offset[self._sym[symbol], self._ven[venue]])

    def fair(self, symbol: str) -> float:
        return float(np.exp(self._hist[self._pos, self._sym[symbol]]))

    def quote(self, venue: Venue, symbol: str) -> VenueQuote:
        i, j = self._sym[symbol], self._ven[venue]
        b = self._book
        return VenueQuote(int(b[0, i, j]), int(b[1, i, j]), int(b[2, i, j]), int(b[3, i, j]),
                          int(self._ids[i, j]))

    def _start(self, i: int, j: int, bps: float, life_s: float) -> None:
        self._offset[i, j] = bps
        self._left[i, j] = max(1, round(life_s / self._tick_s))

    def _compute(self, *, count_changes: bool) -> None:
        book = self._books()
        if count_changes:
            self._ids += np.any(book != self._book, axis=0)
        self._book = book

    def _books(self) -> IntArray:
        """Every venue's book now: (bid, ask, bid qty, ask qty) x symbols x venues."""
        rows = (self._pos - self._latency) % self._hist.shape[0]
        fair = np.exp(self._hist[rows].T)  # (n, m): each venue sees its own lagged price
        mid = fair * (1.0 + (self._offset + self._noise * self._jitter_bps) / 1e4)
        half = mid * self._spread / 2e4
        bid = np.maximum(1, np.floor((mid - half) / self._tick)).astype(np.int64)
        ask = np.maximum(bid + 1, np.ceil((mid + half) / self._tick).astype(np.int64))
        lots = self._depth[None, :, None] / mid[:, :, None] * self._sizes / self._lot[:, :, None]
        qty = np.maximum(self._min_lots[:, :, None], np.rint(lots).astype(np.int64))
        return np.stack((bid, ask, qty[:, :, 0], qty[:, :, 1]))


def jiggle(q: VenueQuote, rng: np.random.Generator, step: int) -> VenueQuote:
    """A nearby variant of `q` for pre-encoded flood frames: both sides move together by
    up to two ticks, sizes vary, and the update id advances by `step`."""
    d = int(rng.integers(-2, 3))
    bid = max(1, q.bid + d)
    ask = max(bid + 1, q.ask + d)
    scale = rng.lognormal(0.0, 0.3, size=2)
    return VenueQuote(bid, ask, max(1, int(q.bid_qty * scale[0])),
                      max(1, int(q.ask_qty * scale[1])), q.update_id + step)
