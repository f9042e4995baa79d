"""Pre-flight on both legs: one Decimal quantity valid on both venues, minimums on both,
balances on both, and a reason that names the venue and the rule."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from arbot.domain import Side
from arbot.trading.preflight import Rejection, TradePlan, preflight
from arbot.trading.quantize import common_step, limit_price
from tests.trading.helpers import SYMBOL, A, B, inst, ledger, opportunity, walked


def plan_or_rejection(opp, instruments=None, led=None, slippage=0.0):  # type: ignore[no-untyped-def]
    instruments = instruments or {(A, SYMBOL): inst(A), (B, SYMBOL): inst(B)}
    return preflight(opp, "ep1", "ab1", instruments, led or ledger(), slippage)


def test_a_good_opportunity_becomes_two_exact_orders() -> None:
    plan = plan_or_rejection(opportunity(100.0, 101.0, size=0.12345))
    assert isinstance(plan, TradePlan)
    assert (plan.buy.venue, plan.buy.side, plan.buy.price, plan.buy.qty) == (A, Side.BUY,
                                                                             "100", "0.1234")
    assert (plan.sell.venue, plan.sell.side, plan.sell.price, plan.sell.qty) == (
        B, Side.SELL, "101", "0.1234")
    assert plan.buy.client_id == "ab1b" and plan.sell.client_id == "ab1s"
    assert plan.expected_profit == pytest.approx(0.1234 * (101 * 0.999 - 100 * 1.001))


def test_lot_rounding_that_empties_one_leg_is_refused() -> None:
    # 0.009 BTC is fine at Binance's 0.001 lot but rounds to nothing at a 0.01 lot.
    instruments = {(A, SYMBOL): inst(A, lot="0.001"), (B, SYMBOL): inst(B, lot="0.01")}
    r = plan_or_rejection(opportunity(size=0.009), instruments)
    assert isinstance(r, Rejection) and r.step == "lot_size"
    assert "common lot 0.01" in r.reason and "okx 0.01" in r.reason


def test_min_notional_failing_on_one_venue_only_names_that_venue() -> None:
    instruments = {(A, SYMBOL): inst(A, min_notional="5"), (B, SYMBOL): inst(B, min_notional="20")}
    r = plan_or_rejection(opportunity(size=0.1), instruments)  # ~10 USDT: ok on A, not on B
    assert isinstance(r, Rejection) and r.step == "min_notional"
    assert "okx's minimum notional 20" in r.reason and "binance" not in r.reason


def test_min_qty_on_one_venue() -> None:
    instruments = {(A, SYMBOL): inst(A), (B, SYMBOL): inst(B, min_qty="0.5")}
    r = plan_or_rejection(opportunity(size=0.3), instruments)
    assert isinstance(r, Rejection) and r.step == "min_qty" and "okx" in r.reason


def test_insufficient_quote_on_the_buy_venue_shrinks_then_refuses() -> None:
    # 30 USDT buys ~0.2997 BTC with the fee: the trade shrinks to what can be paid for.
    plan = plan_or_rejection(opportunity(size=0.5), led=ledger(usdt=30.0))
    assert isinstance(plan, TradePlan) and plan.buy.qty == "0.2997"
    r = plan_or_rejection(opportunity(size=0.5), led=ledger(usdt=3.0))
    assert isinstance(r, Rejection) and r.step == "balance"
    assert "3 USDT on binance" in r.reason


def test_insufficient_base_on_the_sell_venue_is_refused() -> None:
    r = plan_or_rejection(opportunity(size=0.5), led=ledger(btc=0.00001))
    assert isinstance(r, Rejection) and r.step == "balance" and "BTC on okx" in r.reason


def test_missing_or_halted_instrument_is_not_tradable() -> None:
    r = plan_or_rejection(opportunity(), {(A, SYMBOL): inst(A)})
    assert isinstance(r, Rejection) and r.step == "not_tradable" and "okx" in r.reason
    halted = {(A, SYMBOL): inst(A), (B, SYMBOL): inst(B, trading=False)}
    r = plan_or_rejection(opportunity(), halted)
    assert isinstance(r, Rejection) and "HALT" in r.reason


def test_slippage_moves_limits_outward_on_the_tick() -> None:
    plan = plan_or_rejection(opportunity(100.0, 101.0, size=0.1), slippage=10.0)
    assert isinstance(plan, TradePlan)
    assert (plan.buy.price, plan.sell.price) == ("100.1", "100.9")  # 100.1, 100.899 on 0.01


def test_the_legs_are_iocs_at_the_worst_walked_levels_plus_the_allowance() -> None:
    """The walk went to 100.35 on the asks and 100.65 on the bids; 10 bps past them is
    100.45035 and 100.54935. On a 0.01 tick the buy rounds down and the sell up, so
    neither limit goes past what the allowance lets it (rounding outward would give
    100.46 and 100.54)."""
    opp = walked(opportunity(100.0, 101.0, size=0.5), 0.9, 100.2, 100.8, 100.35, 100.65)
    plan = plan_or_rejection(opp, slippage=10.0)
    assert isinstance(plan, TradePlan)
    assert (plan.buy.price, plan.sell.price) == ("100.45", "100.55")
    assert Decimal(plan.buy.price) <= Decimal("100.35") * Decimal("1.001")
    assert Decimal(plan.sell.price) >= Decimal("100.65") * Decimal("0.999")
    plan = plan_or_rejection(opp)  # no allowance: exactly the worst levels
    assert isinstance(plan, TradePlan)
    assert (plan.buy.price, plan.sell.price) == ("100.35", "100.65")
    assert (plan.buy_worst, plan.sell_worst) == (100.35, 100.65)


def test_the_trade_is_sized_by_the_walk_and_expects_its_vwaps() -> None:
    opp = walked(opportunity(100.0, 101.0, size=0.5), 0.9, 100.2, 100.8, 100.35, 100.65)
    plan = plan_or_rejection(opp)
    assert isinstance(plan, TradePlan)
    assert (plan.qty, plan.buy.qty, plan.sell.qty) == (0.9, "0.9", "0.9")
    assert (plan.buy_price, plan.sell_price) == (100.2, 100.8)
    assert plan.expected_profit == pytest.approx(0.9 * (100.8 * 0.999 - 100.2 * 1.001))
    assert plan.expected_profit == pytest.approx(opp.walk_profit)
    assert plan.notional == pytest.approx(0.9 * 100.35)


def test_the_walked_size_is_still_cut_to_what_the_accounts_can_pay() -> None:
    """50 USDT buys 50 / (100.35 * 1.001) = 0.49775... BTC at the buy limit with its fee."""
    opp = walked(opportunity(100.0, 101.0, size=0.5), 0.9, 100.2, 100.8, 100.35, 100.65)
    plan = plan_or_rejection(opp, led=ledger(usdt=50.0))
    assert isinstance(plan, TradePlan) and plan.buy.qty == "0.4977"
    plan = plan_or_rejection(opp, led=ledger(btc=0.3))
    assert isinstance(plan, TradePlan) and plan.sell.qty == "0.3"


def test_a_walk_of_the_top_levels_makes_the_top_of_book_orders() -> None:
    """Depth 1: the walk's fields equal the top of book, and so do the orders."""
    top = opportunity(100.0, 101.0, size=0.5)
    same = walked(top, 0.5, 100.0, 101.0, 100.0, 101.0, levels=(1, 1))
    for slippage in (0.0, 10.0):
        a, b = plan_or_rejection(top, slippage=slippage), plan_or_rejection(same,
                                                                            slippage=slippage)
        assert isinstance(a, TradePlan) and isinstance(b, TradePlan)
        assert (a.buy, a.sell, a.expected_profit) == (b.buy, b.sell, b.expected_profit)


def test_no_profit_left_after_rounding_is_refused() -> None:
    r = plan_or_rejection(opportunity(100.0, 100.15, size=0.1))
    assert isinstance(r, Rejection) and r.step == "unprofitable"


@given(st.sampled_from(["0.1", "0.01", "0.001", "0.0001", "0.00001", "1", "10", "0.5", "0.25"]),
       st.sampled_from(["0.1", "0.01", "0.001", "0.0001", "0.00001", "1", "10", "0.5", "0.2"]))
def test_common_step_is_a_multiple_of_both_lots(a: str, b: str) -> None:
    step = common_step(Decimal(a), Decimal(b))
    assert step % Decimal(a) == 0 and step % Decimal(b) == 0
    big, small = max(Decimal(a), Decimal(b)), min(Decimal(a), Decimal(b))
    assert all((big * k) % small != 0 for k in range(1, int(step / big)))  # the least one


@given(st.floats(0.0001, 1e6, allow_nan=False), st.sampled_from(["0.01", "0.1", "0.00001"]),
       st.sampled_from([Side.BUY, Side.SELL]), st.sampled_from([0.0, 1.0, 10.0, 33.3]))
def test_a_limit_is_on_the_tick_and_never_past_the_allowance(
        price: float, tick: str, side: Side, bps: float) -> None:
    p = limit_price(price, Decimal(tick), side, bps)
    assert p % Decimal(tick) == 0
    room = Decimal(repr(bps)) / 10_000
    bound = Decimal(repr(price)) * (1 + room if side is Side.BUY else 1 - room)
    assert (p <= bound) if side is Side.BUY else (p >= bound)
    assert abs(p - bound) < Decimal(tick)


@given(st.integers(1, 10**9), st.sampled_from(["0.01", "0.1", "0.00001", "5"]),
       st.sampled_from([Side.BUY, Side.SELL]), st.sampled_from([0.0, 1.0, 10.0, 33.3]))
def test_a_limit_from_a_price_on_the_tick_still_reaches_that_price(
        ticks: int, tick: str, side: Side, bps: float) -> None:
    """A venue's levels are on its tick, so the leg can always take the worst one."""
    price = ticks * Decimal(tick)
    p = limit_price(float(price), Decimal(tick), side, bps)
    assert (p >= price) if side is Side.BUY else (p <= price)


def test_a_walked_size_summed_in_floats_keeps_its_last_lot() -> None:
    """Two levels of 0.3 and 0.6 walk 0.8999999999999999 in floats: the trade is 0.9."""
    opp = walked(opportunity(100.0, 101.0, size=0.3), 0.3 + 0.6, 100.1, 100.9, 100.2, 100.8)
    plan = plan_or_rejection(opp)
    assert isinstance(plan, TradePlan) and plan.buy.qty == "0.9"
