"""Both legs and the leg-risk policies, against the paper venue with injected trouble."""

from __future__ import annotations

import pytest

from arbot.domain import OrderReport, OrderRequest, Side
from arbot.trading.evenout import LegRisk, execute
from arbot.trading.outcome import settle
from arbot.trading.paper import PaperExecutor
from arbot.trading.preflight import TradePlan, preflight
from tests.trading.helpers import (
    SYMBOL,
    A,
    B,
    Books,
    inst,
    ledger,
    opportunity,
    paper,
    quote,
    walked,
)


def setup(policy: str, ttl_s: float = 0.5, chase_bps: float = 20.0
          ) -> tuple[TradePlan, PaperExecutor, LegRisk, Books, list[tuple[str, str]]]:
    books = Books(quote(A, 99.9, 100.0), quote(B, 101.0, 101.1))
    ex = paper(books, ledger())
    plan = preflight(opportunity(100.0, 101.0, size=0.5), "ep", "ab7", {
        (A, SYMBOL): inst(A), (B, SYMBOL): inst(B)}, ex.ledger, 0.0)
    assert isinstance(plan, TradePlan)
    sent: list[tuple[str, str]] = []

    async def on_order(req: OrderRequest, purpose: str) -> None:
        sent.append((req.client_id, purpose))

    async def on_report(req: OrderRequest, report: OrderReport) -> None:
        sent.append((req.client_id, report.status.value))

    risk = LegRisk(policy, ttl_s, chase_bps, books,
                   lambda v, s: inst(v), on_order, on_report)
    return plan, ex, risk, books, sent


async def test_both_legs_fill_and_the_pnl_comes_from_the_fills() -> None:
    plan, ex, risk, _, _ = setup("unwind")
    out = await execute(plan, ex, risk)
    assert (out.status, out.leg_outcome) == ("filled", "balanced")
    s = out.settlement
    assert (s.buy_qty, s.sell_qty) == (0.5, 0.5)
    assert s.fees == pytest.approx(0.5 * 0.001 * 100.0 + 0.5 * 101.0 * 0.001)
    assert s.pnl == pytest.approx(0.5 * (101.0 - 100.0) - s.fees)
    assert s.pnl == pytest.approx(plan.expected_profit)


async def test_one_leg_rejected_is_unwound_where_it_filled() -> None:
    plan, ex, risk, _, sent = setup("unwind")
    ex.inject(B, reject="Balance insufficient")
    out = await execute(plan, ex, risk)
    assert (out.status, out.leg_outcome) == ("filled", "unwound")
    unwind = out.orders[2]
    assert unwind.purpose == "unwind" and unwind.request.venue is A
    assert unwind.request.side is Side.SELL and unwind.report.filled_qty == 0.5
    assert out.settlement.imbalance == pytest.approx(0.0)
    assert out.settlement.pnl < 0  # paid the spread and two fees for nothing
    assert ("ab7u0", "unwind") in sent and sent.index(("ab7u0", "unwind")) < len(sent) - 1


async def test_a_partial_leg_is_chased_on_its_own_venue() -> None:
    plan, ex, risk, _, _ = setup("chase")
    ex.inject(B, fill_fraction=0.4)
    out = await execute(plan, ex, risk)
    assert (out.status, out.leg_outcome) == ("filled", "chased")
    chase = out.orders[2]
    assert (chase.request.venue, chase.request.side, chase.request.qty) == (B, Side.SELL, "0.3")
    assert out.settlement.sell_qty == pytest.approx(0.5)


async def test_chase_gives_up_when_the_price_ran_away() -> None:
    plan, ex, risk, books, _ = setup("chase", ttl_s=0.3, chase_bps=5.0)
    ex.inject(B, reject="Too many visits!")
    books.set(quote(B, 99.0, 99.1))  # sell side fell 2 %: far past 5 bps
    out = await execute(plan, ex, risk)
    assert (out.status, out.leg_outcome) == ("leg_risk", "chase_failed")
    assert "moved more than 5 bps" in out.detail and "+0.5 BTC" in out.detail
    assert len(out.orders) == 2


async def test_hold_keeps_the_imbalance_and_says_so() -> None:
    plan, ex, risk, _, _ = setup("hold")
    ex.inject(A, fill_fraction=0.5)
    out = await execute(plan, ex, risk)
    assert (out.status, out.leg_outcome) == ("leg_risk", "held")
    assert out.settlement.imbalance == pytest.approx(-0.25)
    assert "-0.25 BTC" in out.detail


async def test_unwind_that_keeps_failing_ends_in_leg_risk_within_the_ttl() -> None:
    plan, ex, risk, _, _ = setup("unwind", ttl_s=0.2)
    ex.inject(B, reject="no")
    ex.inject(A, fill_fraction=1.0)  # the buy fills
    for _ in range(100):
        ex.inject(A, reject="unwind refused")
    out = await execute(plan, ex, risk)
    assert (out.status, out.leg_outcome) == ("leg_risk", "unwind_failed")
    assert all(o.report.filled_qty == 0 for o in out.orders[2:])
    assert len(out.orders) > 3  # it retried within the TTL
    assert settle(out.orders, "BTC", "USDT").imbalance == pytest.approx(0.5)


async def test_both_legs_missing_is_a_miss_not_a_leg_risk() -> None:
    plan, ex, risk, books, _ = setup("unwind")
    books.set(quote(A, 100.5, 100.6), quote(B, 100.4, 100.5))  # the gap closed
    out = await execute(plan, ex, risk)
    assert (out.status, out.leg_outcome) == ("missed", "none")
    assert out.settlement.pnl == 0.0


async def test_a_walked_leg_is_chased_from_its_worst_level_not_its_vwap() -> None:
    """The buy walked 100 then 100.2 (VWAP 100.1333); only part of it filled and the top
    level is gone. A chase at the 100.2 still left is within 5 bps of the leg's own limit
    (the worst level), though not of its VWAP."""
    books = Books(quote(A, 99.9, 100.2, size=1.0), quote(B, 101.0, 101.1, size=1.0))
    ex = paper(books, ledger())
    vwap = (0.3 * 100.0 + 0.6 * 100.2) / 0.9
    opp = walked(opportunity(100.0, 101.0, size=0.3), 0.9, vwap, 101.0, 100.2, 101.0)
    plan = preflight(opp, "ep", "ab8", {(A, SYMBOL): inst(A), (B, SYMBOL): inst(B)},
                     ex.ledger, 0.0)
    assert isinstance(plan, TradePlan) and plan.buy.price == "100.2"

    async def ignore(*_: object) -> None:
        return None

    risk = LegRisk("chase", 0.5, 5.0, books, lambda v, s: inst(v), ignore, ignore)
    ex.inject(A, fill_fraction=1 / 3)
    out = await execute(plan, ex, risk)
    assert (out.status, out.leg_outcome) == ("filled", "chased"), out.detail
    chase = out.orders[2]
    assert (chase.request.venue, chase.request.price, chase.request.qty) == (A, "100.25", "0.6")
