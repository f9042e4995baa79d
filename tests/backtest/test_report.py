"""The report's totals, recomputed independently: from the trades.csv it writes, and from
the fills in the trade journal of its own database, never from the report's numbers."""

from __future__ import annotations

import csv
import json
import sqlite3
from collections import defaultdict
from pathlib import Path

import pytest

from arbot.backtest.cli import write_out
from arbot.backtest.report import rejections
from arbot.backtest.runner import Options, run_backtest
from arbot.demo import demo_instrument
from arbot.engine.funnel import Funnel
from tests.backtest.conftest import Recording


def fills_pnl(conn: sqlite3.Connection, trade_id: str, base: str) -> tuple[float, float]:
    """(PnL, fees) of one trade from its fills alone: matched quantity times the average
    price difference, minus every fee valued in the quote currency."""
    fills = conn.execute("SELECT side, qty, price, fee, fee_asset FROM fills WHERE trade_id = ?",
                         (trade_id,)).fetchall()
    bought = sum(q for s, q, *_ in fills if s == "buy")
    sold = sum(q for s, q, *_ in fills if s == "sell")
    buy_avg = sum(q * p for s, q, p, *_ in fills if s == "buy") / bought if bought else 0.0
    sell_avg = sum(q * p for s, q, p, *_ in fills if s == "sell") / sold if sold else 0.0
    fees = sum(f * p if a == base else f for _, _, p, f, a in fills)
    return min(bought, sold) * (sell_avg - buy_avg) - fees, fees


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as f:
        return list(csv.DictReader(f))


async def test_report_totals_add_up_from_its_trades_and_fills(demo_run: Recording,
                                                              tmp_path: Path) -> None:
    # Partial fills make legs uneven now and then, so leg-risk incidents are counted too.
    trading = demo_run.settings.trading.model_copy(update={
        "paper": demo_run.settings.trading.paper.model_copy(
            update={"partial_rate": 0.3, "seed": 5})})
    settings = demo_run.settings.model_copy(update={"trading": trading})
    result = await run_backtest(settings, Options(db=demo_run.db, out=tmp_path,
                                                  demo_rules=demo_instrument))
    write_out(tmp_path, result)
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary == json.loads(json.dumps(result.summary))

    trades = read_csv(tmp_path / "trades.csv")
    assert len(trades) == summary["trades"]["count"] >= 3
    assert all(t["mode"] == "paper" and t["closed"] for t in trades)
    pnl = [float(t["pnl"]) for t in trades]
    assert sum(pnl) == pytest.approx(summary["pnl"]["total"], abs=1e-9)
    assert sum(float(t["fees"]) for t in trades) == pytest.approx(summary["pnl"]["fees"],
                                                                 abs=1e-9)
    conn = sqlite3.connect(tmp_path / "backtest.db")
    try:
        for t in trades:
            recomputed, fees = fills_pnl(conn, t["trade_id"], t["symbol"].split("-")[0])
            assert float(t["pnl"]) == pytest.approx(recomputed, abs=1e-9)
            assert float(t["fees"]) == pytest.approx(fees, abs=1e-9)
    finally:
        conn.close()

    # Drawdown: trades settle in the order they open (each settles before the next quote).
    cum = peak = worst = 0.0
    for p in pnl:
        cum += p
        peak = max(peak, cum)
        worst = max(worst, peak - cum)
    assert summary["pnl"]["max_drawdown"] == pytest.approx(worst, abs=1e-9)

    statuses: dict[str, int] = defaultdict(int)
    uneven = 0
    for t in trades:
        statuses[t["status"]] += 1
        uneven += t["leg_outcome"] not in ("balanced", "none")
    assert summary["trades"]["by_status"] == statuses
    assert summary["trades"]["leg_risk_incidents"] == uneven

    for name, key in (("pnl_by_symbol.csv", lambda t: t["symbol"]),
                      ("pnl_by_pair.csv", lambda t: f"{t['buy_venue']}>{t['sell_venue']}")):
        expected: dict[str, list[float]] = defaultdict(lambda: [0, 0.0, 0.0])
        for t in trades:
            row = expected[key(t)]
            row[0] += 1
            row[1] += float(t["pnl"])
            row[2] += float(t["fees"])
        got = read_csv(tmp_path / name)
        assert len(got) == len(expected)
        for g in got:
            n, p, f = expected[g[name.removeprefix("pnl_by_").removesuffix(".csv")]]
            assert int(g["trades"]) == n
            assert float(g["pnl"]) == pytest.approx(p, abs=1e-9)
            assert float(g["fees"]) == pytest.approx(f, abs=1e-9)

    episodes = read_csv(tmp_path / "episodes.csv")
    assert len(episodes) == summary["opportunities"]["count"] > 0
    durations = sorted(float(e["duration_ms"]) for e in episodes)
    assert durations[-1] == pytest.approx(summary["opportunities"]["lifetime_ms"]["max"],
                                          abs=1e-3)
    rejections = read_csv(tmp_path / "rejections.csv")
    assert [(r["stage"], r["step"], int(r["count"])) for r in rejections] == [
        (r["stage"], r["step"], r["count"]) for r in summary["rejections"]]
    for chart in ("pnl.png", "opportunities.png"):
        assert (tmp_path / chart).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_rejections_name_the_depth_steps() -> None:
    """A replay by depth reports where depth stopped candidates: a resyncing book, and a
    gap too thin once both books are walked."""
    funnel = Funnel(quotes=9, crossed=5, resyncing=2, too_thin=3).as_dict()
    rows = rejections(funnel, {})
    assert ("engine", "resyncing", 2) in rows and ("engine", "too_thin", 3) in rows
