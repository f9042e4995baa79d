"""The detector, table-driven: each case is a book of quotes and what must come out."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from arbot.domain import Quote, Venue
from arbot.engine.board import VENUE_INDEX, VENUES, Book
from arbot.engine.detector import Fee, detect

B, Y, OK, G = Venue.BINANCE, Venue.BYBIT, Venue.OKX, Venue.BITGET
NOW = 10_000_000_000
AGE = [1_000_000_000] * len(VENUES)  # max quote age per venue, ns
TEN_BPS = [Fee.from_bps(10.0)] * len(VENUES)


def q(venue: Venue, bid: float, ask: float, bid_size: float = 1.0, ask_size: float = 1.0,
      age_ms: int = 0) -> tuple[Venue, Quote, int]:
    return venue, Quote(venue=venue, symbol="BTC-USDT", bid=bid, bid_size=bid_size, ask=ask,
                        ask_size=ask_size, ts_exchange_ms=None, ts_recv_ns=0), \
        NOW - age_ms * 1_000_000


def book(*entries: tuple[Venue, Quote, int]) -> Book:
    out: Book = [None] * len(VENUES)
    for venue, quote, t in entries:
        out[VENUE_INDEX[venue]] = (quote.bid, quote.ask, t, quote)
    return out


@dataclass
class Case:
    name: str
    book: Book
    pairs: list[tuple[Venue, Venue]]  # (buy, sell), best net first
    stale_crosses: int = 0
    fees: list[Fee] | None = None
    max_notional: float = 1e12


CASES = [
    Case("equal prices: nothing", book(q(B, 100, 101), q(OK, 100, 101)), []),
    Case("touching, not crossed: nothing", book(q(B, 100, 101), q(OK, 101, 102)), []),
    Case("one venue only: nothing", book(q(B, 100, 101)), []),
    Case("crossed: buy the low ask, sell the high bid",
         book(q(B, 100, 100.5), q(OK, 101, 101.5)), [(B, OK)]),
    Case("a stale side never takes part, but the cross is counted",
         book(q(B, 100, 100.5), q(OK, 101, 101.5, age_ms=1001)), [], stale_crosses=1),
    Case("exactly at the age limit is still fresh",
         book(q(B, 100, 100.5), q(OK, 101, 101.5, age_ms=1000)), [(B, OK)]),
    Case("several venues: every crossed pair, best net first",
         book(q(B, 100, 100.2), q(Y, 100.1, 100.3), q(OK, 100.6, 100.8), q(G, 100.5, 100.9)),
         [(B, OK), (B, G), (Y, OK), (Y, G)]),  # B->G nets 9.91 bps, Y->OK 9.88
    Case("fees decide the best pair, not raw prices",
         book(q(B, 100, 100.3), q(Y, 100.0, 100.31), q(OK, 101, 101.2)),
         [(Y, OK), (B, OK)],
         fees=[Fee.from_bps(30.0), Fee.from_bps(0.0), Fee.from_bps(10.0), Fee.from_bps(10.0)]),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_detect(case: Case) -> None:
    found = detect("BTC-USDT", case.book, case.fees or TEN_BPS, NOW, AGE, case.max_notional)
    assert [(o.buy.venue, o.sell.venue) for o in found.candidates] == case.pairs
    assert found.stale_crosses == case.stale_crosses


def test_fees_can_make_a_gross_gap_unprofitable() -> None:
    """Gross 10 bps, fees 2 x 10 bps: the candidate is reported, net negative."""
    (o,) = detect("BTC-USDT", book(q(B, 99, 100), q(OK, 100.1, 101)), TEN_BPS, NOW, AGE,
                  1e12).candidates
    assert o.net_per_unit == pytest.approx(100.1 * 0.999 - 100 * 1.001)
    assert o.net_bps == pytest.approx((100.1 * 0.999 - 100.1) / 100 * 1e4)
    assert o.net_bps < 0


@pytest.mark.parametrize(("ask_size", "bid_size", "max_notional", "size"), [
    (0.5, 2.0, 1e12, 0.5),  # the ask side is the limit
    (3.0, 0.25, 1e12, 0.25),  # the bid side is the limit
    (3.0, 2.0, 150.0, 1.5),  # max_notional / ask is the limit
])
def test_size_is_what_both_books_can_fill_capped_by_notional(
    ask_size: float, bid_size: float, max_notional: float, size: float
) -> None:
    (o,) = detect("BTC-USDT", book(q(B, 99, 100, ask_size=ask_size),
                                   q(OK, 101, 102, bid_size=bid_size)),
                  TEN_BPS, NOW, AGE, max_notional).candidates
    assert o.size == size
    assert o.profit == pytest.approx(o.net_per_unit * size)


def test_fees_are_taken_from_each_side_s_own_venue() -> None:
    fees = [Fee.from_bps(0.0)] * len(VENUES)
    fees[VENUE_INDEX[OK]] = Fee.from_bps(25.0)
    (o,) = detect("BTC-USDT", book(q(B, 99, 100), q(OK, 101, 102)), fees, NOW, AGE,
                  1e12).candidates
    assert (o.buy_fee_bps, o.sell_fee_bps) == (0.0, 25.0)
    assert o.net_per_unit == pytest.approx(101 * (1 - 0.0025) - 100)
