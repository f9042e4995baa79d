"""`arbot report`: the tables across runs, JSON, filters, and bad input as usage errors."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from arbot.cli import main
from tests.storage.profitrows import RUN_2, seed


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "arbot.db"
    asyncio.run(seed(path))
    return path


def test_by_run_prints_the_run_ids_a_total_and_the_open_trade(
        db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", "--db", str(db), "--group", "run"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("PnL by run (net of fees, quote currency): 5 trades, "
                               "pnl +2.7500, fees 0.9000, max drawdown 0.5000")
    assert lines[1].split()[:4] == ["run", "started", "(UTC)", "trades"]
    assert lines[3].split()[:5] == [lines[3].split()[0], "2026-12-04", "22:00:00", "DEMO", "4"]
    assert lines[4].split()[:5] == [str(RUN_2), "2026-12-05", "09:00:00", "1", "1"]
    assert lines[5].split()[0] == "total" and "+2.7500" in lines[5]


def test_json_is_the_api_document_and_filters_apply(
        db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", "--db", str(db), "--group", "pair", "--mode", "paper",
                 "--since", "2026-12-05", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["group"] == "pair" and doc["total"]["trades"] == 1
    assert [r["key"] for r in doc["rows"]] == ["BTC-USDT binance>okx"]


def test_an_empty_or_missing_database_says_none(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", "--db", str(tmp_path / "nothing.db")]) == 0
    out = capsys.readouterr().out
    assert "0 trades" in out and "(none)" in out


@pytest.mark.parametrize("argv", [["--since", "yesterday"], ["--group", "week"],
                                  ["--run", "abc"], ["--mode", "off"]])
def test_bad_input_is_a_usage_error(db: Path, argv: list[str],
                                    capsys: pytest.CaptureFixture[str]) -> None:
    try:
        code = main(["report", "--db", str(db), *argv])
    except SystemExit as exc:
        code = int(str(exc.code))
    assert code == 2
    assert "Traceback" not in capsys.readouterr().err
