"""`arbot db runs` lists every run with the id `backtest --run` and `report --run` take."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from arbot.cli import main
from arbot.storage.runlist import run_window
from tests.storage.profitrows import RUN_1, RUN_2, seed


def test_runs_are_listed_oldest_first_with_trades_and_pnl(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "arbot.db"
    asyncio.run(seed(db))
    assert main(["db", "runs", "--db", str(db)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == f"2 runs in {db}"
    first, second = lines[3].split(), lines[4].split()
    assert first[0] == str(RUN_1) and "DEMO" in first and first[-2:] == ["4", "+0.7500"]
    assert second[0] == str(RUN_2) and "running?" in second and second[-2:] == ["1", "+2.0000"]


def test_an_unknown_run_names_the_listing(tmp_path: Path) -> None:
    db = tmp_path / "arbot.db"
    asyncio.run(seed(db))
    assert asyncio.run(run_window(str(db), RUN_1)) == (RUN_1, None)
    with pytest.raises(ValueError, match="arbot db runs"):
        asyncio.run(run_window(str(db), 5))


def test_no_database_is_one_line_and_exit_1(tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["db", "runs", "--db", str(tmp_path / "none.db")]) == 1
    assert capsys.readouterr().err.startswith("arbot: ")
