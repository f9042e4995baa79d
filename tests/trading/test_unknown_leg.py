"""A leg whose outcome is unknown (the order request and every lookup timed out) may yet
fill: evening the trade out against it as if it had filled nothing would trade a second
position once it does. The trade is held instead (leg risk), and no follow-up order
leaves: the trade stays open until the venue answers (`test_late_legs`). Real runtime,
signed clients and simulator over 127.0.0.1."""

from __future__ import annotations

from pathlib import Path

import aiohttp
import pytest

from arbot.domain import OrderStatus, Venue
from arbot.sim import SimServer
from arbot.tradekinds import LegOutcome, TradeStatus
from arbot.trading.evenout import execute
from arbot.trading.live import LiveExecutor
from tests.conftest import until
from tests.trading.test_live import (
    QUIET,
    demo_keys,
    impatient_client,
    legs,
    live_runtime,
    plan_now,
)

SILENT_S = 7.0  # OKX holds order requests and lookups past the executor's final wait


async def test_no_order_evens_out_a_trade_against_a_leg_of_unknown_outcome(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    async with SimServer(QUIET) as sim:
        demo_keys(sim, monkeypatch)
        async with live_runtime(tmp_path, sim, armed=False) as rt:
            assert rt.trader is not None and isinstance(rt.trader.executor, LiveExecutor)
            live = rt.trader.executor
            async with aiohttp.ClientSession() as session:
                impatient = impatient_client(live, Venue.OKX, session)
                ex = LiveExecutor({Venue.OKX: impatient, Venue.BINANCE: live.clients[
                    Venue.BINANCE]}, rt.instruments, live.ledger)
                plan = plan_now(rt, Venue.OKX, Venue.BINANCE, trade_id="abunknown")
                sim.set_rest_fault(Venue.OKX, delay_s=SILENT_S, path="/api/v5/trade/order")
                binance_before = len(sim.account(Venue.BINANCE).orders)
                outcome = await execute(plan, ex, legs(rt, "unwind"))
                sim.clear_rest_fault(Venue.OKX)
            buy = outcome.orders[0].report
            assert buy.status is OrderStatus.UNKNOWN, buy
            # Binance saw the sell leg only: nothing was traded against the unknown buy.
            assert len(sim.account(Venue.BINANCE).orders) == binance_before + 1
            assert len(outcome.orders) == 2
            assert (outcome.status, outcome.leg_outcome) == (TradeStatus.OPEN,
                                                             LegOutcome.HELD), outcome.detail
            assert plan.buy.client_id in outcome.detail
            await until(lambda: sim.account(Venue.OKX).order(plan.buy.client_id) is not None,
                        "OKX to act on the late order")
