"""The Inventory screen (`5`, `i`): the inventory service's report as tables, the plan
with each transfer's fee, and a summary naming the opportunities lost to inventory."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

import msgspec
from textual.widgets import DataTable, Static

from arbot.domain import Venue
from arbot.inventory.plan import Transfer
from arbot.inventory.report import Direction, Holding, InventoryReport
from arbot.tui.inventory import InventoryScreen
from tests.conftest import until
from tests.tui.fakes import FakeRuntime, FrozenEngine, frozen_app

BN, OK = Venue.BINANCE, Venue.OKX
REPORT = InventoryReport(
    ts_ns=1, holdings=[
        Holding(asset="USDT", venue=BN, balance=300.0, target=200.0, share=0.75,
                target_share=0.5, skew=0.25, rate_per_h=-10.0),
        Holding(asset="USDT", venue=OK, balance=100.0, target=200.0, share=0.25,
                target_share=0.5, skew=-0.25, rate_per_h=10.0)],
    directions=[Direction(symbol="BTC-USDT", buy_venue=BN, sell_venue=OK, runs_dry_s=108_000.0,
                          limited_by="USDT on binance"),
                Direction(symbol="BTC-USDT", buy_venue=OK, sell_venue=BN, runs_dry_s=None,
                          limited_by="")],
    lost_to_inventory=3,
    rebalance=[Transfer(asset="USDT", from_venue=BN, to_venue=OK, network="TRX", amount=100.0,
                        fee=1.0, fee_quote=1.0, minutes=2.0, confirmations=20)],
    rebalance_cost=1.0, notes=["okx: refused BTC-USDT vs binance refused: not the same"])


class FakeInventory:
    refused: ClassVar[dict[Venue, list[str]]] = {}

    def report(self) -> InventoryReport:
        return REPORT

    def status_line(self, report: InventoryReport | None = None) -> str:
        return "inventory"


async def test_keys_5_and_i_show_the_report(tmp_path: Path) -> None:
    app = frozen_app(tmp_path, FakeRuntime(FrozenEngine(), inventory=FakeInventory()))
    async with app.run_test(size=(110, 40)) as pilot:
        for key in ("5", "1", "i"):
            await pilot.press(key)
            want = "prices" if key == "1" else "inventory"
            await until(lambda w=want: app.current_mode == w, want, pause=pilot.pause)
        assert isinstance(app.screen, InventoryScreen)
        await until(lambda: app.screen.query_one("#holdings", DataTable).row_count == 2,
                    "the holdings", pause=pilot.pause)
        holdings = app.screen.query_one("#holdings", DataTable)
        assert [str(c) for c in holdings.get_row_at(0)][:2] == ["USDT", "BIN"]
        assert str(holdings.get_row_at(0)[5]) == "+25%"
        directions = app.screen.query_one("#directions", DataTable)
        assert str(directions.get_row_at(0)[2]) == "30.0 h"  # soonest first
        assert str(directions.get_row_at(1)[2]) == "-"
        plan = app.screen.query_one("#rebalance", DataTable)
        assert [str(c) for c in plan.get_row_at(0)][:6] == ["USDT", "BIN", "OKX", "TRX", "100",
                                                            "1"]
        summary = str(app.screen.query_one("#inventory-summary", Static).render())
        assert "3 opportunities lost to inventory" in summary and "advice only" in summary


class LargeAndTinyInventory(FakeInventory):
    def report(self) -> InventoryReport:
        big = Holding(asset="USDT", venue=BN, balance=1_234_567.0, target=1_000_000.0,
                      share=0.6, target_share=0.5, skew=0.1, rate_per_h=-11_980.0)
        fee = Transfer(asset="BTC", from_venue=BN, to_venue=OK, network="BTC", amount=0.00005,
                       fee=0.00002, fee_quote=1.3, minutes=30.0, confirmations=2)
        return msgspec.structs.replace(REPORT, holdings=[big], rebalance=[fee])


async def test_large_and_tiny_figures_show_without_an_exponent(tmp_path: Path) -> None:
    app = frozen_app(tmp_path, FakeRuntime(FrozenEngine(), inventory=LargeAndTinyInventory()))
    async with app.run_test(size=(110, 40)) as pilot:
        await pilot.press("i")
        await until(lambda: app.current_mode == "inventory", "inventory", pause=pilot.pause)
        await until(lambda: app.screen.query_one("#holdings", DataTable).row_count == 1,
                    "the holdings", pause=pilot.pause)
        row = [str(c) for c in app.screen.query_one("#holdings", DataTable).get_row_at(0)]
        assert (row[2], row[3], row[6]) == ("1234570", "1000000", "-11980")
        plan = [str(c) for c in app.screen.query_one("#rebalance", DataTable).get_row_at(0)]
        assert (plan[4], plan[5]) == ("0.00005", "0.00002")
