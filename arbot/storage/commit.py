"""One batch, one transaction: how the writer commits what it gathered.

Kept apart from the drain loop (`arbot.storage.writer`) because it is the only part that
talks SQL, and the only part that decides which errors mean "this row can never be
written" (skip and count it) rather than "not now" (the caller keeps the batch and retries).
A bad row must not cost the good rows of its batch, so a batch that trips one is written
again row by row, and only the rows the database refuses are left out.

Plain `INSERT ... VALUES (?, ...)` statements are run `MULTI_ROWS` rows per statement
(`INSERT ... VALUES (...), (...), ...`): SQLite then parses, binds and steps once per 64
rows, which measured ~0.4 us less per quote than one `executemany` step per row. The rows
are flattened into each statement's parameters on aiosqlite's thread, not the loop's.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator, Mapping, Sequence
from functools import lru_cache
from itertools import chain
from sqlite3 import DataError, IntegrityError, InterfaceError, ProgrammingError
from typing import Final

import aiosqlite

from arbot.storage.rows import Row

log = logging.getLogger(__name__)

MULTI_ROWS: Final = 64
# The most parameters one statement may bind: SQLite's SQLITE_MAX_VARIABLE_NUMBER, 999
# before 3.32 and 32766 since. The older bound holds everywhere; a statement too wide for
# MULTI_ROWS rows within it takes as many rows as fit.
MAX_VARIABLES: Final = 999
_VALUES: Final = re.compile(r"(INSERT INTO .+ VALUES\s*)(\((?:\?,\s*)*\?\))\s*", re.S)

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
                changed[table] = await _insert_all(conn, sql, rows)
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


async def _insert_all(conn: aiosqlite.Connection, sql: str, rows: list[Row]) -> int:
    """Run `sql` for every row, `MULTI_ROWS` rows per statement where it is a plain
    INSERT; return the rows changed."""
    multi = multi_row(sql)
    if multi is None:
        return int((await conn.executemany(sql, rows)).rowcount)
    many_sql, per, width = multi
    if set(map(len, rows)) != {width}:  # a row of the wrong width would shift the others
        return int((await conn.executemany(sql, rows)).rowcount)  # it raises for that row
    whole = len(rows) - len(rows) % per
    changed = 0
    if whole:
        changed += (await conn.executemany(many_sql, _flat(rows, whole, per))).rowcount
    if whole < len(rows):
        changed += (await conn.executemany(sql, rows[whole:])).rowcount
    return changed


@lru_cache(maxsize=64)
def multi_row(sql: str) -> tuple[str, int, int] | None:
    """`sql` (a plain `INSERT ... VALUES (?, ...)`) with its VALUES row repeated, how many
    rows it takes and the width of one; None for any other statement. Never binds more
    than MAX_VARIABLES parameters."""
    m = _VALUES.fullmatch(sql)
    if m is None:
        return None
    width = m.group(2).count("?")
    per = min(MULTI_ROWS, MAX_VARIABLES // width)
    if per < 2:
        return None
    return m.group(1) + ", ".join([m.group(2)] * per), per, width


def _flat(rows: Sequence[Row], whole: int, per: int) -> Iterator[list[object]]:
    """The parameters of each multi-row statement; a generator, so aiosqlite's thread
    builds them as `executemany` runs."""
    for i in range(0, whole, per):
        yield list(chain.from_iterable(rows[i:i + per]))
