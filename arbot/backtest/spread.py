"""`arbot backtest --workers N | --cluster URL`: plan the partitions (`split`), run them
on Dask (`cluster`), merge their report. The history is opened here only to plan (runs,
time span, quotes per symbol); each partition opens it again where it runs."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from arbot.backtest import cluster, partrows, store
from arbot.backtest.opening import open_history
from arbot.backtest.partition import PartResult, merge, run_part
from arbot.backtest.report import Collector
from arbot.backtest.runner import OUT_DB, Options, check_out, export_csvs
from arbot.backtest.segments import containing
from arbot.backtest.split import Plan, make_plan, part_options, plan_kind
from arbot.config import ArbotSettings
from arbot.config.run import run_settings

Done = Callable[[int, int, int], None]  # (partitions done, of how many, quotes so far)


@dataclass
class SplitResult:
    summary: dict[str, object]
    collector: Collector


def run_split(settings: ArbotSettings, opts: Options, *, workers: int | None,
              address: str | None, windows: int | None = None,
              done: Done | None = None) -> SplitResult:
    with cluster.client(workers, address) as c:
        n = len(c.scheduler_info().get("workers", {})) or (workers or 1)
        history = open_history(opts.db, opts.archive)
        try:
            plan = make_plan(history, settings, opts, n, windows)
        finally:
            history.close()
        kind = plan_kind(plan, opts)
        keep = opts.out is not None
        calls = [(settings, part_options(opts, plan, part, kind), part.index, keep)
                 for part in plan.parts]
        finished: list[int] = []

        def heard(_: int, result: PartResult) -> None:
            finished.append(result.quotes)
            if done is not None:
                done(len(finished), len(calls), sum(finished))

        started = time.perf_counter()
        results: list[PartResult] = cluster.run_tasks(c, run_part, calls, heard)
        elapsed = time.perf_counter() - started
        summary, collector = merge(results, plan, opts, settings, kind,
                                   cluster.describe(c, address), elapsed)
    if opts.out is not None:
        summary["output_db"] = str(write_db(opts, plan, results, summary))
    return SplitResult(summary, collector)


def write_db(opts: Options, plan: Plan, results: list[PartResult],
             summary: dict[str, object]) -> Path:
    """`backtest.db`, trades.csv and episodes.csv in `--out`, as a single-process
    backtest writes them: one run, the rows each partition owns (`partrows`)."""
    assert opts.out is not None
    check_out(opts.out, opts.db if opts.archive is None else None)
    db = opts.out / OUT_DB
    asyncio.run(store.create(db))
    run_id = time.time_ns()
    first = containing(plan.segments, opts.window.since_ns)
    used = [s for s in plan.segments[first:] if plan.span is None or s.start_ns is None
            or s.start_ns <= plan.span[1]]
    parts = [r.rows for r in sorted(results, key=lambda r: r.index) if r.rows is not None]
    episodes = store.EpisodeStore(db, run_id)
    try:
        episodes.start_run(run_id, bool(used) and all(
            s.run is not None and s.run.demo for s in used),
            run_settings(plan.segments[first].settings))
        funnel = summary["funnel"]
        assert isinstance(funnel, dict)
        ends = [p.ended_ns for p in parts if p.ended_ns is not None]
        episodes.end_run(funnel, ended_ns=max(ends, default=run_id))
    finally:
        episodes.close()
    partrows.write(db, *partrows.merged(parts, run_id))
    asyncio.run(export_csvs(opts.out))
    return db
