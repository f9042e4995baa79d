"""One batch, one transaction: how the writer commits what it gathered.

Kept apart from the drain loop (`arbot.storage.writer`) because it is the only part that
talks SQL, and the only part that decides which errors mean "this row can never be
written" (skip and count it) rather than "not now" (the caller keeps the batch and retries).
A bad row must not cost the good rows of its batch, so a batch that trips one is written
again row by row, and only the rows the database refuses are left out.

The whole transaction (rows built from buffered quotes, BEGIN, the inserts, COMMIT) runs as
one call on the connection's own thread (`db.on_connection_thread`): each aiosqlite call is
a round trip between the loop and that thread, about 30 us of CPU, and a batch used to pay
four. Plain `INSERT ... VALUES (?, ...)` statements are run as many rows per statement as
SQLite's oldest bound on parameters allows, at most `MULTI_ROWS` (`INSERT ... VALUES (...),
(...), ...`; 124 quotes): SQLite then parses, binds and steps once per statement, which
measured ~0.4 us less per quote than one `executemany` step per row at 64 rows, and 0.06 us
less again at 124 (250 and 500 rows were no faster).
"""

from __future__ import annotations

import functools
import logging
import re
import sqlite3
from collections.abc import Callable, Iterator, Mapping, Sequence
from functools import lru_cache
from itertools import chain
from sqlite3 import DataError, IntegrityError, InterfaceError, ProgrammingError
from typing import Final

import aiosqlite

from arbot.domain import Quote
from arbot.storage.db import on_connection_thread
from arbot.storage.rows import Row

log = logging.getLogger(__name__)

MULTI_ROWS: Final = 128
# The most parameters one statement may bind: SQLite's SQLITE_MAX_VARIABLE_NUMBER, 999
# before 3.32 and 32766 since. The older bound holds everywhere; a statement too wide for
# MULTI_ROWS rows within it takes as many rows as fit.
MAX_VARIABLES: Final = 999
_VALUES: Final = re.compile(r"(INSERT INTO .+ VALUES\s*)(\((?:\?,\s*)*\?\))\s*", re.S)

# Errors that mean "this row can never be written", as opposed to "not now".
_BAD_ROW = (IntegrityError, InterfaceError, ProgrammingError, DataError, OverflowError, TypeError)

Result = tuple[dict[str, int], str | None, dict[str, int]]
Builders = Mapping[str, Callable[[list[Quote | Row]], list[Row]]]


async def commit_batch(
    conn: aiosqlite.Connection, sql: Mapping[str, str], pending: Mapping[str, list[Row | Quote]],
    builders: Builders,
) -> Result:
    """Commit `pending` (items per statement key of `sql`; rows, or what `builders` makes
    rows of) in one transaction; return (rejected per table, why, rows the statements
    changed per table). Any other error escapes with nothing committed, so the caller
    still holds the whole batch."""
    return await on_connection_thread(
        conn, functools.partial(write_batch, sql_for=sql, pending=pending, builders=builders))


def write_batch(raw: sqlite3.Connection, *, sql_for: Mapping[str, str],
                pending: Mapping[str, list[Row | Quote]], builders: Builders) -> Result:
    """`commit_batch` on the database thread."""
    rows_for: dict[str, Sequence[Row]] = {}
    for table, items in pending.items():
        if items:
            build = builders.get(table)
            rows_for[table] = build(items) if build is not None else items  # type: ignore[assignment]
    try:
        return _transaction(raw, sql_for, rows_for, careful=False)
    except _BAD_ROW:
        # Some row can never be written; find it without losing the others.
        return _transaction(raw, sql_for, rows_for, careful=True)


def _transaction(
    raw: sqlite3.Connection,
    sql_for: Mapping[str, str],
    rows_for: Mapping[str, Sequence[Row]],
    *,
    careful: bool,
) -> Result:
    """Write the rows between BEGIN and COMMIT; return (rejected per table, why, rows the
    statements changed per table: an `INSERT ... WHERE NOT EXISTS` may change fewer rows
    than it was given).

    Fast mode: multi-row statements or one executemany per statement; a bad row escapes
    and the caller retries carefully. Careful mode: row by row, skipping (and counting)
    the rows that fail.
    """
    rejected: dict[str, int] = {}
    changed: dict[str, int] = {}
    why: str | None = None
    if raw.in_transaction:  # left open by a failure mid-way; the connection is ours
        raw.execute("ROLLBACK")
    raw.execute("BEGIN IMMEDIATE")
    try:
        for table, rows in rows_for.items():
            sql = sql_for[table]
            if not careful:
                changed[table] = _insert_all(raw, sql, rows)
                continue
            for row in rows:
                try:
                    changed[table] = changed.get(table, 0) + raw.execute(sql, row).rowcount
                except _BAD_ROW as exc:
                    rejected[table] = rejected.get(table, 0) + 1
                    why = f"{table} row rejected ({exc}): {row!r}"[:500]
        raw.execute("COMMIT")
    except Exception:
        if raw.in_transaction:
            try:
                raw.execute("ROLLBACK")
            except Exception as exc:  # the original error is the one worth reporting
                log.debug("rollback failed: %s", exc)
        raise
    return rejected, why, changed


def _insert_all(raw: sqlite3.Connection, sql: str, rows: Sequence[Row]) -> int:
    """Run `sql` for every row, many rows per statement (`multi_row`) where it is a plain
    INSERT; return the rows changed."""
    multi = multi_row(sql)
    if multi is None:
        return raw.executemany(sql, rows).rowcount
    many_sql, per, width = multi
    if set(map(len, rows)) != {width}:  # a row of the wrong width would shift the others
        return raw.executemany(sql, rows).rowcount  # it raises for that row
    whole = len(rows) - len(rows) % per
    changed = 0
    if whole:
        changed += raw.executemany(many_sql, _flat(rows, whole, per)).rowcount
    if whole < len(rows):
        changed += raw.executemany(sql, rows[whole:]).rowcount
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
    """The parameters of each multi-row statement, built as `executemany` runs."""
    for i in range(0, whole, per):
        yield list(chain.from_iterable(rows[i:i + per]))
