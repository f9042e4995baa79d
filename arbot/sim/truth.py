"""Ground truth: every dislocation the market profile injected, as it really was.

A dislocation moves one venue's book of one symbol away from the others; the record says
when (our wall clock, ms, when the moved book was stamped and when it moved back), which
venue to buy on and which to sell on, how much both tops could fill, and the net profit
after both taker fees at its start and at its worst while it lasted. `GET /sim/truth`
serves it, so a benchmark can score a run against what really happened (`bench/truth.py`).

It also lists every integrity fault injected into a depth channel (`BookFault`, under every
profile), so a test can count the resyncs a client should have made.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

import msgspec

from arbot.domain import Venue


class Top(NamedTuple):
    """One venue's top of book in prices and base quantities."""

    bid: float
    ask: float
    bid_qty: float
    ask_qty: float


class Cross(NamedTuple):
    """The best trade a moved venue offers against the others, after both taker fees."""

    net_bps: float
    buy: Venue
    sell: Venue
    size: float


def best_cross(tops: Mapping[Venue, Top], moved: Venue, up: bool,
               fees: Mapping[Venue, float]) -> Cross:
    """Moved up: sell on `moved` at its bid, buy at the best other ask; down: the mirror.
    Net is in bps of the buy price, as the engine counts it; `fees` are taker fractions."""
    best: Cross | None = None
    for other in tops:
        if other is moved:
            continue
        buy, sell = (other, moved) if up else (moved, other)
        ask, bid = tops[buy].ask, tops[sell].bid
        net = (bid * (1.0 - fees[sell]) - ask * (1.0 + fees[buy])) / ask * 10_000.0
        if best is None or net > best.net_bps:
            best = Cross(net, buy, sell, min(tops[buy].ask_qty, tops[sell].bid_qty))
    if best is None:
        raise ValueError("a cross needs at least two venues")
    return best


class Dislocation(msgspec.Struct, kw_only=True):
    """One injected dislocation; `end_ms` is None while it lasts."""

    id: int
    symbol: str
    venue: Venue
    """The venue whose book was moved."""
    offset_bps: float
    """How far its mid was moved from the fair price (signed)."""
    buy_venue: Venue
    sell_venue: Venue
    start_ms: int
    end_ms: int | None = None
    size: float
    """Base quantity both tops could fill at the start."""
    net_bps: float
    """Net after both taker fees at the start, in bps of the buy price."""
    min_net_bps: float
    """The lowest best net of the moved venue while it lasted (as the books changed)."""


class BookFault(msgspec.Struct, kw_only=True):
    """One integrity fault injected into a venue's depth channel for one symbol."""

    id: int
    venue: Venue
    symbol: str
    kind: str
    """`gap` (a push never sent), `bad_checksum`, `restart` (the whole book as an
    update numbered 1) or `reorder` (this push sent after the next one)."""
    update_id: int
    """The push's last update id (`DepthEvent.update_id`)."""
    number: int
    """The push's count (`DepthEvent.number`)."""
    at_ms: int
    """Our wall clock when it was injected."""


class Truth:
    """The record of injected dislocations, at most one open per symbol, and of the
    faults injected into depth channels."""

    def __init__(self) -> None:
        self.dislocations: list[Dislocation] = []
        self.open: dict[str, Dislocation] = {}
        self.book_faults: list[BookFault] = []

    def book_fault(self, venue: Venue, symbol: str, kind: str, update_id: int, number: int,
                   now_ms: int) -> None:
        self.book_faults.append(BookFault(
            id=len(self.book_faults) + 1, venue=venue, symbol=symbol, kind=kind,
            update_id=update_id, number=number, at_ms=now_ms))

    def begin(self, symbol: str, venue: Venue, offset_bps: float, cross: Cross,
              now_ms: int) -> Dislocation:
        d = Dislocation(id=len(self.dislocations) + 1, symbol=symbol, venue=venue,
                        offset_bps=offset_bps, buy_venue=cross.buy, sell_venue=cross.sell,
                        start_ms=now_ms, size=cross.size, net_bps=cross.net_bps,
                        min_net_bps=cross.net_bps)
        self.dislocations.append(d)
        self.open[symbol] = d
        return d

    def observe(self, symbol: str, cross: Cross) -> None:
        """A book of `symbol` changed while it is dislocated: keep the worst net seen."""
        d = self.open.get(symbol)
        if d is not None:
            d.min_net_bps = min(d.min_net_bps, cross.net_bps)

    def end(self, symbol: str, now_ms: int) -> None:
        d = self.open.pop(symbol, None)
        if d is not None:
            d.end_ms = now_ms

    def as_json(self) -> dict[str, object]:
        return {"dislocations": self.dislocations, "book_faults": self.book_faults}
