"""`arbot db runs`: every recorded run, as a table (the ids `backtest --run` and `report
--run` take)."""

from __future__ import annotations

import argparse
import asyncio

from arbot.backtest.output import table
from arbot.config import ArbotSettings
from arbot.storage.runlist import RunRow, list_runs
from arbot.timefmt import format_time_ns

COLUMNS = ("run", "started (UTC)", "minutes", "demo", "episodes", "trades", "pnl")


def _cells(r: RunRow) -> tuple[object, ...]:
    minutes = "running?" if r.ended_ns is None else f"{(r.ended_ns - r.started_ns) / 6e10:.1f}"
    t = r.trades
    return (str(r.id), format_time_ns(r.started_ns)[:19].replace("T", " "), minutes,
            "DEMO" if r.demo else "", r.episodes, 0 if t is None else t.trades,
            "-" if t is None else f"{t.pnl:+.4f}")


def run(args: argparse.Namespace, settings: ArbotSettings) -> int:
    runs = asyncio.run(list_runs(settings.storage.path))
    print(table(f"{len(runs)} runs in {settings.storage.path}", COLUMNS,
                [_cells(r) for r in runs]))
    return 0
