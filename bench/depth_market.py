"""A market of L2 books for `bench/depth.py`'s walk measurement: N symbols on the four
venues, each book updated by small deltas whose new top is a quote of bench/engine.py's
stream (a random-walking fair price, per-venue spreads, jitter, 30 bps dislocations).

Each delta sets the three best levels a side at 1 bps steps from the quote's bid and ask
(sizes lognormal around $20k), deletes every level the new top crossed, and the deepest
past `levels` a side: the shape of a real top-of-book move. With `crossed`, one venue
(Bitget) is quoted 30 bps above the others throughout, so every update finds a
net-profitable cross and the engine walks both books on every one: the worst case.
Built once, untimed; `prime` puts every book back to its first state before a pass.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from arbot.depth.board import DepthBoard
from arbot.depth.book import L2Book
from arbot.domain import Quote, Venue
from bench.engine import quote_stream

STEP = 1e-4  # 1 bps between levels
NEW_LEVELS = 3
CROSS_BPS = 30.0
Levels = list[tuple[str, str]]


@dataclass
class Update:
    book: L2Book
    bids: Levels
    asks: Levels
    quote: Quote


class Market:
    def __init__(self, n_symbols: int, n_updates: int, levels: int, crossed: bool,
                 seed: int = 0) -> None:
        self.board = DepthBoard(levels)
        rng = random.Random(seed)
        quotes = quote_stream(n_symbols, n_updates, seed=seed, dislocate=not crossed)
        if crossed:
            quotes = [_lift(q) if q.venue is Venue.BITGET else q for q in quotes]
        self.first: dict[tuple[Venue, str], tuple[Levels, Levels]] = {}
        shadow: dict[tuple[Venue, str], tuple[dict[float, str], dict[float, str]]] = {}
        self.updates: list[Update] = []
        for q in quotes:
            key = (q.venue, q.symbol)
            book = self.board.book(q.venue, q.symbol)
            if key not in shadow:  # the book's snapshot: `levels` a side around its first quote
                bids = _ladder(q.bid, -1.0, levels, q.bid_size, rng)
                asks = _ladder(q.ask, 1.0, levels, q.ask_size, rng)
                self.first[key] = (bids, asks)
                shadow[key] = ({float(p): p for p, _ in bids}, {float(p): p for p, _ in asks})
                continue
            sb, sa = shadow[key]
            bids = _delta(sb, _ladder(q.bid, -1.0, NEW_LEVELS, q.bid_size, rng), True, levels)
            asks = _delta(sa, _ladder(q.ask, 1.0, NEW_LEVELS, q.ask_size, rng), False, levels)
            self.updates.append(Update(book, bids, asks, q))

    def prime(self) -> None:
        """Every book back to its snapshot, synced."""
        for (venue, symbol), (bids, asks) in self.first.items():
            book = self.board.book(venue, symbol)
            book.replace(bids, asks)
            book.synced = True


def _lift(q: Quote) -> Quote:
    f = 1.0 + CROSS_BPS / 1e4
    return Quote(venue=q.venue, symbol=q.symbol, bid=q.bid * f, bid_size=q.bid_size,
                 ask=q.ask * f, ask_size=q.ask_size, ts_exchange_ms=q.ts_exchange_ms,
                 ts_recv_ns=q.ts_recv_ns)


def _ladder(top: float, sign: float, n: int, size: float, rng: random.Random) -> Levels:
    """n levels from `top` outwards (sign -1: bids, +1: asks) as venue-style strings."""
    return [(f"{top * (1.0 + sign * STEP * k):.8g}", f"{size * rng.lognormvariate(0, 0.5):.6g}")
            for k in range(n)]


def _delta(side: dict[float, str], new: Levels, bids: bool, levels: int) -> Levels:
    """The delta turning `side` (price -> text, kept up to date) into `new` on top of what
    the new top does not cross, trimmed to `levels`; zero sizes delete."""
    top = float(new[0][0])
    out: Levels = []
    for price, text in list(side.items()):
        if (price > top) if bids else (price < top):
            out.append((text, "0"))
            del side[price]
    for text, size in new:
        price = float(text)
        if price in side and side[price] != text:  # one price, one spelling
            text = side[price]
        side[price] = text
        out.append((text, size))
    ranked = sorted(side, reverse=bids)
    for price in ranked[levels:]:
        out.append((side.pop(price), "0"))
    return out
