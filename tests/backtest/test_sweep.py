"""`arbot sweep`: 4 trials on a local Dask cluster of 2 workers write every trial's
settings and results, a heatmap and the best settings as arbot.toml lines; an Optuna
search asks and tells; a bad parameter is refused before anything runs."""

from __future__ import annotations

import csv
import json
import tomllib
from pathlib import Path

import pytest

from arbot.cli import main
from tests.backtest.conftest import Recording


def test_four_trials_on_two_workers_write_their_table_and_best_settings(
        demo_run: Recording, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "sweep"
    assert main(["sweep", "--db", str(demo_run.db), "--workers", "2", "--out", str(out),
                 "--param", "strategy.min_net_profit_bps=5:10:5",
                 "--param", "filters.trend.min_persist_ms=0,400"]) == 0
    with (out / "trials.csv").open() as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 4
    assert {(r["strategy.min_net_profit_bps"], r["filters.trend.min_persist_ms"])
            for r in rows} == {("5", "0"), ("5", "400"), ("10", "0"), ("10", "400")}
    assert set(rows[0]) >= {"episodes", "passed", "trades", "pnl", "max_drawdown"}
    trials = json.loads((out / "trials.json").read_text())
    assert [t["settings"] for t in trials] == [
        {"strategy.min_net_profit_bps": int(r["strategy.min_net_profit_bps"]),
         "filters.trend.min_persist_ms": int(r["filters.trend.min_persist_ms"])} for r in rows]
    # A lower threshold finds at least as many episodes.
    by = {(t["settings"]["strategy.min_net_profit_bps"],
           t["settings"]["filters.trend.min_persist_ms"]): t["results"] for t in trials}
    assert by[(5, 0)]["episodes"] >= by[(10, 0)]["episodes"] > 0
    best = tomllib.loads((out / "best.toml").read_text())
    assert best["strategy"]["min_net_profit_bps"] in (5, 10)
    assert best["filters"]["trend"]["min_persist_ms"] in (0, 400)
    assert (out / "heatmap.png").stat().st_size > 0
    assert "[strategy]" in capsys.readouterr().out


def test_an_optuna_search_runs_its_trials(demo_run: Recording, tmp_path: Path) -> None:
    out = tmp_path / "optuna"
    assert main(["sweep", "--db", str(demo_run.db), "--search", "optuna", "--trials", "3",
                 "--out", str(out), "--param", "strategy.min_net_profit_bps=5:30:5"]) == 0
    trials = json.loads((out / "trials.json").read_text())
    assert len(trials) == 3
    assert all(t["settings"]["strategy.min_net_profit_bps"] in range(5, 31, 5) for t in trials)
    assert not (out / "heatmap.png").exists()


@pytest.mark.parametrize(("param", "reason"), [
    ("strategy.min_net_profit_bpz=5", "is not a setting"),
    ("filters.trend.min_persist_ms=0,200,70000", "less than or equal to 60000"),
    ("filters.trend=1", "is a section"),
    ("strategy.min_net_profit_bps=30:5:5", "HIGH >= LOW"),
    ("strategy.min_net_profit_bps", "NAME=LOW:HIGH:STEP"),
])
def test_a_bad_parameter_is_refused_before_anything_runs(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], param: str, reason: str) -> None:
    out = tmp_path / "sweep"
    assert main(["sweep", "--db", str(tmp_path / "missing.db"), "--out", str(out),
                 "--param", param]) == 2
    assert reason in capsys.readouterr().err
    assert not out.exists()
