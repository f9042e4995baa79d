"""The rebalance plan against hand-computed cases: the cheapest open network, a closed
one skipped, fees valued in the quote currency, nothing planned within the tolerance,
and amounts too small for a network's fee or minimum left out with a note."""

from __future__ import annotations

import pytest

from arbot.domain import Venue
from arbot.inventory.plan import plan, plan_asset
from tests.inventory.test_samecoin import USDT_ETH, book, net

BN, BY, OK = Venue.BINANCE, Venue.BYBIT, Venue.OKX
EQUAL3 = {BN: 1 / 3, BY: 1 / 3, OK: 1 / 3}


def usdt(*, trx_deposit_at_okx: bool = True) -> list:  # type: ignore[type-arg]
    rows = []
    for v in (BN, BY, OK):
        rows += [net(v, "USDT", "ETH", USDT_ETH, fee=4.0),
                 net(v, "USDT", "TRX", "tr7", fee=1.0,
                     deposit=trx_deposit_at_okx or v is not OK),
                 net(v, "USDT", "SOL", "es9", fee=2.0)]
    return rows


def test_the_cheapest_open_network_carries_the_surplus() -> None:
    transfers, notes = plan_asset("USDT", {BN: 700.0, BY: 400.0, OK: 100.0}, EQUAL3, 0.1,
                                  book(*usdt()), 1.0)
    assert notes == []
    (t,) = transfers
    assert (t.from_venue, t.to_venue, t.network) == (BN, OK, "TRX")
    assert t.amount == pytest.approx(300.0) and t.fee == 1.0 and t.fee_quote == 1.0


def test_a_closed_network_is_skipped() -> None:
    transfers, _ = plan_asset("USDT", {BN: 700.0, BY: 400.0, OK: 100.0}, EQUAL3, 0.1,
                              book(*usdt(trx_deposit_at_okx=False)), 1.0)
    (t,) = transfers
    assert (t.network, t.fee) == ("SOL", 2.0)  # TRX would be cheaper, but OKX takes none


def test_the_plans_cost_by_hand() -> None:
    """USDT 700/400/100 -> 400 each: 300 from Binance to OKX over SOL (TRX closed at OKX),
    fee 2 USDT. BTC 1.0/0.2 on two venues -> 0.6 each: 0.4 from Binance to OKX, fee 0.0002
    BTC = 10 USDT at 50,000. Total 12 USDT."""
    rows = [*usdt(trx_deposit_at_okx=False), net(BN, "BTC", "BTC", fee=0.0002),
            net(OK, "BTC", "BTC", fee=0.0001)]
    shares = {"USDT": EQUAL3, "BTC": {BN: 0.5, OK: 0.5}}
    p = plan({"USDT": {BN: 700.0, BY: 400.0, OK: 100.0}, "BTC": {BN: 1.0, OK: 0.2}},
             shares.__getitem__, 0.1, book(*rows), {"USDT": 1.0, "BTC": 50_000.0}.__getitem__)
    assert [(t.asset, t.amount, t.fee_quote) for t in p.transfers] == [
        ("BTC", pytest.approx(0.4), pytest.approx(10.0)),
        ("USDT", pytest.approx(300.0), pytest.approx(2.0))]
    assert p.cost_quote == pytest.approx(12.0)


def test_two_givers_each_send_their_surplus() -> None:
    transfers, _ = plan_asset("USDT", {BN: 700.0, BY: 500.0, OK: 0.0}, EQUAL3, 0.1,
                              book(*usdt()), 1.0)
    assert sorted((t.from_venue, round(t.amount, 6)) for t in transfers) == [
        (BN, 300.0), (BY, 100.0)]
    assert all(t.to_venue is OK for t in transfers)


def test_within_the_tolerance_nothing_is_planned() -> None:
    assert plan_asset("USDT", {BN: 430.0, BY: 400.0, OK: 370.0}, EQUAL3, 0.1,
                      book(*usdt()), 1.0) == ([], [])


def test_no_open_network_or_an_amount_under_the_fee_is_named() -> None:
    rows = [net(BN, "BTC", "BTC", fee=0.5), net(OK, "BTC", "BTC", fee=0.5)]
    transfers, notes = plan_asset("BTC", {BN: 1.0, OK: 0.2}, {BN: 0.5, OK: 0.5}, 0.1,
                                  book(*rows), 50_000.0)
    assert transfers == [] and "no open network worth its fee" in notes[0]
    closed = [net(BN, "BTC", "BTC", withdraw=False), net(OK, "BTC", "BTC")]
    transfers, notes = plan_asset("BTC", {BN: 1.0, OK: 0.2}, {BN: 0.5, OK: 0.5}, 0.1,
                                  book(*closed), 50_000.0)
    assert transfers == [] and "binance->okx" in notes[0]
