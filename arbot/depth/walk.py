"""The depth walk: how much of a cross-venue gap both books can fill at the threshold.

Up the buy venue's asks and down the sell venue's bids, size is added one chunk at a time
(the smaller of what is left on the current ask and bid levels) while the marginal unit,
the current ask bought and the current bid sold, still nets at least `min_bps` of the ask
after both taker fees; the walk stops there, or when `max_notional` (quote spent at the
asks) or `max_base` (balances, when trading) is used up. docs/depth.md, "The walk".

Called on the slow path only (a crossed spread), but once per candidate pair: plain
floats and iterators, one result object, and a ladder is read no deeper than the walk
goes (`side_ladder` fetches a book's levels lazily).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import islice

import msgspec

from arbot.depth.book import BookSide, Level

INF = float("inf")
BookLevel = tuple[float, float, str, str]  # price, size and their texts, as `BookSide` keeps them
Rung = Level | BookLevel  # what a walk reads of a level: [0] the price, [1] the size


class Walk(msgspec.Struct, frozen=True, gc=False):
    """What a walk filled. With one level taken on each side the figures are exactly the
    top-of-book ones (`size`, `net_bps` and `profit` as `arbot.domain.Opportunity` computes
    them), so depth 1 changes no number."""

    size: float = 0.0  # base units bought and sold
    buy_vwap: float = 0.0  # mean ask paid
    sell_vwap: float = 0.0  # mean bid got
    buy_worst: float = 0.0  # the last ask level walked: the buy leg's IOC limit
    sell_worst: float = 0.0  # the last bid level walked: the sell leg's IOC limit
    profit: float = 0.0  # quote currency, net of both taker fees
    net_bps: float = 0.0  # profit over the cost at the asks (size * buy_vwap), in bps
    buy_levels: int = 0  # ask levels size was taken from
    sell_levels: int = 0  # bid levels size was taken from


EMPTY = Walk()


def walk(asks: Iterable[Rung], bids: Iterable[Rung], buy_mult: float, sell_mult: float,
         min_bps: float, max_notional: float = INF, max_base: float = INF) -> Walk:
    """Walk `asks` (buy venue, lowest first) against `bids` (sell venue, highest first).

    `buy_mult`/`sell_mult` are 1 +/- the taker fee rate (`arbot.engine.detector.Fee`).
    A unit is walked while `bid * sell_mult - ask * buy_mult >= min_bps * ask / 1e4`
    (the same expression the detector applies to the top of book)."""
    ask_it = iter(asks)
    bid_it = iter(bids)
    a_level = next(ask_it, None)
    b_level = next(bid_it, None)
    if a_level is None or b_level is None:
        return EMPTY
    a, a_left = a_level[0], a_level[1]
    b, b_left = b_level[0], b_level[1]
    a_index = b_index = 1  # the level each side stands on, 1 = the top
    buy_levels = sell_levels = chunks = 0
    size = cost = proceeds = profit = first_net = worst_a = worst_b = 0.0
    room_notional = max_notional
    room_base = max_base
    while a > 0.0:
        net = b * sell_mult - a * buy_mult
        if net / a * 10_000.0 < min_bps:
            break
        take = a_left if a_left < b_left else b_left
        capped = False
        room = room_notional / a
        if room <= take:
            take, capped = room, True
        if room_base <= take:
            take, capped = room_base, True
        if take > 0.0:
            if chunks == 0:
                first_net = net
            chunks += 1
            size += take
            cost += take * a
            proceeds += take * b
            profit += take * net
            room_notional -= take * a
            room_base -= take
            buy_levels, sell_levels = a_index, b_index
            worst_a, worst_b = a, b
        if capped:
            break
        a_left -= take
        b_left -= take
        if a_left <= 0.0:
            a_level = next(ask_it, None)
            if a_level is None:
                break
            a, a_left = a_level[0], a_level[1]
            a_index += 1
        if b_left <= 0.0:
            b_level = next(bid_it, None)
            if b_level is None:
                break
            b, b_left = b_level[0], b_level[1]
            b_index += 1
    if chunks == 0:
        return EMPTY
    if chunks == 1:  # one level each side: exactly the top-of-book arithmetic
        return Walk(size, worst_a, worst_b, worst_a, worst_b, profit,
                    first_net / worst_a * 10_000.0, buy_levels, sell_levels)
    return Walk(size, cost / size, proceeds / size, worst_a, worst_b, profit,
                profit / cost * 10_000.0, buy_levels, sell_levels)


def side_ladder(side: BookSide, depth: int) -> Iterator[BookLevel]:
    """A book side's best `depth` levels, best first, read only as far as a walk goes (a
    walk rarely gets past the third level of fifty): the book's own level tuples, looked up
    in C, no tuple made per level."""
    return map(side.levels.__getitem__, islice(side.keys, depth))
