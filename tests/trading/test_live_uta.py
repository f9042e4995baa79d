"""Live trading on a Bitget unified trading account (UTA), end to end: the real runtime
finds the account's mode at start and trades both legs of an arbitrage through the
unified endpoints, against the simulator over real sockets."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from arbot.domain import OrderStatus, Venue
from arbot.sim import SimServer
from arbot.sim.config import Accounts
from arbot.trading.execution import execute
from arbot.trading.live import LiveExecutor
from tests.trading.test_live import QUIET, demo_keys, legs, live_runtime, plan_now

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
