"""Transfer-aware economics on a table of cases: the amortized cost of moving a batch back
(`PairCost.bps`), and the detector applying the threshold to the net after fees and that
cost, while the opportunity still carries the net after fees beside it."""

from __future__ import annotations

import pytest

from arbot.domain import Quote, Venue
from arbot.engine.board import VENUE_INDEX, N, Slot
from arbot.engine.detector import Fee, scan
from arbot.engine.funnel import Funnel
from arbot.engine.pairs import PairCost, PairRules

BN, OK = VENUE_INDEX[Venue.BINANCE], VENUE_INDEX[Venue.OKX]


@pytest.mark.parametrize(("base_fee", "quote_fee", "batch", "price", "bps"), [
    (0.0, 0.0, 10_000.0, 100.0, 0.0),            # free networks: nothing to amortize
    (0.0, 1.0, 10_000.0, 100.0, 1.0),            # 1 USDT over 10,000 traded: 1 bp
    (0.0002, 1.0, 10_000.0, 50_000.0, 11.0),     # 0.0002 BTC = 10 USDT, + 1 USDT
    (0.01, 1.0, 1_000.0, 150.0, 25.0),           # 1.5 + 1 USDT over 1,000 traded
    (0.0002, 1.0, 100_000.0, 50_000.0, 1.1),     # a larger batch spreads it thinner
])
def test_the_amortized_cost_by_hand(base_fee: float, quote_fee: float, batch: float,
                                    price: float, bps: float) -> None:
    assert PairCost(base_fee, quote_fee, batch).bps(price) == pytest.approx(bps)


def quote(venue: Venue, bid: float, ask: float) -> Quote:
    return Quote(venue=venue, symbol="BTC-USDT", bid=bid, bid_size=1.0, ask=ask, ask_size=1.0,
                 ts_exchange_ms=None, ts_recv_ns=1)


def slot(rules: PairRules) -> Slot:
    book: list[tuple[float, float, int, Quote] | None] = [None] * N
    for venue, bid, ask in ((Venue.BINANCE, 99.0, 100.0), (Venue.OKX, 100.3, 101.0)):
        book[VENUE_INDEX[venue]] = (bid, ask, 1, quote(venue, bid, ask))
    s = Slot.of("BTC-USDT", book)
    s.rules = rules
    return s


@pytest.mark.parametrize(("quote_fee", "found", "transfer_bps"), [
    (None, True, 0.0),     # no cost known: fees only (9.97 bps net after fees)
    (4.0, True, 4.0),      # 9.97 - 4 = 5.97 bps: above the 5 bps threshold
    (5.0, False, None),    # 9.97 - 5 = 4.97 bps: below it, though 9.97 alone clears it
])
def test_the_threshold_applies_after_transfers(quote_fee: float | None, found: bool,
                                               transfer_bps: float | None) -> None:
    costs = {} if quote_fee is None else {(BN, OK): PairCost(0.0, quote_fee, 10_000.0)}
    funnel = Funnel()
    # buy at 100, sell at 100.3 with 10 bps taker fees a side: 9.97 bps net after fees
    out = scan(slot(PairRules({}, costs)), [Fee.from_bps(10.0)] * N, 2, [10**9] * N, 1e9,
               5.0, 0.0, funnel)
    if not found:
        assert out == [] and funnel.below_min == 1
        return
    (o,) = out
    assert o.net_bps == pytest.approx(9.97, abs=0.01)
    assert o.transfer_bps == pytest.approx(transfer_bps)
    assert o.net_after_transfer_bps == pytest.approx(o.net_bps - (transfer_bps or 0.0))


def test_a_refused_pair_is_counted_not_reported() -> None:
    funnel = Funnel()
    rules = PairRules({(BN, OK): "not the same token"}, {})
    assert scan(slot(rules), [Fee.from_bps(10.0)] * N, 2, [10**9] * N, 1e9, 5.0, 0.0,
                funnel) == []
    assert funnel.crossed == 1 and funnel.not_same_coin == 1
