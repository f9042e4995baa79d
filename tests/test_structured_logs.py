"""`--log-format json` and the end-of-run summary, from a real headless process: every line
is one JSON object, events carry their documented fields, and the summary's figures are
the database's."""

from __future__ import annotations

import json
import logging
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from arbot.logfields import FIELDS, fields
from arbot.logsetup import _JsonFormatter

README = Path(__file__).resolve().parent.parent / "README.md"


def run_demo(tmp_path: Path, *args: str) -> str:
    (tmp_path / "arbot.toml").write_text(
        '[storage]\npath = "arbot.db"\nflush_ms = 100\n[feeds]\nstatus_log_s = 1.0\n')
    proc = subprocess.run([sys.executable, "-m", "arbot", "--demo", "--no-ui", "--duration",
                           "10", *args], cwd=tmp_path, capture_output=True, text=True,
                          timeout=90)
    assert proc.returncode == 0, proc.stderr
    return proc.stderr


def test_json_lines_carry_each_events_fields_and_the_run_summary(tmp_path: Path) -> None:
    docs = [json.loads(line) for line in run_demo(tmp_path, "--log-format", "json")
            .splitlines()]
    assert all({"ts", "level", "msg", "demo"} <= d.keys() for d in docs)
    assert all(set(d) - {"ts", "level", "msg", "demo"} <= FIELDS.keys() for d in docs)
    by_event: dict[str, list[dict[str, object]]] = {}
    for d in docs:
        by_event.setdefault(str(d.get("event")), []).append(d)
    feed = by_event["feed_state"][0]
    assert {"venue", "connection", "state"} <= feed.keys()
    opened = by_event["episode_open"][0]
    assert {"episode_id", "symbol", "buy_venue", "sell_venue", "net_bps", "size", "profit",
            "reason"} <= opened.keys()
    assert isinstance(opened["net_bps"], float) and opened["buy_venue"] != opened["sell_venue"]
    assert by_event["status"]
    summary = by_event["run_summary"]
    assert len(summary) == 2 and summary[0]["run_id"] == summary[1]["run_id"]
    db = sqlite3.connect(tmp_path / "arbot.db")
    try:
        episodes, = db.execute("SELECT count(*) FROM opportunities WHERE run_id = ?",
                               (summary[0]["run_id"],)).fetchone()
        trades, pnl, fees = db.execute(
            "SELECT count(*), coalesce(sum(realized_profit), 0), coalesce(sum(fees), 0)"
            " FROM trades WHERE status != 'open'").fetchone()
    finally:
        db.close()
    assert summary[0]["episodes"] == episodes and summary[0]["trades"] == trades
    assert summary[0]["pnl"] == pytest.approx(pnl) and summary[0]["fees"] == pytest.approx(fees)
    for trade in by_event.get("trade", []):
        assert {"trade_id", "symbol", "status", "pnl", "fees", "run_id"} <= trade.keys()


def test_the_text_run_ends_with_the_summary_before_the_flush(tmp_path: Path) -> None:
    lines = [ln for ln in run_demo(tmp_path).splitlines() if ln.strip()]
    assert any("paper account: balances start from [trading.paper] balances at every start"
               in ln for ln in lines)  # said, since they reset at every start
    assert "database flushed" in lines[-1]
    assert re.search(r"run \d+: \d+ episodes, \d+ passed every filter", lines[-3])
    assert re.search(r"run \d+: \d+ trades settled .*pnl [+-]\d+\.\d{4} USDT net of fees",
                     lines[-2])


def test_every_field_is_documented_in_the_readme() -> None:
    text = README.read_text(encoding="utf-8")
    table = text[text.index("### Structured logs"):]
    for name in FIELDS:
        assert f"| `{name}` |" in table, name


def test_an_undocumented_field_is_refused_and_none_is_left_out() -> None:
    with pytest.raises(ValueError, match="undocumented log fields: colour"):
        fields(colour="red")
    record = logging.LogRecord("arbot", logging.INFO, __file__, 1, "x %s", ("y",), None)
    record.__dict__.update(fields(event="trade", pnl=None, symbol="BTC-USDT"))
    doc = json.loads(_JsonFormatter(demo=False).format(record))
    assert doc["msg"] == "x y" and doc["event"] == "trade" and "pnl" not in doc
