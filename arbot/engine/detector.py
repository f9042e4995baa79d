"""Pure detection: every cross-venue gap for one symbol, net of both taker fees, sized.

Buy at an ask, sell at a bid on another venue. A pair is a candidate when the gross
spread is crossed (bid above ask); the net figures then say whether fees eat it.
Only fresh quotes take part (each venue's age limit: `freshness.age_limits_ns`): a cross
against a stale quote is counted, never reported.

The engine asks `scan` for the candidates worth judging: the net and size checks run on
plain floats first, and an `Opportunity` is built only for a pair that clears both.
"""

from __future__ import annotations

from collections.abc import Sequence

import msgspec

from arbot.domain import Opportunity
from arbot.engine.board import Book, N, Slot, T
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
         max_notional: float, min_bps: float, min_notional: float,
         funnel: Funnel) -> list[Opportunity]:
    """The crossed pairs among the slot's fresh quotes that net at least `min_bps` and can
    fill `min_notional`, best net first. Every crossed pair is counted in `funnel`
    (crossed, then below_min or too_small where it stopped), and so is every cross
    seen only against a stale quote."""
    v = slot.v
    fresh: list[int] = []
    stale: list[int] = []
    for i in range(N):
        if v[i] is not None:
            (fresh if now_ns - v[T + i] <= max_age_ns[i] else stale).append(i)
    out: list[Opportunity] = []
    crossed = below_min = too_small = 0
    for b in fresh:
        ask = v[b].ask
        for s in fresh:
            bid = v[s].bid
            if s == b or not bid > ask:
                continue
            crossed += 1
            buy_fee, sell_fee = fees[b], fees[s]
            net = net_per_unit(ask, bid, buy_fee, sell_fee)
            net_bps = net / ask * 10_000.0
            if net_bps < min_bps:
                below_min += 1
                continue
            buy, sell = v[b], v[s]
            size = min(buy.ask_size, sell.bid_size, max_notional / ask)
            if size * ask < min_notional:
                too_small += 1
                continue
            out.append(Opportunity(symbol=slot.symbol, buy=buy, sell=sell,
                                   buy_fee_bps=buy_fee.taker_bps,
                                   sell_fee_bps=sell_fee.taker_bps, net_per_unit=net,
                                   net_bps=net_bps, size=size, profit=net * size))
    funnel.crossed += crossed
    funnel.below_min += below_min
    funnel.too_small += too_small
    if stale:
        funnel.stale += sum(v[s].bid > v[f].ask or v[f].bid > v[s].ask
                            for s in stale for f in fresh)
    if len(out) > 1:
        out.sort(key=_net_bps, reverse=True)
    return out


def _net_bps(o: Opportunity) -> float:
    return o.net_bps


def net_per_unit(ask: float, bid: float, buy_fee: Fee, sell_fee: Fee) -> float:
    """What one unit bought at `ask` and sold at `bid` earns after both taker fees."""
    return bid * sell_fee.sell_mult - ask * buy_fee.buy_mult
