"""`arbot backtest --workers N | --cluster URL`: plan the partitions (`split`), run them
on Dask (`cluster`), merge their report. The history is opened here only to plan (runs,
time span, quotes per symbol); each partition opens it again where it runs."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from arbot.backtest import cluster
from arbot.backtest.opening import open_history
from arbot.backtest.report import Collector
from arbot.backtest.runner import Options
from arbot.backtest.split import PartResult, make_plan, merge, part_options, plan_kind, run_part
from arbot.config import ArbotSettings

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
        calls = [(settings, part_options(opts, plan, part, kind), part.index)
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
    return SplitResult(summary, collector)
