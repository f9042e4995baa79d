"""The read side: stream recorded quotes (as `Quote`s) and episodes (as `EpisodeRecord`s)
for export, backtests, the UI and the API, count them, expire quotes.

Recordings grow to hundreds of millions of rows, so reads are keyset-paginated on
(ts_recv_ns, id): each chunk is one indexed range query fetched whole, memory stays at one
chunk, and no statement stays open while the consumer works (which would pin the WAL and
stop checkpoints). Retention deletes in small batches, each its own short transaction, so
the live writer never waits long for the lock. Timestamps are wall-clock ns; `since_ns` is
inclusive, `until_ns` exclusive, so consecutive windows never overlap or leave gaps.
"""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Mapping
from pathlib import Path
from typing import Final, Literal

import aiosqlite

from arbot.domain import Quote, Venue
from arbot.storage.db import database_error, open_db
from arbot.storage.models import EpisodeRecord, R, columns, decode

_COLUMNS: Final = "id, ts_recv_ns, ts_exchange_ms, venue, symbol, bid, bid_size, ask, ask_size"
_VENUES: Final[Mapping[str, Venue]] = {v.value: v for v in Venue}


def _filters(
    symbol: str | None, venue: str | None, since_ns: int | None, until_ns: int | None
) -> tuple[list[str], list[object]]:
    clauses: list[str] = []
    params: list[object] = []
    if symbol is not None:
        clauses.append("symbol = ?")
        params.append(symbol)
    if venue is not None:
        clauses.append("venue = ?")
        params.append(str(venue))
    if since_ns is not None:
        clauses.append("ts_recv_ns >= ?")
        params.append(since_ns)
    if until_ns is not None:
        clauses.append("ts_recv_ns < ?")
        params.append(until_ns)
    return clauses, params


def _where(clauses: list[str]) -> str:
    return " WHERE " + " AND ".join(clauses) if clauses else ""


async def iter_quotes(
    conn: aiosqlite.Connection,
    *,
    symbol: str | None = None,
    venue: str | None = None,
    since_ns: int | None = None,
    until_ns: int | None = None,
    chunk: int = 10_000,
) -> AsyncIterator[Quote]:
    """Yield matching quotes in (ts_recv_ns, id) order, fetching `chunk` rows at a time.

    Rows committed while iterating appear if they sort after the current position.
    Raises `DatabaseError` if the database cannot be read.
    """
    if chunk < 1:
        raise ValueError("chunk must be >= 1")
    after: tuple[int, int] | None = None
    while True:
        # Once paging, the keyset alone bounds the start: with `since` kept as well, SQLite
        # walks the index from `since` on every page, quadratic over a long export.
        clauses, params = _filters(symbol, venue, since_ns if after is None else None, until_ns)
        page = clauses if after is None else [*clauses, "(ts_recv_ns, id) > (?, ?)"]
        args = params if after is None else [*params, *after]
        sql = f"SELECT {_COLUMNS} FROM quotes{_where(page)} ORDER BY ts_recv_ns, id LIMIT ?"
        try:
            rows = list(await conn.execute_fetchall(sql, (*args, chunk)))
        except sqlite3.Error as exc:
            raise database_error(exc) from exc
        for row in rows:
            text = row[3]
            yield Quote(
                venue=_VENUES.get(text) or Venue(text),
                symbol=row[4],
                bid=row[5],
                bid_size=row[6],
                ask=row[7],
                ask_size=row[8],
                ts_exchange_ms=row[2],
                ts_recv_ns=row[1],
            )
        if len(rows) < chunk:
            return
        after = (rows[-1][1], rows[-1][0])


async def count_quotes(
    conn: aiosqlite.Connection,
    *,
    symbol: str | None = None,
    venue: str | None = None,
    since_ns: int | None = None,
    until_ns: int | None = None,
) -> int:
    """Number of quotes matching the same filters as `iter_quotes`."""
    clauses, params = _filters(symbol, venue, since_ns, until_ns)
    try:
        sql = f"SELECT count(*) FROM quotes{_where(clauses)}"
        rows = list(await conn.execute_fetchall(sql, params))
    except sqlite3.Error as exc:
        raise database_error(exc) from exc
    return int(rows[0][0])


async def delete_quotes_older_than(
    conn: aiosqlite.Connection, cutoff_ns: int, batch: int = 5000,
    table: Literal["quotes", "book_snapshots"] = "quotes",
) -> int:
    """Delete quotes (or book snapshots) received before `cutoff_ns` (retention); return
    how many were deleted. Both tables have the same receive-time index.

    Each batch is its own short write transaction, so a concurrent writer (this process's
    Writer on another connection, or another ArBot) waits at most one batch. Do not run
    this on the Writer's own connection while it is writing: its transaction spans awaits.
    """
    if batch < 1:
        raise ValueError("batch must be >= 1")
    sql = (
        f"DELETE FROM {table} WHERE id IN"
        f" (SELECT id FROM {table} WHERE ts_recv_ns < ? ORDER BY ts_recv_ns LIMIT ?)"
    )
    total = 0
    while True:
        try:
            await conn.execute("BEGIN IMMEDIATE")
            try:
                cursor = await conn.execute(sql, (cutoff_ns, batch))
                deleted = cursor.rowcount
                await conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    await conn.execute("ROLLBACK")
                raise
        except sqlite3.Error as exc:
            raise database_error(exc) from exc
        total += deleted
        if deleted < batch:
            return total


async def vacuum(path: Path) -> None:
    """Compact the file (`arbot db vacuum`) and fold the WAL back into it.

    VACUUM rewrites the whole database, so it needs the write lock: run it while no other
    ArBot is recording to the file (a busy file gives the usual "locked" error).
    """
    conn = await open_db(path)
    try:
        for statement in ("PRAGMA wal_checkpoint(TRUNCATE)", "VACUUM",
                          "PRAGMA wal_checkpoint(TRUNCATE)"):
            async with conn.execute(statement) as cursor:  # run each to completion
                await cursor.fetchall()
    except sqlite3.Error as exc:
        raise database_error(exc, path) from None
    finally:
        await conn.close()


async def iter_episodes(
    conn: aiosqlite.Connection,
    *,
    symbol: str | None = None,
    since_ns: int | None = None,
    until_ns: int | None = None,
    chunk: int = 5_000,
) -> AsyncIterator[EpisodeRecord]:
    """Episodes opened in [since, until), oldest first, paged."""
    async for row in iter_by_time(conn, "opportunities", EpisodeRecord, "opened_ns",
                                  symbol=symbol, since_ns=since_ns, until_ns=until_ns,
                                  chunk=chunk):
        yield row


async def iter_by_time(conn: aiosqlite.Connection, table: str, record: type[R],
                       time_column: str, *, symbol: str | None, since_ns: int | None,
                       until_ns: int | None, chunk: int) -> AsyncIterator[R]:
    """`table` rows as `record`s, with `time_column` in [since, until) (and `symbol`), in
    (time, id) order, `chunk` rows per keyset page. Once paging, the keyset alone bounds
    the start (see iter_quotes). Raises `DatabaseError` if a row cannot be read."""
    names = columns(record)
    at = names.index(time_column) + 1  # row[0] is the id
    after: tuple[object, object] | None = None
    while True:
        clauses, params = _time_filters(time_column, symbol,
                                        since_ns if after is None else None, until_ns)
        page = clauses if after is None else [*clauses, f"({time_column}, id) > (?, ?)"]
        args = params if after is None else [*params, *after]
        sql = (f"SELECT id, {', '.join(names)} FROM {table}{_where(page)}"
               f" ORDER BY {time_column}, id LIMIT ?")
        try:
            rows = list(await conn.execute_fetchall(sql, (*args, chunk)))
        except sqlite3.Error as exc:
            raise database_error(exc) from exc
        for row in rows:
            yield decode(record, table, row[0], row[1:])
        if len(rows) < chunk:
            return
        after = (rows[-1][at], rows[-1][0])


async def count_episodes(
    conn: aiosqlite.Connection,
    *,
    symbol: str | None = None,
    since_ns: int | None = None,
    until_ns: int | None = None,
) -> int:
    """Number of episodes `iter_episodes` yields for the same filters."""
    clauses, params = _time_filters("opened_ns", symbol, since_ns, until_ns)
    try:
        sql = f"SELECT count(*) FROM opportunities{_where(clauses)}"
        rows = list(await conn.execute_fetchall(sql, params))
    except sqlite3.Error as exc:
        raise database_error(exc) from exc
    return int(rows[0][0])


def _time_filters(time_column: str, symbol: str | None, since_ns: int | None,
                  until_ns: int | None) -> tuple[list[str], list[object]]:
    clauses: list[str] = []
    params: list[object] = []
    for clause, value in (("symbol = ?", symbol), (f"{time_column} >= ?", since_ns),
                          (f"{time_column} < ?", until_ns)):
        if value is not None:
            clauses.append(clause)
            params.append(value)
    return clauses, params
