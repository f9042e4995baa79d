"""One venue's book of one symbol as its depth channel serves it: levels, ids, checksum.

The book follows the price model at every change of the venue's top (`step`) and keeps
what changed since its last push; `push` turns that into one `DepthEvent`, the frame the
channel sends every push interval. Levels are written once, as the venue writes numbers,
and the checksum, where a venue's channel carries one, is computed over those very
strings (the CRC32 of the first 25 bids and asks, alternating, `price:size`, as a signed
32-bit integer; each venue's `sim` module cites its page), never over reformatted numbers.

Ids: `update_id` advances by one per changed level, so a push covers
`[first_id, update_id]`; `number` advances by one per push. Each venue's protocol sends
the one its channel documents.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, replace
from typing import Literal, NamedTuple

import numpy as np

from arbot.sim.instruments import NumberStyle, SymbolSpec, format_units
from arbot.sim.ladder import LEVELS, Changes, Ladder, step_ticks
from arbot.sim.prices import VenueQuote
from arbot.venues.simspec import Rules

Level = tuple[str, str]
"""(price, size) as the venue writes them (a JSON array on the wire)."""
CHECKSUM_LEVELS = 25
TEXT_CACHE = 4096
"""Levels written to text kept per book: a level stays in the book over many pushes and
the checksum writes the top 25 after each, so most are written once."""
Kind = Literal["snapshot", "update", "restart"]


@dataclass(frozen=True)
class DepthEvent:
    """One depth push, venue-neutral; the venue's protocol frames it.

    `restart` is a full book sent as an update numbered 1 after the venue restarted its
    book. Levels are best first. `prev_id` is the `update_id` of the push before (-1 on a
    snapshot).
    """

    symbol: str
    kind: Kind
    bids: list[Level]
    asks: list[Level]
    first_id: int
    update_id: int
    prev_id: int
    number: int
    checksum: int
    stamp_ms: int


class BookView(NamedTuple):
    """A REST snapshot: the book now and the id of the last change it holds."""

    update_id: int
    bids: list[Level]
    asks: list[Level]


def crc32_signed(text: str) -> int:
    crc = zlib.crc32(text.encode())
    return crc - (1 << 32) if crc >= 1 << 31 else crc


def checksum(bids: list[Level], asks: list[Level]) -> int:
    """CRC32 (signed) of the top 25 levels, bid and ask alternating, missing ones left out."""
    parts: list[str] = []
    for i in range(CHECKSUM_LEVELS):
        for side in (bids, asks):
            if i < len(side):
                parts.append(f"{side[i][0]}:{side[i][1]}")
    return crc32_signed(":".join(parts))


class SimBook:
    """The depth book of one symbol on one venue."""

    def __init__(self, spec: SymbolSpec, rules: Rules, style: NumberStyle, *,
                 depth_quote: float, min_lots: int, rng: np.random.Generator,
                 checksums: bool, top: VenueQuote, levels: int = LEVELS) -> None:
        """`checksums`: the venue's channel carries one (else the field stays 0); `top`:
        the model's quote now, which the book starts from."""
        self.symbol = spec.symbol
        self._rules, self._style, self._levels = rules, style, levels
        self._checksums = checksums
        base = depth_quote / (spec.price * rules.lot)
        self.ladder = Ladder(rng, base_lots=base, min_lots=min_lots,
                             step=step_ticks(spec.price, rules.tick), levels=levels)
        self.update_id = int(rng.integers(1_000_000_000, 50_000_000_000))
        self.number = int(rng.integers(1_000_000, 100_000_000))
        self.pushed_id = self.update_id  # the update id the last push ended at
        self.seen = top.update_id  # the model quote's update id the book last followed
        self.ladder.follow(top)
        self._bids: Changes = {}
        self._asks: Changes = {}
        self._texts: dict[tuple[int, int], Level] = {}

    @property
    def pending(self) -> bool:
        return bool(self._bids or self._asks)

    def step(self, q: VenueQuote) -> None:
        """Follow the model's top `q` (once per change of its update id)."""
        if q.update_id == self.seen:
            return
        self.seen = q.update_id
        bids, asks = self.ladder.follow(q)
        self._bids.update(bids)
        self._asks.update(asks)
        self.update_id += max(1, len(bids) + len(asks))

    def push(self, stamp_ms: int) -> DepthEvent:
        """What changed since the last push, as one update (empty if nothing did)."""
        bids = [self._level(p, v) for p, v in sorted(self._bids.items(), reverse=True)]
        asks = [self._level(p, v) for p, v in sorted(self._asks.items())]
        self._bids, self._asks = {}, {}
        first = self.pushed_id + 1 if bids or asks else self.pushed_id
        prev, self.pushed_id = self.pushed_id, self.update_id
        if bids or asks:
            self.number += 1
        return DepthEvent(self.symbol, "update", bids, asks, first, self.update_id, prev,
                          self.number, self._checksum(), stamp_ms)

    def snapshot(self, stamp_ms: int) -> DepthEvent:
        """The whole book, at the last push (call `push` first if changes are pending)."""
        view = self.view(self._levels)
        return DepthEvent(self.symbol, "snapshot", view.bids, view.asks, self.update_id,
                          self.update_id, -1, self.number, self._checksum(), stamp_ms)

    def restart(self, event: DepthEvent) -> DepthEvent:
        """`event` replaced by the whole book with the push count restarted at 1."""
        self.number = 1
        view = self.view(self._levels)
        return replace(event, kind="restart", bids=view.bids, asks=view.asks, number=1)

    def view(self, limit: int) -> BookView:
        lad = self.ladder
        return BookView(self.update_id,
                        [self._level(p, v) for p, v in lad.top(lad.bids, -1, limit)],
                        [self._level(p, v) for p, v in lad.top(lad.asks, 1, limit)])

    def _checksum(self) -> int:
        if not self._checksums:
            return 0
        view = self.view(CHECKSUM_LEVELS)
        return checksum(view.bids, view.asks)

    def _level(self, price: int, lots: int) -> Level:
        level = self._texts.get((price, lots))
        if level is None:
            if len(self._texts) >= TEXT_CACHE:
                self._texts.clear()
            r, style = self._rules, self._style
            level = (format_units(price, r.price_dp, style), format_units(lots, r.qty_dp, style))
            self._texts[price, lots] = level
        return level
