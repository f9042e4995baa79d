"""The inventory in a running demo (paper trading on the simulator over real sockets):
its numbers recomputed from the trades' fills agree with the ledger the trader keeps, and
`GET /api/inventory` serves the report with the rebalance plan under `rebalance`."""

from __future__ import annotations

import logging
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
        # the simulator's coin information costs every pair: the net after transfers is
        # served beside the net after fees
        _, episodes = await api.get("/api/opportunities")
        assert episodes and all(e["transfer_bps"] > 0 for e in episodes)
        assert all(e["net_bps_after_transfers"] == pytest.approx(
            e["net_bps_peak"] - e["transfer_bps"]) for e in episodes if not e["open"])


async def test_a_skewed_inventory_gets_a_plan_served_and_logged(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
        ) -> None:
    caplog.set_level(logging.INFO, logger="arbot.inventory")
    paper = {"balances": {"*": {"USDT": 5000.0, "BTC": 0.1, "ETH": 3.0},
                          "binance": {"USDT": 20000.0}}}
    async with api_runtime(tmp_path, monkeypatch, mode="off") as (_, api):
        status, body = await api.get("/api/inventory")
        assert status == 200
        assert "trading is off: no account balances to read" in body["notes"]
    (tmp_path / "b").mkdir()
    async with api_runtime(tmp_path / "b", monkeypatch, paper=paper) as (_, api):
        status, body = await api.get("/api/inventory")
        plan = body["rebalance"]
        assert plan and {t["asset"] for t in plan} == {"USDT"}
        assert all(t["from_venue"] == "binance" and t["fee"] > 0 for t in plan)
        # 20000 + 3 x 5000 over four venues: 8750 each; Binance sends 11250 in all
        assert sum(t["amount"] for t in plan) == pytest.approx(11250.0)
        assert body["rebalance_cost"] == pytest.approx(sum(t["fee_quote"] for t in plan))
        await until(lambda: any("rebalance: move" in r.getMessage() for r in caplog.records),
                    "the plan in the log")
        assert all("advice only" in r.getMessage() for r in caplog.records
                   if "rebalance: move" in r.getMessage())
