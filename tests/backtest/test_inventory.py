"""Inventory through the replay: from small configured balances one side runs dry, the
report says when (and which asset ran out), counts the trades lost to inventory, and
gives the PnL before and after the rebalance plan's transfer fees, with the coin
information the demo run recorded (so the pairs are costed as they were live)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from arbot.backtest.cli import write_out
from arbot.backtest.output import render
from arbot.backtest.runner import Options, run_backtest
from arbot.demo import demo_instrument
from tests.backtest.conftest import Recording


async def test_a_backtest_runs_one_side_dry(demo_run: Recording, tmp_path: Path) -> None:
    # about one trade of [strategy] max_notional (100 USDT) on each side of each venue
    small = {"balances": {"*": {"USDT": 150.0, "BTC": 0.0025, "ETH": 0.05}}}
    trading = demo_run.settings.trading.model_copy(update={
        "paper": demo_run.settings.trading.paper.model_copy(update=small)})
    settings = demo_run.settings.model_copy(update={"trading": trading})
    result = await run_backtest(settings, Options(db=demo_run.db, out=tmp_path,
                                                  demo_rules=demo_instrument))
    inv = result.summary["inventory"]
    assert isinstance(inv, dict)
    assert inv["coin_information"].startswith("recorded with the source")
    assert inv["ran_dry"], "no direction ran dry"
    first = inv["ran_dry"][0]
    assert first["limited_by"].split(" on ")[0] in ("USDT", "BTC", "ETH")
    assert inv["trades_lost_to_inventory"] > 0
    pnl = result.summary["pnl"]
    assert isinstance(pnl, dict)
    assert inv["pnl_before_transfers"] == pytest.approx(pnl["total"])
    assert inv["pnl_after_transfers"] == pytest.approx(pnl["total"] - inv["transfer_cost"])
    assert inv["transfer_cost"] == pytest.approx(sum(t["fee_quote"] for t in inv["transfers"]))
    assert inv["transfers"] and all(t["fee"] > 0 for t in inv["transfers"])
    text = render(result.summary)
    assert "trades lost to inventory" in text and first["direction"] in text
    write_out(tmp_path, result)
    assert json.loads((tmp_path / "summary.json").read_text())["inventory"]["ran_dry"]
