"""`arbot backtest` as a command: its parser on a parent with --config (as `arbot.cli`
builds it), the printed tables, the files in --out, and bad input as clear errors."""

from __future__ import annotations

import argparse
import asyncio
import json
import sqlite3
from pathlib import Path

import pytest

from arbot.backtest import cli
from arbot.config import load_settings
from arbot.demo import demo_instrument
from arbot.storage.db import DatabaseError
from arbot.storage.runlist import list_runs
from arbot.timefmt import format_time_ns
from tests.backtest.conftest import Recording

OUT_FILES = ("summary.json", "trades.csv", "episodes.csv", "pnl_by_symbol.csv",
             "pnl_by_pair.csv", "rejections.csv", "pnl.png", "opportunities.png",
             "backtest.db")


FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "imports"


def backtest(argv: list[str]) -> int:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--config", type=Path, default=argparse.SUPPRESS)
    parser = argparse.ArgumentParser(prog="arbot")
    commands = parser.add_subparsers(dest="command")
    cli.add_parser(commands, common)
    args = parser.parse_args(["backtest", *argv])
    db = args.db
    settings = load_settings(getattr(args, "config", None),
                             overrides={"storage": {"path": str(db)}} if db else None)
    return cli.run(args, settings, demo_rules=demo_instrument)


def test_backtest_prints_the_report_and_writes_every_file(
        demo_run: Recording, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "arbot.toml"
    config.write_text("[trading]\ncooldown_s = 0.2\nmax_trades_per_minute = 1000\n")
    before = demo_run.db.stat().st_mtime_ns, demo_run.db.stat().st_size
    out = tmp_path / "out"
    assert backtest(["--db", str(demo_run.db), "--config", str(config), "--out", str(out),
                     "--symbols", "BTC-USDT", "ETH-USDT"]) == 0
    text = capsys.readouterr().out
    for title in ("opportunities:", "episodes by close reason", "PnL net of fees",
                  "PnL by venue pair", "rejections by funnel step", "as recorded with each run",
                  "demo"):
        assert title in text
    for name in OUT_FILES:
        assert (out / name).is_file(), name
    # only the report: no SQLite side files; CSVs 0644 like a report file (not mkstemp's 0600)
    assert not [p.name for p in out.iterdir() if p.name.endswith(("-wal", "-shm"))]
    assert {(out / n).stat().st_mode & 0o777 for n in ("trades.csv", "episodes.csv")} == {
        0o644}
    summary = json.loads((out / "summary.json").read_text())
    assert summary["trades"]["count"] > 0 and summary["symbols"] == ["BTC-USDT", "ETH-USDT"]
    assert (demo_run.db.stat().st_mtime_ns, demo_run.db.stat().st_size) == before
    # Again into the same directory: replaced, not appended to.
    assert backtest(["--db", str(demo_run.db), "--config", str(config), "--out", str(out),
                     "--settings", "config", "--rules", "generic", "--no-progress"]) == 0
    again = json.loads((out / "summary.json").read_text())
    assert again["trades"]["count"] == len((out / "trades.csv").read_text().splitlines()) - 1
    assert again["settings"] == "configuration (--settings config)"
    assert again["rules"] == "generic"


def test_bad_input_is_refused_with_a_reason(demo_run: Recording, tmp_path: Path) -> None:
    db = str(demo_run.db)
    with pytest.raises(ValueError, match="--until must be after --from"):
        backtest(["--db", db, "--from", "2024-05-02", "--until", "2024-05-01"])
    with pytest.raises(ValueError, match="cannot read time"):
        backtest(["--db", db, "--from", "yesterday"])
    with pytest.raises(ValueError, match="BASE-QUOTE"):
        backtest(["--db", db, "--symbols", "btcxyz"])  # no known quote asset to split by
    with pytest.raises(ValueError, match="not both"):
        backtest(["--db", db, "--input", db])
    unknown = tmp_path / "frames.jsonl"
    unknown.write_text('{"e": "bookTicker"}\n')  # no venue in its name, not a Tardis CSV
    with pytest.raises(ValueError, match="arbot import"):
        backtest(["--input", str(unknown)])
    with pytest.raises(ValueError, match="not both"):
        backtest(["--input", db, str(unknown)])
    with pytest.raises(DatabaseError, match="no database"):
        backtest(["--input", str(tmp_path / "nothing.db")])
    copy = tmp_path / "rec" / "backtest.db"  # a previous backtest's output, replayed
    copy.parent.mkdir()
    src, dst = sqlite3.connect(demo_run.db), sqlite3.connect(copy)
    src.backup(dst)
    src.close()
    dst.close()
    with pytest.raises(DatabaseError, match="overwrite the database"):
        backtest(["--input", str(copy), "--out", str(copy.parent)])
    assert copy.stat().st_size > 0
    with pytest.raises(SystemExit):
        backtest(["--db", db, "--page-rows", "0"])


def test_input_quote_files_are_imported_beside_the_report_and_replayed(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    tardis = FIXTURES / "SYNTHETIC_tardis_quotes.csv"
    ticker = tmp_path / "BTCUSDT-bookTicker-2024-05-01.csv"
    ticker.write_bytes((FIXTURES / "SYNTHETIC_binance_bookTicker.csv").read_bytes())
    out = tmp_path / "report"
    assert backtest(["--input", str(tardis), str(ticker), "--out", str(out),
                     "--no-progress"]) == 0
    err = capsys.readouterr().err
    assert f"input {tardis}:" in err and f"input {ticker}:" in err
    staged = sqlite3.connect(out / "input.db")
    try:
        stored = staged.execute("SELECT count(*) FROM quotes").fetchone()[0]
        symbols = {s for (s,) in staged.execute("SELECT DISTINCT symbol FROM quotes")}
    finally:
        staged.close()
    assert stored > 0 and "BTC-USDT" in symbols
    summary = json.loads((out / "summary.json").read_text())
    assert summary["quotes"] == stored


def test_run_replays_one_recorded_run_only(demo_run: Recording, tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    runs = asyncio.run(list_runs(str(demo_run.db)))
    assert runs
    out = tmp_path / "one"
    assert backtest(["--db", str(demo_run.db), "--run", str(runs[0].id), "--out", str(out),
                     "--no-progress"]) == 0
    summary = json.loads((out / "summary.json").read_text())
    assert summary["from"] == format_time_ns(runs[0].started_ns)
    with pytest.raises(ValueError, match="arbot db runs"):
        backtest(["--db", str(demo_run.db), "--run", "5"])

