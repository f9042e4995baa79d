"""Every recorded run (one start of ArBot): when, how long, DEMO or not, its episodes and
its trades' PnL, for `arbot db runs` and for choosing one with `arbot backtest --run ID`."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from arbot.storage.db import DatabaseError, database_error, open_db
from arbot.storage.profit import ProfitGroup, ProfitRow, profit_from


@dataclass(frozen=True)
class RunRow:
    id: int
    started_ns: int
    ended_ns: int | None  # None: still running, or stopped without closing (a crash)
    demo: bool
    episodes: int
    trades: ProfitRow | None  # None: no trade in the run


async def list_runs(path: str) -> list[RunRow]:
    """Oldest first; raises `DatabaseError` (kind "missing" when there is no file)."""
    conn = await open_db(path, readonly=True)
    try:
        rows = list(await conn.execute_fetchall(
            "SELECT r.id, r.started_ns, r.ended_ns, r.demo,"
            " (SELECT count(*) FROM opportunities o WHERE o.run_id = r.id)"
            " FROM runs r ORDER BY r.started_ns, r.id"))
        report = await profit_from(conn, ProfitGroup.RUN)
    except sqlite3.Error as exc:
        raise database_error(exc) from exc
    finally:
        await conn.close()
    trades = {row.key: row for row in report.rows}
    return [RunRow(int(r[0]), int(r[1]), None if r[2] is None else int(r[2]), bool(r[3]),
                   int(r[4]), trades.get(str(r[0]))) for r in rows]


async def run_window(path: str, run_id: int) -> tuple[int, int | None]:
    """The run's [start, end) for a replay of it alone; ValueError naming `arbot db runs`
    for an id that is not there."""
    for run in await list_runs(path):
        if run.id == run_id:
            return run.started_ns, None if run.ended_ns is None else run.ended_ns + 1
    raise ValueError(f"no run {run_id} in {path}; `arbot db runs` lists them")


__all__ = ["DatabaseError", "RunRow", "list_runs", "run_window"]
