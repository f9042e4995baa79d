"""Pure detection: every cross-venue gap for one symbol, net of both taker fees, sized.

Buy at an ask, sell at a bid on another venue. A pair is a candidate when the gross
spread is crossed (bid above ask); the net figures then say whether fees eat it.
Only fresh quotes take part (each venue's age limit: `freshness.age_limits_ns`), and only
venues whose depth book for the symbol is synced: a cross against a stale quote or a
resyncing book is counted, never reported. A pair the slot's `rules` refuse (the base
asset is not the same coin on both venues) is counted as `not_same_coin`; with a transfer
cost in the rules, the threshold applies to the net after fees and that cost
(`Opportunity.transfer_bps`), and the walk stops where the marginal unit no longer nets
both.

The engine asks `scan` for the candidates worth judging: the net check runs on plain
floats first, then the walk sizes the pair, and an `Opportunity` is built only for a pair
that clears both. `size`, `net_bps` and `profit` stay the top-of-book figures; the walk
fills the `walk_*` fields (equal to them at depth 1).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import msgspec
from msgspec.structs import replace

from arbot.depth.board import DepthBoard
from arbot.depth.book import L2Book
from arbot.depth.walk import side_ladder, walk
from arbot.domain import Opportunity, Quote, Venue
from arbot.engine.board import VENUE_INDEXES, Book, N, Slot, T
from arbot.engine.funnel import Funnel


class Fee(msgspec.Struct, frozen=True):
    """A venue's taker fee, with the multipliers the hot path needs precomputed."""

    taker_bps: float
    buy_mult: float  # cost of 1 unit bought = ask * buy_mult
    sell_mult: float  # proceeds of 1 unit sold = bid * sell_mult

    @classmethod
    def from_bps(cls, taker_bps: float) -> Fee:
        rate = taker_bps / 10_000.0
        return cls(taker_bps, 1.0 + rate, 1.0 - rate)


class Detection(msgspec.Struct):
    """Every crossed pair among fresh quotes, and crosses seen only against stale ones."""

    candidates: list[Opportunity]
    stale_crosses: int


def detect(symbol: str, book: Book, fees: Sequence[Fee], now_ns: int,
           max_age_ns: Sequence[int], max_notional: float) -> Detection:
    """All crossed (buy venue, sell venue) pairs of `symbol`, best net first; `max_age_ns`
    is per venue index."""
    funnel = Funnel()
    found = scan(Slot.of(symbol, book), fees, now_ns, max_age_ns, max_notional,
                 float("-inf"), float("-inf"), funnel)
    return Detection(found, funnel.stale)


def scan(slot: Slot, fees: Sequence[Fee], now_ns: int, max_age_ns: Sequence[int],
         max_notional: float, min_bps: float, min_notional: float, funnel: Funnel,
         depth: DepthBoard | None = None) -> list[Opportunity]:
    """The crossed pairs among the slot's fresh quotes that net at least `min_bps` and can
    fill `min_notional`, best net first, each sized by a walk (`arbot.depth.walk`) of the
    buy venue's asks against the sell venue's bids: on `depth`'s books where a venue keeps
    one for the symbol, else on the quote's top level. A venue whose book is resyncing
    takes no part. Every crossed pair is counted in `funnel` where it stopped (the steps
    are `Funnel`'s), and so is every cross seen only against a stale quote or a
    resyncing book."""
    v = slot.v
    symbol = slot.symbol
    best_bid = slot[0]  # bounds: no bid above it, no ask below `best_ask`
    best_ask = slot[1]
    fresh: list[int] = []
    sells: list[int] = []  # the fresh venues whose bid is above some ask
    stale: list[int] = []
    resyncing: list[int] = []
    books: list[L2Book | None] = NO_BOOKS
    if depth is not None:
        books = [None] * N
    for i in VENUE_INDEXES:
        q = v[i]
        if q is not None:
            t = v[T + i]  # None: the engine has no clock, the quote's receipt is its time
            if now_ns - (q.ts_recv_ns if t is None else t) > max_age_ns[i]:
                stale.append(i)
                continue
            if depth is not None:
                book = books[i] = depth.books[i].get(symbol)
                if book is not None and not book.synced:
                    resyncing.append(i)
                    continue
            fresh.append(i)
            if q.bid > best_ask:
                sells.append(i)
    levels = depth.levels if depth is not None else 1
    out: list[Opportunity] = []
    crossed = below_min = too_small = too_thin = refused = 0
    rules = slot.rules
    costs = rules.costs
    refuses = rules.refused
    for b in fresh if sells else ():
        buy = v[b]
        ask = buy.ask
        if ask >= best_bid:  # a buy at or above every bid crosses nothing
            continue
        for s in sells:
            sell = v[s]
            bid = sell.bid
            if s == b or not bid > ask:
                continue
            crossed += 1
            if refuses and (b, s) in refuses:
                refused += 1
                continue
            buy_fee, sell_fee = fees[b], fees[s]
            net = bid * sell_fee.sell_mult - ask * buy_fee.buy_mult  # `net_per_unit`, inline
            net_bps = net / ask * 10_000.0
            cost = costs.get((b, s)) if costs else None
            transfer_bps = cost.bps(ask) if cost is not None else 0.0
            if net_bps - transfer_bps < min_bps:
                below_min += 1
                continue
            size = min(buy.ask_size, sell.bid_size, max_notional / ask)
            top_fills = size * ask >= min_notional
            buy_book, sell_book = books[b], books[s]
            if buy_book is None and sell_book is None:
                # One level a side: the walk's answer is the top of book itself (the
                # walk's tests prove it equal), so it is not walked on the slow path.
                if not top_fills:
                    too_small += 1
                    continue
                profit = net * size
                template = _TEMPLATES.get((buy_fee.taker_bps, sell_fee.taker_bps))
                if template is None:
                    template = _top_template(buy_fee, sell_fee)
                top = replace(template, symbol=symbol, buy=buy, sell=sell,
                              net_per_unit=net, net_bps=net_bps, size=size, profit=profit,
                              walk_size=size, buy_vwap=ask, sell_vwap=bid, buy_worst=ask,
                              sell_worst=bid, walk_profit=profit, walk_net_bps=net_bps)
                out.append(replace(top, transfer_bps=transfer_bps) if transfer_bps else top)
                continue
            w = walk(((ask, buy.ask_size),) if buy_book is None
                     else side_ladder(buy_book.asks, levels),
                     ((bid, sell.bid_size),) if sell_book is None
                     else side_ladder(sell_book.bids, levels),
                     buy_fee.buy_mult, sell_fee.sell_mult, min_bps + transfer_bps, max_notional)
            if w.size * w.buy_vwap < min_notional:
                if top_fills:
                    too_thin += 1
                else:
                    too_small += 1
                continue
            out.append(_opportunity(
                Opportunity(symbol=symbol, buy=buy, sell=sell, buy_fee_bps=buy_fee.taker_bps,
                            sell_fee_bps=sell_fee.taker_bps, net_per_unit=net, net_bps=net_bps,
                            size=size, profit=net * size, walk_size=w.size,
                            buy_vwap=w.buy_vwap, sell_vwap=w.sell_vwap,
                            buy_worst=w.buy_worst, sell_worst=w.sell_worst),
                w.profit, w.net_bps, w.buy_levels, w.sell_levels, transfer_bps))
    if crossed:
        funnel.crossed += crossed
        funnel.not_same_coin += refused
        funnel.below_min += below_min
        funnel.too_small += too_small
        funnel.too_thin += too_thin
    if stale:
        funnel.stale += _crosses(v, stale, fresh)
    if resyncing:
        funnel.resyncing += _crosses(v, resyncing, fresh)
    if len(out) > 1:
        _best_first(out)
    return out


def _best_first(out: list[Opportunity]) -> None:
    """Order `out` by net bps, best first, equal ones in the order found: what a stable
    sort does, by insertion, without the sort's keyword call and a key function call
    per opportunity (a handful at most)."""
    for k in range(1, len(out)):
        o = out[k]
        net_bps = o.net_bps
        i = k
        while i and out[i - 1].net_bps < net_bps:
            out[i] = out[i - 1]
            i -= 1
        out[i] = o


def _opportunity(o: Opportunity, walk_profit: float, walk_net_bps: float, buy_levels: int,
                 sell_levels: int, transfer_bps: float) -> Opportunity:
    """`o` with its last walked figures. CPython compiles a call with more than 15 keyword
    arguments to one that builds a dict first, which msgspec takes about 5x slower (1 us
    an opportunity, measured): so no call here passes more than 15."""
    return replace(o, walk_profit=walk_profit, walk_net_bps=walk_net_bps,
                   buy_levels=buy_levels, sell_levels=sell_levels, transfer_bps=transfer_bps)


NO_BOOKS: list[L2Book | None] = [None] * N  # no depth board: every venue walks its top level
_PLACEHOLDER = Quote(venue=Venue.BINANCE, symbol="", bid=0.0, bid_size=0.0, ask=0.0,
                     ask_size=0.0, ts_exchange_ms=None, ts_recv_ns=0)
_TEMPLATES: dict[tuple[float, float], Opportunity] = {}


def _top_template(buy_fee: Fee, sell_fee: Fee) -> Opportunity:
    """An opportunity at the pair's fees, one level a side, no transfer cost: what a
    top-of-book opportunity is cut from with one `replace` of the 14 fields that vary.
    CPython compiles a call with more than 15 keyword arguments to one that builds a dict
    first, which msgspec takes about 5x slower, and a constructor call plus a `replace`
    of the rest costs about twice one `replace` (measured, bench/engine.py)."""
    key = (buy_fee.taker_bps, sell_fee.taker_bps)
    template = _TEMPLATES.get(key)
    if template is None:
        if len(_TEMPLATES) >= 256:  # fees that keep changing: no unbounded growth
            _TEMPLATES.clear()
        template = _TEMPLATES[key] = Opportunity(
            symbol="", buy=_PLACEHOLDER, sell=_PLACEHOLDER, buy_fee_bps=buy_fee.taker_bps,
            sell_fee_bps=sell_fee.taker_bps, net_per_unit=0.0, net_bps=0.0, size=0.0,
            profit=0.0, buy_levels=1, sell_levels=1)
    return template


def _crosses(v: list[Any], aside: list[int], fresh: list[int]) -> int:
    """Crosses between venues set aside (stale, resyncing) and the fresh ones, either way."""
    return sum(v[s].bid > v[f].ask or v[f].bid > v[s].ask for s in aside for f in fresh)


def net_per_unit(ask: float, bid: float, buy_fee: Fee, sell_fee: Fee) -> float:
    """What one unit bought at `ask` and sold at `bid` earns after both taker fees."""
    return bid * sell_fee.sell_mult - ask * buy_fee.buy_mult
