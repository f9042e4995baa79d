"""Pure detection: every cross-venue gap for one symbol, net of both taker fees, sized.

Buy at an ask, sell at a bid on another venue. A pair is a candidate when the gross
spread is crossed (bid above ask); the net figures then say whether fees eat it.
Only fresh quotes take part (each venue's age limit: `freshness.age_limits_ns`): a cross
against a stale quote is counted, never reported.
"""

from __future__ import annotations

from collections.abc import Sequence

import msgspec

from arbot.domain import Opportunity, Quote
from arbot.engine.board import Book, Entry


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
    fresh: list[tuple[int, Entry]] = []
    stale: list[tuple[int, Entry]] = []
    for i, entry in enumerate(book):
        if entry is not None:
            (fresh if now_ns - entry[2] <= max_age_ns[i] else stale).append((i, entry))
    out: list[Opportunity] = []
    for bi, (_, ask, _, buy) in fresh:
        for si, (bid, _, _, sell) in fresh:
            if si != bi and bid > ask:
                out.append(opportunity(symbol, buy, sell, fees[bi], fees[si], max_notional))
    stale_crosses = len([1 for _, s in stale for _, f in fresh if s[0] > f[1] or f[0] > s[1]])
    out.sort(key=lambda o: o.net_bps, reverse=True)
    return Detection(out, stale_crosses)


def opportunity(symbol: str, buy: Quote, sell: Quote, buy_fee: Fee, sell_fee: Fee,
                max_notional: float) -> Opportunity:
    """The net figures for buying `buy.ask` and selling `sell.bid`."""
    net = net_per_unit(buy.ask, sell.bid, buy_fee, sell_fee)
    size = min(buy.ask_size, sell.bid_size, max_notional / buy.ask)
    return Opportunity(symbol=symbol, buy=buy, sell=sell, buy_fee_bps=buy_fee.taker_bps,
                       sell_fee_bps=sell_fee.taker_bps, net_per_unit=net,
                       net_bps=net / buy.ask * 10_000.0, size=size, profit=net * size)



def net_per_unit(ask: float, bid: float, buy_fee: Fee, sell_fee: Fee) -> float:
    """What one unit bought at `ask` and sold at `bid` earns after both taker fees."""
    return bid * sell_fee.sell_mult - ask * buy_fee.buy_mult
