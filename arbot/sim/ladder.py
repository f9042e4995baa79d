"""A venue's order book below its top: N levels a side that follow the price model's top.

The price model quotes only the top of each venue's book; the depth channels need the
rest. A `Ladder` holds one venue's book of one symbol in integer ticks and lots and,
whenever the model's top moves, follows it: levels better than the new top go, the top
level takes the model's price and size, holes between the top and the old levels are
filled on the tick grid, the far end is trimmed or extended to N levels, and a few levels
deeper in the book change size, as a real book does between two pushes. The top of the
ladder is always exactly the model's quote, so the L1 channels and the depth channels
agree, and the market profile's ground truth (tops) still holds.
"""

from __future__ import annotations

import numpy as np

from arbot.sim.prices import VenueQuote

LEVELS = 50
"""Levels a side: a 50-level channel whole, and the top 25 that checksums cover."""
MAX_GAP = 3
"""At most this many steps between two neighbouring levels."""
STEP_BPS = 0.3
"""A step between levels is about this far (whole ticks, at least one): levels spaced on
the price's scale rather than the tick's, so a move of the top (a few tenths of a bp on
the busy symbols) changes a few levels, not the whole side."""
SIZE_SIGMA = 0.6
DEEPER_GROWTH = 0.08
"""Deeper levels hold more on average: size grows this much per level of depth."""

Changes = dict[int, int]
"""Changed levels of one side: price in ticks -> lots, 0 = the level is gone."""


class Ladder:
    """One book in ticks and lots; `follow` moves it to a new top and says what changed."""

    def __init__(self, rng: np.random.Generator, *, base_lots: float, min_lots: int,
                 step: int, levels: int = LEVELS) -> None:
        """`base_lots`: a typical level's size in lots; `min_lots`: the venue's minimum;
        `step`: the spacing unit in ticks (`step_ticks`)."""
        self.bids: dict[int, int] = {}
        self.asks: dict[int, int] = {}
        self._rng, self._base, self._min, self._n = rng, base_lots, min_lots, levels
        self._step = step

    def follow(self, q: VenueQuote) -> tuple[Changes, Changes]:
        """Move to the top `q`; the changed levels of bids and of asks."""
        bids = self._side(self.bids, -1, q.bid, q.bid_qty)
        asks = self._side(self.asks, 1, q.ask, q.ask_qty)
        changes = _diff(self.bids, bids), _diff(self.asks, asks)
        self.bids, self.asks = bids, asks
        return changes

    def top(self, side: dict[int, int], sign: int, n: int) -> list[tuple[int, int]]:
        """The best `n` levels of a side, best first (`sign` -1 for bids, 1 for asks)."""
        return [(p, side[p]) for p in sorted(side, key=lambda p: sign * p)[:n]]

    def _side(self, old: dict[int, int], sign: int, top: int, top_lots: int
              ) -> dict[int, int]:
        """One side after the move, in keys `sign * price` where smaller is better."""
        t = sign * top
        out = {t: top_lots}
        prev = t
        for k in sorted(k for k in (sign * p for p in old) if k > t):
            while k - prev > MAX_GAP * self._step and len(out) < self._n:  # a hole: fill it
                prev += self._gap()
                out[prev] = self._size(len(out))
            if len(out) >= self._n:
                break
            out[k] = old[sign * k]
            prev = k
        while len(out) < self._n and sign * (prev + MAX_GAP * self._step) > 0:  # bids > 0
            prev += self._gap()
            out[prev] = self._size(len(out))
        deeper = [k for k in out if k != t]
        if deeper:  # a few levels behind the top change size too
            picks = self._rng.choice(len(deeper), size=min(len(deeper),
                                     int(self._rng.integers(1, 4))), replace=False)
            for i in picks:
                out[deeper[int(i)]] = self._size(int(i) + 1)
        return {sign * k: v for k, v in out.items()}

    def _gap(self) -> int:
        return self._step * int(self._rng.integers(1, MAX_GAP + 1))

    def _size(self, depth: int) -> int:
        lots = self._base * (1.0 + DEEPER_GROWTH * depth) * self._rng.lognormal(0.0, SIZE_SIGMA)
        return max(self._min, round(lots))


def step_ticks(price: float, tick: float) -> int:
    """The spacing unit for a symbol near `price` quoted in `tick`s."""
    return max(1, round(price * STEP_BPS / 1e4 / tick))


def _diff(old: dict[int, int], new: dict[int, int]) -> Changes:
    out = {p: v for p, v in new.items() if old.get(p) != v}
    out.update((p, 0) for p in old if p not in new)
    return out
