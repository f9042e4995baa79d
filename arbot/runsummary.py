"""What a run did, said once as it ends: its episodes, trades, PnL and fees.

Read back from the database after the writer and the journal have flushed, with the same
reader as `arbot report --run ID`, so the lines a user sees at the end are the figures the
report shows later (nothing counted twice, nothing only in memory). A run whose database
could not be read says so in the line instead of failing the exit.
"""

from __future__ import annotations

import asyncio
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from arbot.logfields import fields
from arbot.storage.db import DatabaseError, database_error, open_db
from arbot.storage.profit import ProfitGroup, ProfitRow, profit_from, summarize


@dataclass(frozen=True)
class RunSummary:
    run_id: int
    episodes: int
    passed: int  # episodes that passed every filter
    trades: ProfitRow  # every trade of the run, its totals


async def read_summary(path: str, run_id: int) -> RunSummary:
    """The run's figures as recorded; raises `DatabaseError` when they cannot be read.

    Opened read-write: this process has just written the file, and a read-only
    connection that is the last to close would leave the -wal and -shm files behind."""
    if not await asyncio.to_thread(Path(path).is_file):  # nothing recorded: create nothing
        return RunSummary(run_id, 0, 0, summarize([], ProfitGroup.RUN).total)
    conn = await open_db(path)
    try:
        rows = list(await conn.execute_fetchall(
            "SELECT count(*), coalesce(sum(verdict = 'passed'), 0) FROM opportunities"
            " WHERE run_id = ?", (run_id,)))
        report = await profit_from(conn, ProfitGroup.RUN, run_id=run_id)
    except sqlite3.Error as exc:
        raise database_error(exc) from exc
    finally:
        await conn.close()
    return RunSummary(run_id, int(rows[0][0]), int(rows[0][1]), report.total)


def summary_lines(s: RunSummary, currency: str) -> list[str]:
    """Two lines: the episodes, then the trades with PnL and fees (and `arbot report`)."""
    t = s.trades
    rate = "" if t.win_rate is None else f", {t.win_rate:.0%} won"
    return [f"run {s.run_id}: {s.episodes} episodes, {s.passed} passed every filter",
            f"run {s.run_id}: {t.trades} trades settled ({t.filled} filled{rate}), {t.open} "
            f"open; pnl {t.pnl:+.4f} {currency} net of fees {t.fees:.4f} {currency}; "
            f"`arbot report --group run` compares runs"]


async def run_summary_lines(path: str, run_id: int, currency: str
                            ) -> tuple[list[str], dict[str, object]]:
    """`summary_lines` and the fields a JSON log gives them, or one line saying why the
    figures could not be read."""
    try:
        s = await read_summary(path, run_id)
    except DatabaseError as exc:
        return ([f"run {run_id}: no summary, the database could not be read ({exc})"],
                fields(event="run_summary", run_id=run_id))
    return summary_lines(s, currency), fields(
        event="run_summary", run_id=run_id, pnl=s.trades.pnl, fees=s.trades.fees,
        episodes=s.episodes, trades=s.trades.trades)
