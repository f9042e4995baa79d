"""The engine's own judgement of the market, for front ends that show it.

A screen must show the numbers the engine acts on, never a re-derivation of its own: a
screen that judged freshness on the wall clock, or paid the configured fee where the
engine pays the account's real one, would disagree with the engine it reports on. So
the engine answers here, on its own clock, board and fees. A front end asks once per
refresh; the hot path pays nothing for it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import msgspec

from arbot.depth.board import DepthBoard
from arbot.depth.walk import Rung, side_ladder, walk
from arbot.domain import Venue
from arbot.engine.board import VENUES, Entry, QuoteBoard
from arbot.engine.detector import Fee, net_per_unit
from arbot.engine.pairs import NO_RULES, PairRules

INF = float("inf")


class SymbolView(msgspec.Struct, frozen=True, kw_only=True):
    """One symbol as the engine sees it now: the venues whose quotes take part (live and
    within their venue's age limit), and the best gross and net spread among those (None
    with fewer than two). Spreads are in bps of the buy price and may be negative (not crossed).
    A venue whose depth book is resyncing is not among them. `walk_size` and `walk_net_bps`
    size the best net pair by the depth walk, as the detector does (its books where kept,
    else the top levels; min_net_profit_bps, max_notional): None when no unit clears.
    `net_after_transfer_bps` is the best net pair's net after fees and its amortized
    transfer cost (`arbot.engine.pairs`; equal to `net_bps` while none is known). Pairs
    the detector refuses (not the same coin) are not among the spreads."""

    fresh: frozenset[Venue]
    gross_bps: float | None
    net_bps: float | None
    walk_size: float | None = None
    walk_net_bps: float | None = None
    net_after_transfer_bps: float | None = None


def best_spreads(fresh: Sequence[tuple[int, Entry]], fees: Sequence[Fee],
                 rules: PairRules = NO_RULES
                 ) -> tuple[float | None, float | None, tuple[int, int] | None]:
    """Best (gross, net) bps of buying at one venue's ask and selling at another's bid,
    crossed or not, and the (buy, sell) venue indexes of the best net; net pays both
    taker fees exactly as the detector does. Pairs `rules` refuse take no part."""
    gross: float | None = None
    net: float | None = None
    pair: tuple[int, int] | None = None
    for bi, (_, ask, _, _) in fresh:
        if ask <= 0:
            continue
        for si, (bid, _, _, _) in fresh:
            if si == bi or (bi, si) in rules.refused:
                continue
            g = (bid - ask) / ask * 10_000.0
            n = net_per_unit(ask, bid, fees[bi], fees[si]) / ask * 10_000.0
            gross = g if gross is None or g > gross else gross
            if net is None or n > net:
                net, pair = n, (bi, si)
    return gross, net, pair


def market_view(board: QuoteBoard, fees: Sequence[Fee], now_ns: int,
                max_age_ns: Sequence[int], depth: DepthBoard | None = None,
                min_bps: float = 0.0, max_notional: float = INF) -> dict[str, SymbolView]:
    """Every symbol on the board, judged at `now_ns` on the engine's clock (age limits
    per venue index)."""
    out: dict[str, SymbolView] = {}
    for symbol in board.books:
        fresh = [(i, e) for i, e in board.fresh(symbol, now_ns, max_age_ns)
                 if not _resyncing(depth, i, symbol)]
        rules = board.books[symbol].rules
        gross, net, pair = best_spreads(fresh, fees, rules)
        walk_size = walk_net = None
        after = net
        cost = rules.costs.get(pair) if pair is not None else None
        if cost is not None and net is not None and pair is not None:
            after = net - cost.bps(dict(fresh)[pair[0]][1])
        if pair is not None and net is not None and net >= min_bps:
            entries = dict(fresh)
            buy, sell = entries[pair[0]][3], entries[pair[1]][3]
            w = walk(_ladder(depth, pair[0], symbol, True, (buy.ask, buy.ask_size)),
                     _ladder(depth, pair[1], symbol, False, (sell.bid, sell.bid_size)),
                     fees[pair[0]].buy_mult, fees[pair[1]].sell_mult, min_bps, max_notional)
            if w.size > 0.0:
                walk_size, walk_net = w.size, w.net_bps
        out[symbol] = SymbolView(fresh=frozenset(VENUES[i] for i, _ in fresh),
                                 gross_bps=gross, net_bps=net, walk_size=walk_size,
                                 walk_net_bps=walk_net, net_after_transfer_bps=after)
    return out


def _resyncing(depth: DepthBoard | None, i: int, symbol: str) -> bool:
    book = depth.get(i, symbol) if depth is not None else None
    return book is not None and not book.synced


def _ladder(depth: DepthBoard | None, i: int, symbol: str, asks: bool,
            top: tuple[float, float]) -> Iterable[Rung]:
    """Venue i's asks (or bids) as the detector walks them: its book where it keeps one,
    else its quote's top level."""
    book = depth.get(i, symbol) if depth is not None else None
    if depth is None or book is None:
        return (top,)
    return side_ladder(book.asks if asks else book.bids, depth.levels)
