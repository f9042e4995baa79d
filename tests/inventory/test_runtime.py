"""The inventory in a running demo (paper trading on the simulator over real sockets):
its numbers recomputed from the trades' fills agree with the ledger the trader keeps, and
`GET /api/inventory` serves the report with the rebalance plan under `rebalance`."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from arbot.domain import Venue
from tests.api.test_api import api_runtime
from tests.conftest import until


async def test_inventory_from_fills_matches_the_ledger_and_is_served(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    async with api_runtime(tmp_path, monkeypatch) as (rt, api):
        assert rt.trader is not None and rt.inventory is not None
        start = {v: rt.trader.settings.paper.starting(v) for v in Venue}
        await until(lambda: rt.trader is not None and rt.trader.trades >= 2, "two paper trades",
                    wait_s=30)
        await rt.trader.wait_idle()
        moved = rt.inventory.service.flows.totals(time.time_ns())
        ledger = rt.trader.ledger.snapshot()
        assert moved
        for (venue, asset), amount in moved.items():
            assert ledger[venue][asset] - start[venue].get(asset, 0.0) == pytest.approx(
                amount, abs=1e-9)
        status, body = await api.get("/api/inventory")
        assert status == 200
        assert {"holdings", "directions", "lost_to_inventory", "rebalance",
                "rebalance_cost", "notes"} <= set(body)
        assert {h["asset"] for h in body["holdings"]} == {"BTC", "ETH", "USDT"}
        assert body["lost_to_inventory"] == rt.trader.rejections["balance"]
