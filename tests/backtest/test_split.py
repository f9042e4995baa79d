"""A backtest split by symbol and by time window over a local Dask cluster of 2 worker
processes gives the single-process report for detection, exactly; the merge does not
depend on the order partitions finish in; paper trading keeps one inventory per
partition and the report says so."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from arbot.backtest.opening import open_history
from arbot.backtest.partition import merge, run_part
from arbot.backtest.runner import Options, run_backtest
from arbot.backtest.split import make_plan, part_options, plan_kind
from arbot.backtest.spread import run_split
from arbot.cli import main
from arbot.demo import demo_instrument
from arbot.parquet.archive import archive
from arbot.tradekinds import TradingMode
from tests.backtest.conftest import Recording

DETECTION = ("quotes", "opportunities", "funnel", "symbols", "from", "until", "settings",
             "rules", "segments")


def detection(summary: dict[str, object]) -> dict[str, object]:
    rejections = summary["rejections"]
    assert isinstance(rejections, list)
    return {**{k: summary[k] for k in DETECTION},
            "engine_rejections": [r for r in rejections if r["stage"] == "engine"]}


def test_two_workers_give_the_single_process_report(demo_run: Recording,
                                                          tmp_path: Path) -> None:
    opts = Options(db=demo_run.db, demo_rules=demo_instrument)
    single = asyncio.run(run_backtest(demo_run.settings, opts))
    split = run_split(demo_run.settings, opts, workers=2, address=None, windows=3)
    assert split.summary["split"]["symbol_groups"] == 2  # type: ignore[index]
    assert split.summary["split"]["time_windows"] == 3  # type: ignore[index]
    assert detection(split.summary) == detection(single.summary)
    opportunities = single.summary["opportunities"]
    assert isinstance(opportunities, dict) and opportunities["count"] >= 20
    # Paper trading ran in every partition, each with its own inventory, and says so.
    assert demo_run.settings.trading.mode == TradingMode.PAPER
    assert "one per partition" in str(split.summary["split"])
    trades = split.summary["trades"]
    assert isinstance(trades, dict) and trades["count"] > 0

    # The same partitions run here in reverse order merge to the same report.
    history = open_history(opts.db, None)
    try:
        plan = make_plan(history, demo_run.settings, opts, 2, 3)
    finally:
        history.close()
    kind = plan_kind(plan, opts)
    results = [run_part(demo_run.settings, part_options(opts, plan, p, kind), p.index)
               for p in reversed(plan.parts)]
    again, _ = merge(results, plan, opts, demo_run.settings, kind, "here", 1.0)
    assert detection(again) == detection(split.summary)
    assert again["trades"] == split.summary["trades"]
    assert again["pnl"] == split.summary["pnl"]


def test_a_split_backtest_of_an_archive_with_detection_only(demo_run: Recording,
                                                                  tmp_path: Path) -> None:
    root = tmp_path / "archive"
    archive(demo_run.db, root)
    off = demo_run.settings.model_copy(update={"trading": demo_run.settings.trading.model_copy(
        update={"mode": TradingMode.OFF})})
    opts = Options(db=demo_run.db, archive=str(root), demo_rules=demo_instrument)
    single = asyncio.run(run_backtest(off, opts))
    history = open_history(opts.db, opts.archive)
    try:
        plan = make_plan(history, off, opts, 2, 4)
    finally:
        history.close()
    kind = plan_kind(plan, opts)
    results = [run_part(off, part_options(opts, plan, p, kind), p.index) for p in plan.parts]
    merged, _ = merge(results, plan, opts, off, kind, "here", 1.0)
    assert detection(merged) == detection(single.summary)
    assert merged["split"]["inventory"] == "trading off"  # type: ignore[index]


def test_workers_and_cluster_are_checked_before_anything_runs(
        demo_run: Recording, capsys: pytest.CaptureFixture[str]) -> None:
    db = str(demo_run.db)
    assert main(["backtest", "--db", db, "--workers", "2", "--cluster", "tcp://x:1"]) == 2
    assert "not both" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["backtest", "--db", db, "--workers", "0"])
    assert main(["backtest", "--db", db, "--cluster", "tcp://127.0.0.1:9"]) == 1
    assert "cannot reach the Dask scheduler" in capsys.readouterr().err


def test_imported_quotes_are_cut_by_time_only_and_still_exact(tmp_path: Path) -> None:
    """Without recorded venue states a venue is live while any of its symbols quotes, so
    symbols cannot be replayed apart: the cut is by time alone."""
    from arbot.config import ArbotSettings
    from bench.backtest_data import generate

    db = tmp_path / "imported.db"
    generate(db, 60_000, n_symbols=6)
    settings = ArbotSettings.model_validate({"filters": {"trend": {"window_ms": 1000}},
                                             "feeds": {"stale_after_s": 1.0},
                                             "trading": {"mode": "off"}})
    opts = Options(db=db, use_run_settings=False)
    single = asyncio.run(run_backtest(settings, opts))
    history = open_history(db, None)
    try:
        plan = make_plan(history, settings, opts, 2, None)
    finally:
        history.close()
    assert plan.groups == 1 and plan.windows > 1
    kind = plan_kind(plan, opts)
    results = [run_part(settings, part_options(opts, plan, p, kind), p.index)
               for p in plan.parts]
    merged, _ = merge(results, plan, opts, settings, kind, "here", 1.0)
    assert detection(merged) == detection(single.summary)
    opportunities = single.summary["opportunities"]
    assert isinstance(opportunities, dict) and opportunities["count"] > 0
