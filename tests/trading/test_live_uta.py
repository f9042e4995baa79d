"""Live trading through the real runtime against the simulator over real sockets, on
the venue details of issue 17: a Bitget unified trading account (UTA), whose mode the
runtime finds at start before trading both legs through the unified endpoints, and a
restart of Bybit's side, after which finished orders are only in its order history."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from arbot.domain import OrderStatus, Venue
from arbot.sim import SimServer
from arbot.sim.config import Accounts
from arbot.trading.evenout import execute
from arbot.trading.live import LiveExecutor
from tests.trading.test_live import (
    QUIET,
    crash_with,
    demo_keys,
    legs,
    live_runtime,
    order_row,
    plan_now,
)

UTA = replace(QUIET, accounts=Accounts(modes={Venue.BITGET: "uta"}))


@pytest.mark.parametrize(("buy", "sell"), [(Venue.BITGET, Venue.OKX),
                                           (Venue.OKX, Venue.BITGET)])
async def test_a_unified_bitget_account_trades_both_ways(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, buy: Venue, sell: Venue) -> None:
    async with SimServer(UTA) as sim:
        demo_keys(sim, monkeypatch)
        async with live_runtime(tmp_path, sim, armed=False) as rt:
            assert rt.trader is not None
            executor = rt.trader.executor
            assert isinstance(executor, LiveExecutor)
            assert executor.clients[Venue.BITGET].account_mode == "uta"  # found at start
            start = sim.account(Venue.BITGET).balances
            assert executor.ledger.free(Venue.BITGET, "USDT") == float(start["USDT"].free)
            out = await execute(plan_now(rt, buy, sell, trade_id=f"uta{buy.value[:2]}"),
                                executor, legs(rt, "unwind"))
            assert out.status == "filled", out.detail
            leg = next(o for o in out.orders if o.request.venue is Venue.BITGET)
            held = sim.account(Venue.BITGET).order(leg.request.client_id)
            assert held is not None and leg.report.status is OrderStatus.FILLED
            assert leg.report.filled_qty == pytest.approx(float(held.filled))
            assert leg.report.fee == pytest.approx(float(held.fee))


async def test_a_restart_on_both_sides_settles_bybit_orders_from_its_order_history(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """ArBot dies with both legs sent, and Bybit's service restarts too: its live lookup
    then lists no finished order, so the restart finds them in Bybit's order history and
    settles them filled with Bybit's ids, never as orders Bybit does not know."""
    async with SimServer(QUIET) as sim:
        demo_keys(sim, monkeypatch)
        async with live_runtime(tmp_path, sim, armed=False) as rt:
            plan = plan_now(rt, Venue.BYBIT, Venue.OKX, trade_id="abbyh")
            await crash_with(rt, plan, send=(plan.buy, plan.sell))
        sim.restart_service(Venue.BYBIT)
        async with live_runtime(tmp_path, sim, armed=False) as rt2:
            assert rt2.trader is not None and rt2.trader.risk.unsettled == {}
        status, voi, filled = order_row(tmp_path, plan.buy.client_id)
        held = sim.account(Venue.BYBIT).order(plan.buy.client_id)
        assert held is not None and held.state.value == "filled"
        assert (status, voi) == ("filled", str(held.order_id))
        assert filled == pytest.approx(float(held.filled))
