"""One batch, one transaction: how the writer commits what it gathered.

Kept apart from the drain loop (`arbot.storage.writer`) because it is the only part that
talks SQL, and the only part that decides which errors mean "this row can never be
written" (skip and count it) rather than "not now" (the caller keeps the batch and retries).
A bad row must not cost the good rows of its batch, so a batch that trips one is written
again row by row, and only the rows the database refuses are left out.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from sqlite3 import DataError, IntegrityError, InterfaceError, ProgrammingError

import aiosqlite

from arbot.storage.rows import Row

log = logging.getLogger(__name__)

# Errors that mean "this row can never be written", as opposed to "not now".
_BAD_ROW = (IntegrityError, InterfaceError, ProgrammingError, DataError, OverflowError, TypeError)

Result = tuple[dict[str, int], str | None, dict[str, int]]


async def commit_batch(
    conn: aiosqlite.Connection, sql: Mapping[str, str], pending: Mapping[str, list[Row]]
) -> Result:
    """Commit `pending` (rows per statement key of `sql`) in one transaction; return
    (rejected per table, why, rows the statements changed per table). Any other error
    escapes with nothing committed, so the caller still holds the whole batch."""
    try:
        return await _transaction(conn, sql, pending, careful=False)
    except _BAD_ROW:
        # Some row can never be written; find it without losing the others.
        return await _transaction(conn, sql, pending, careful=True)


async def _transaction(
    conn: aiosqlite.Connection,
    sql_for: Mapping[str, str],
    pending: Mapping[str, list[Row]],
    *,
    careful: bool,
) -> Result:
    """Write the pending rows between BEGIN and COMMIT; return (rejected per table, why,
    rows the statements changed per table: an `INSERT ... WHERE NOT EXISTS` may change
    fewer rows than it was given).

    Fast mode: one executemany per statement; a bad row escapes and the caller retries
    carefully. Careful mode: row by row, skipping (and counting) the rows that fail.
    """
    rejected: dict[str, int] = {}
    changed: dict[str, int] = {}
    why: str | None = None
    if conn.in_transaction:  # left open by a flush cancelled mid-way; the connection is ours
        await conn.execute("ROLLBACK")
    await conn.execute("BEGIN IMMEDIATE")
    try:
        for table, rows in pending.items():
            if not rows:
                continue
            sql = sql_for[table]
            if not careful:
                changed[table] = (await conn.executemany(sql, rows)).rowcount
                continue
            for row in rows:
                try:
                    changed[table] = changed.get(table, 0) + (
                        await conn.execute(sql, row)).rowcount
                except _BAD_ROW as exc:
                    rejected[table] = rejected.get(table, 0) + 1
                    why = f"{table} row rejected ({exc}): {row!r}"[:500]
        await conn.execute("COMMIT")
    except Exception:
        if conn.in_transaction:
            try:
                await conn.execute("ROLLBACK")
            except Exception as exc:  # the original error is the one worth reporting
                log.debug("rollback failed: %s", exc)
        raise
    return rejected, why, changed
