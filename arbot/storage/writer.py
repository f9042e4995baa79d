"""The single batched database writer: a bounded queue drained by one long-lived task.

Commits are what costs (per-row ~3k rows/s, batches of 1000 ~400k rows/s), so each flush
writes everything pending as ONE transaction, one `executemany` per statement. The live
hot path calls `offer_quote`, which never waits: on a full queue the quote is thinned
(counted, not queued), so a slow disk never stalls market data. Imports use `put_quote`,
which waits for room. A failed flush (locked) keeps its batch and retries it; rows the
database refuses outright (constraint, wrong type) are skipped one by one and counted in
`stats.rows_rejected` with the reason in `stats.last_error`. A database that cannot be
written at all (disk full, I/O error) stops the writer instead of retrying forever: one
warning, every row it holds or is offered later counted in `stats.unwritten`, `on_stopped`
told why, and `close()` returns at once. Nothing is dropped silently.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from collections import deque
from collections.abc import Callable, Mapping
from sqlite3 import DataError, IntegrityError, InterfaceError, ProgrammingError

import aiosqlite

from arbot.domain import Quote
from arbot.storage.db import DatabaseError, database_error, storage_lost
from arbot.storage.rows import STATEMENTS, Row, WriterStats, quote_row

log = logging.getLogger(__name__)

# Errors that mean "this row can never be written", as opposed to "not now".
_BAD_ROW = (IntegrityError, InterfaceError, ProgrammingError, DataError, OverflowError, TypeError)

class Writer:
    """Owns the write side of one aiosqlite connection (see module docstring).

    Use `start()` for a task of its own (named ``arbot-db-writer``) or run `run()` in a
    TaskGroup or Textual worker; either way `close()` writes everything and stops it. The
    writer does not close the connection: whoever opened it does. Give the writer its own
    connection; readers should open another (e.g. `open_db(path, readonly=True)`).
    """

    def __init__(
        self,
        conn: aiosqlite.Connection,
        *,
        batch_rows: int = 1000,
        flush_ms: float = 200.0,
        queue_rows: int = 100_000,
        retry_s: float = 1.0,
        statements: Mapping[str, str] = STATEMENTS,
        on_stopped: Callable[[str], None] | None = None,
    ) -> None:
        if batch_rows < 1 or queue_rows < 1 or flush_ms < 0 or retry_s < 0:
            raise ValueError("batch_rows and queue_rows must be >= 1, flush_ms and retry_s >= 0")
        self.stats = WriterStats(dict.fromkeys(statements, 0), {}, dict.fromkeys(statements, 0))
        self._conn = conn
        self._batch_rows = batch_rows
        self._flush_s = flush_ms / 1000.0
        self._retry_s = retry_s
        self._sql = dict(statements)
        self._queue: asyncio.Queue[tuple[str, Row]] = asyncio.Queue(maxsize=queue_rows)
        self._pending: dict[str, list[Row]] = {key: [] for key in self._sql}
        self._kept: deque[tuple[str, Row]] = deque()  # rows that must never be thinned
        # _accepted: rows ever queued; _done: rows ever committed or rejected (a FIFO prefix
        # of _accepted); _flush_target: the highest _accepted a flush() is waiting for.
        self._pending_n = self._accepted = self._done = self._flush_target = self._putters = 0
        self._idle = self._closing = self._closed = False
        self._wake = asyncio.Event()
        self._progress = asyncio.Condition()
        self._stopped = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._runner: asyncio.Task[object] | None = None
        self._on_stopped = on_stopped

    def offer_quote(self, q: Quote) -> bool:
        """Queue a quote without waiting; False (and counted as thinned) if the queue is full."""
        return self.offer("quotes", quote_row(q))

    async def put_quote(self, q: Quote) -> None:
        """Queue a quote, waiting for room: for imports where nothing may be lost."""
        await self.put("quotes", quote_row(q))

    def offer(self, table: str, row: Row) -> bool:
        """Queue `row` for statement `table` without waiting; False if thinned or closed."""
        if self.stats.stopped is not None:
            self._check(table)
            self.stats.unwritten += 1
            return False
        if self._closing or table not in self._sql:
            self._check(table)
            self.stats.refused_closed += 1
            return False
        try:
            self._queue.put_nowait((table, row))
        except asyncio.QueueFull:
            self.stats.thinned[table] = self.stats.thinned.get(table, 0) + 1
            return False
        self._accepted_one()
        return True

    def keep(self, table: str, row: Row) -> None:
        """Queue a row that must never be thinned (episodes, runs, feed events) without
        waiting. These are rare, so they bypass the bounded queue and go into the next batch.
        """
        self._check(table)
        if self.stats.stopped is not None:
            self.stats.unwritten += 1
            return
        if self._closing:
            raise RuntimeError("the database writer is closed")
        self._kept.append((table, row))
        self._accepted_one()

    async def put(self, table: str, row: Row) -> None:
        """Queue `row` for statement `table`, waiting while the queue is full."""
        self._check(table)
        if not self._gave_up():
            if self._closing:
                raise RuntimeError("the database writer is closed")
            self._putters += 1
            try:
                await self._queue.put((table, row))
            finally:
                self._putters -= 1
            if not self._gave_up():
                self._accepted_one()
                return
            self._drop_held()  # stopped while this row waited for room
        else:
            self.stats.unwritten += 1
        raise DatabaseError(f"the database cannot be written: {self.stats.stopped}",
                            kind="disk_full")

    def _gave_up(self) -> bool:
        return self.stats.stopped is not None

    def _check(self, table: str) -> None:
        if table not in self._sql:
            raise KeyError(f"no statement registered for {table!r}")

    def _accepted_one(self) -> None:
        self._accepted += 1
        # Wake the drain task only when it has something to do now: waking it per row
        # would defeat the flush interval.
        if self._idle or self._pending_n + self._queued() >= self._batch_rows:
            self._wake.set()

    def _queued(self) -> int:
        return self._queue.qsize() + len(self._kept)

    @property
    def pending(self) -> int:
        """Rows accepted but not yet committed (queued or in the batch being written)."""
        return self._accepted - self._done

    async def start(self) -> None:
        """Run the drain loop in a task of its own. Idempotent."""
        if self._closing:
            raise RuntimeError("the database writer is closed")
        if self._task is None:
            self._task = asyncio.create_task(self.run(), name="arbot-db-writer")

    async def run(self) -> None:
        """The drain loop: returns after `close()` once everything is written. Never raises
        except on cancellation, so a database problem cannot take the app down."""
        if self._runner is not None and not self._runner.done():
            await self._stopped.wait()  # already draining elsewhere: just share its lifetime
            return
        self._runner = asyncio.current_task()
        self._stopped.clear()
        try:
            while self.stats.stopped is None and not (
                self._closing and self._pending_n == 0 and not self._queued() and not self._putters
            ):
                try:
                    await self._cycle()
                except asyncio.CancelledError:
                    raise
                except Exception as exc:  # a driver or programming error: record, retry
                    self._failed(exc)
                    await asyncio.sleep(self._retry_s)
        finally:
            self._stopped.set()

    async def flush(self, give_up_s: float | None = None) -> None:
        """Return once every row queued before this call is committed (or rejected).

        Waits through retries while the database is failing (and until the drain loop runs,
        if it has not started yet); with `give_up_s`, raises `DatabaseError` instead, as
        it does at once if the writer has stopped (the disk is full).
        """
        target = self._accepted
        if self._done >= target and self.stats.stopped is None:
            return
        if self._stopped.is_set() or self.stats.stopped is not None:
            raise self._unwritten_error(max(target - self._done, self.stats.unwritten))
        self._flush_target = max(self._flush_target, target)
        self._wake.set()
        try:
            async with asyncio.timeout(give_up_s), self._progress:
                await self._progress.wait_for(
                    lambda: self._done >= target or self.stats.stopped is not None)
        except TimeoutError:
            raise self._unwritten_error(target - self._done) from None
        if self.stats.stopped is not None:
            raise self._unwritten_error(self.stats.unwritten)

    async def close(self, give_up_s: float | None = None) -> None:
        """Write everything queued, then stop the drain loop. Idempotent.

        Works whether the loop is running, never started, or was cancelled (e.g. its
        TaskGroup shut down first): then it drains here. With `give_up_s`, gives up after
        that long (the database stays locked), stops the loop and raises `DatabaseError`
        saying how many rows were not written.
        """
        if self._closed:
            return
        self._closing = True
        self._wake.set()
        try:
            async with asyncio.timeout(give_up_s):
                if self._runner is None or self._runner.done():
                    await self.run()
                else:
                    await self._stopped.wait()
                if self._task is not None:
                    await asyncio.wait({self._task})  # it may have started late (see run())
        except TimeoutError:
            runner = self._runner
            if runner is not None and runner is not asyncio.current_task():
                runner.cancel()
                await asyncio.gather(runner, return_exceptions=True)
            raise self._unwritten_error(self.pending) from None
        finally:
            self._closed = True

    async def __aenter__(self) -> Writer:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    def _urgent(self) -> bool:
        return self._closing or self._flush_target > self._done

    async def _wait(self, seconds: float | None) -> None:
        """Sleep until woken by a producer, flush() or close(), or after `seconds`."""
        self._wake.clear()
        if (
            self._urgent()
            or (self._idle and self._queued())
            or self._pending_n + self._queued() >= self._batch_rows
        ):
            return
        try:
            async with asyncio.timeout(seconds):
                await self._wake.wait()
        except TimeoutError:
            pass

    def _take(self) -> None:
        """Move kept rows, then queued rows up to `batch_rows`, into the pending batch."""
        while self._kept:
            table, row = self._kept.popleft()
            self._pending[table].append(row)
            self._pending_n += 1
        while self._pending_n < self._batch_rows and not self._queue.empty():
            table, row = self._queue.get_nowait()
            self._pending[table].append(row)
            self._pending_n += 1

    async def _cycle(self) -> None:
        """Gather one batch (until full, `flush_ms` after it started, or urgent) and write it."""
        loop = asyncio.get_running_loop()
        if self._pending_n == 0:
            self._idle = True
            try:
                await self._wait(None)
            finally:
                self._idle = False
        deadline = loop.time() + self._flush_s
        while True:
            self._take()
            if self._pending_n == 0 or self._pending_n >= self._batch_rows or self._urgent():
                break
            remaining = deadline - loop.time()
            if remaining <= 0:
                break
            await self._wait(remaining)
        if self._pending_n and not await self._write() and self.stats.stopped is None:
            await asyncio.sleep(self._retry_s)

    async def _write(self) -> bool:
        """Commit the pending batch in one transaction; keep it on failure. True if committed."""
        started = time.perf_counter()
        try:
            try:
                rejected, why, changed = await self._transaction(careful=False)
            except _BAD_ROW:
                # Some row can never be written; find it without losing the others.
                rejected, why, changed = await self._transaction(careful=True)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            self._failed(exc)
            if self.stats.stopped is not None:
                async with self._progress:
                    self._progress.notify_all()  # flush() waiters: nothing more will come
            return False
        n, stats = self._pending_n, self.stats
        for table, rows in self._pending.items():
            bad = rejected.get(table, 0)
            stats.rows_written[table] += len(rows) - bad
            stats.rows_rejected[table] += bad
            stats.rows_changed[table] = stats.rows_changed.get(table, 0) + changed.get(table, 0)
            rows.clear()
        if why is not None:
            stats.last_error = why
            log.warning("database refused %d rows: %s", sum(rejected.values()), why)
        if stats.consecutive_failures:
            log.info("database writes recovered after %d failures", stats.consecutive_failures)
        self._pending_n, self._done = 0, self._done + n
        stats.flushes += 1
        stats.consecutive_failures = 0
        stats.last_flush_rows = n
        stats.last_flush_s = time.perf_counter() - started
        async with self._progress:
            self._progress.notify_all()
        return True

    async def _transaction(
        self, *, careful: bool
    ) -> tuple[dict[str, int], str | None, dict[str, int]]:
        """Write the pending rows between BEGIN and COMMIT; return (rejected per table, why,
        rows the statements changed per table: an `INSERT ... WHERE NOT EXISTS` may change
        fewer rows than it was given).

        Fast mode: one executemany per statement; a bad row escapes and the caller retries
        carefully. Careful mode: row by row, skipping (and counting) the rows that fail.
        """
        conn = self._conn
        rejected: dict[str, int] = {}
        changed: dict[str, int] = {}
        why: str | None = None
        if conn.in_transaction:  # left open by a flush cancelled mid-way; the connection is ours
            await conn.execute("ROLLBACK")
        await conn.execute("BEGIN IMMEDIATE")
        try:
            for table, rows in self._pending.items():
                if not rows:
                    continue
                sql = self._sql[table]
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

    def _failed(self, exc: Exception) -> None:
        is_db = isinstance(exc, sqlite3.Error)
        message = database_error(exc).message if is_db else f"{type(exc).__name__}: {exc}"
        self.stats.failed_flushes += 1
        self.stats.consecutive_failures += 1
        self.stats.last_error = message
        lost = storage_lost(exc)
        if lost is not None:
            self._stop_writing(lost)
        elif self.stats.consecutive_failures == 1:
            log.warning("database write failed, will retry: %s", message)

    def _stop_writing(self, why: str) -> None:
        """The database cannot be written: drop what is held (counted), write nothing
        more, and say so once. Retrying would only hold every stop until the disk has
        room again, which nothing guarantees."""
        self.stats.stopped = why
        held = self._drop_held()
        log.warning("recording stopped: %s; %d rows not written, and nothing more will be "
                    "recorded until ArBot is restarted with room to write", why, held)
        if self._on_stopped is not None:
            self._on_stopped(why)

    def _drop_held(self) -> int:
        """Count as unwritten, and forget, every row in the batch and the queues."""
        held = self._pending_n + self._queued()
        for rows in self._pending.values():
            rows.clear()
        self._kept.clear()
        while not self._queue.empty():
            self._queue.get_nowait()
        self._pending_n = 0
        self._done = self._accepted
        self.stats.unwritten += held
        return held

    def _unwritten_error(self, rows: int) -> DatabaseError:
        reason = self.stats.last_error or "the writer made no progress"
        return DatabaseError(f"{rows} rows were not written to the database: {reason}")
