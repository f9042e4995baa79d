"""Paper trading end to end: the demo runtime (simulator on 127.0.0.1, real feeds,
engine and trader) records trades, `arbot export trades` writes them, and every trade's
PnL recomputed from its own fills and fees equals what ArBot reported."""

from __future__ import annotations

import asyncio
import csv
import sqlite3
from pathlib import Path

import pytest

from arbot.cli import main
from arbot.config import ArbotSettings
from arbot.runtime import Runtime
from arbot.sim import SimConfig
from arbot.sim.config import Dislocations
from tests.conftest import until
from tests.trading.helpers import episode

SIM = SimConfig(symbols=("BTC-USDT", "ETH-USDT"), rate=50,
                dislocations=Dislocations(rate_per_s=2.0, size_bps=40.0, life_s=1.0))


def settings(tmp_path: Path, **trading: object) -> ArbotSettings:
    return ArbotSettings.model_validate({
        "market": {"symbols": ["BTC-USDT", "ETH-USDT"]},
        "storage": {"path": str(tmp_path / "arbot.db"), "flush_ms": 50},
        "trading": {"cooldown_s": 0.2, "max_trades_per_minute": 1000, **trading},
    })


def recomputed_pnl(conn: sqlite3.Connection, trade_id: str, base: str) -> float:
    fills = conn.execute("SELECT side, qty, price, fee, fee_asset FROM fills WHERE trade_id = ?",
                         (trade_id,)).fetchall()
    bought = sum(q for s, q, *_ in fills if s == "buy")
    sold = sum(q for s, q, *_ in fills if s == "sell")
    buy_avg = sum(q * p for s, q, p, *_ in fills if s == "buy") / bought if bought else 0.0
    sell_avg = sum(q * p for s, q, p, *_ in fills if s == "sell") / sold if sold else 0.0
    fees = sum(f * p if a == base else f for _, _, p, f, a in fills)
    return min(bought, sold) * (sell_avg - buy_avg) - fees


async def test_demo_paper_trades_are_recorded_exported_and_add_up(tmp_path: Path) -> None:
    s = settings(tmp_path, paper={"partial_rate": 0.3, "seed": 5})
    stop = asyncio.Event()
    async with Runtime(s, demo=True, sim_config=SIM) as rt:
        run = asyncio.create_task(rt.run(stop))
        assert rt.trader is not None
        await until(lambda: rt.trader is not None and rt.trader.trades >= 4, "four trades",
                    wait_s=60)
        stop.set()
        await run
        reported = rt.trader.realized
    # the trades above went through the trader's inbox; once stopped, it takes nothing
    rt.trader.on_episode(episode(1))
    assert rt.trader.rejections["closed"] == 1 and len(rt.trader.inbox) == 0
    out = tmp_path / "trades.csv"
    assert await asyncio.to_thread(
        main, ["export", "trades", "--db", str(s.storage.path), "-o", str(out)]) == 0
    with out.open(newline="") as f:
        rows = list(csv.DictReader(f))
    conn = sqlite3.connect(s.storage.path)
    try:
        assert len(rows) == conn.execute("SELECT count(*) FROM trades").fetchone()[0] >= 4
        for row in rows:
            assert row["status"] in ("filled", "missed", "failed", "leg_risk")
            assert row["mode"] == "paper" and row["closed"]
            base = row["symbol"].split("-")[0]
            assert float(row["pnl"]) == pytest.approx(
                recomputed_pnl(conn, row["trade_id"], base), abs=1e-9)
        assert sum(float(r["pnl"]) for r in rows) == pytest.approx(reported, abs=1e-9)
        # every order was journaled as 'new' before it was sent, then settled
        assert conn.execute("SELECT count(*) FROM orders WHERE status IN "
                            "('new', 'unknown', 'partially_filled')").fetchone()[0] == 0
    finally:
        conn.close()


async def test_trading_off_records_no_trades(tmp_path: Path) -> None:
    s = settings(tmp_path, mode="off")
    async with Runtime(s, demo=True, sim_config=SIM) as rt:
        assert rt.trader is None
        await rt.run(duration=2)
    conn = sqlite3.connect(s.storage.path)
    try:
        assert conn.execute("SELECT count(*) FROM trades").fetchone()[0] == 0
    finally:
        conn.close()


def test_arm_live_needs_live_mode_and_no_ui(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--demo", "--no-ui", "--arm-live", "--duration", "1"]) == 2
    assert '--arm-live needs [trading] mode = "live"' in capsys.readouterr().err
    assert main(["--demo", "--arm-live", "--duration", "1"]) == 2
    assert "--arm-live is for --no-ui" in capsys.readouterr().err
