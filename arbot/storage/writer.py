"""The single batched database writer: bounded buffers drained by one long-lived task.

Commits are what costs (per-row ~3k rows/s, batches of 1000 ~400k rows/s), so each flush
writes everything pending as ONE transaction (multi-row INSERTs, see `commit`). The live
hot path calls `offer_quote`, which never waits: on full buffers the quote is thinned
(counted, not kept), so a slow disk never stalls market data. Imports use `put_quote`,
which waits for room. A failed flush (locked) keeps its batch and retries it; rows the
database refuses outright (constraint, wrong type) are skipped one by one and counted in
`stats.rows_rejected` with the reason in `stats.last_error`. A database that cannot be
written at all (disk full, I/O error) stops the writer instead of retrying forever: one
warning, every row it holds or is offered later counted in `stats.unwritten`, `on_stopped`
told why, and `close()` returns at once. Nothing is dropped silently.

This module is the drain loop and its failure handling; the buffers the rows wait in are
`arbot.storage.intake`, and the one transaction a batch is committed in is
`arbot.storage.commit`.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from collections.abc import Callable, Mapping

import aiosqlite

from arbot.storage.commit import Builders, Result, commit_batch
from arbot.storage.db import DatabaseError, database_error, storage_lost
from arbot.storage.intake import NEVER, Intake
from arbot.storage.rows import ROW_BUILDERS, STATEMENTS

log = logging.getLogger(__name__)


class Writer(Intake):
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
        builders: Builders = ROW_BUILDERS,
        on_stopped: Callable[[str], None] | None = None,
    ) -> None:
        if batch_rows < 1 or queue_rows < 1 or flush_ms < 0 or retry_s < 0:
            raise ValueError("batch_rows and queue_rows must be >= 1, flush_ms and retry_s >= 0")
        super().__init__(batch_rows=batch_rows, queue_rows=queue_rows, statements=statements)
        self._conn = conn
        self._builders = builders
        self._flush_s = flush_ms / 1000.0
        self._retry_s = retry_s
        self._flush_target: dict[str, int] = {}  # per statement, the rows flush() waits for
        self._closed = False
        self._progress = asyncio.Condition()
        self._stopped = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._runner: asyncio.Task[object] | None = None
        # The batch being committed on the database thread. A cancelled drain loop leaves
        # it running there (it cannot be stopped half way); the next `_write` takes its
        # outcome instead of writing the same batch again.
        self._inflight: asyncio.Future[Result] | None = None
        self._on_stopped = on_stopped

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
        target = self._accepted_by()
        if self._all_done(target) and self.stats.stopped is None:
            return
        if self._stopped.is_set() or self.stats.stopped is not None:
            raise self._unwritten_error(max(self._behind(target), self.stats.unwritten))
        for table, n in target.items():
            self._flush_target[table] = max(self._flush_target.get(table, 0), n)
        self._wake.set()
        try:
            async with asyncio.timeout(give_up_s), self._progress:
                await self._progress.wait_for(
                    lambda: self._all_done(target) or self.stats.stopped is not None)
        except TimeoutError:
            raise self._unwritten_error(self._behind(target)) from None
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
        self._close_intake()
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

    def _behind(self, target: Mapping[str, int]) -> int:
        """Rows of `target` (accepted counts per statement) not done yet."""
        return sum(max(0, n - self._done_by[table]) for table, n in target.items())

    def _urgent(self) -> bool:
        return self._closing or not self._all_done(self._flush_target)

    async def _wait(self, seconds: float | None) -> None:
        """Sleep until woken by a producer, flush() or close(), or after `seconds`."""
        self._wake.clear()
        if (
            self._urgent()
            or (self._idle and self._queued())
            or self._pending_n + self._queued() >= self._batch_rows
        ):
            return
        # A quote wakes the loop when there is one to write at all (idle), or a full batch.
        self._wake_quotes = (1 if self._idle else
                             self._batch_rows - self._pending_n - self._queued()
                             + len(self._quotes))
        try:
            async with asyncio.timeout(seconds):
                await self._wake.wait()
        except TimeoutError:
            pass
        finally:
            self._wake_quotes = NEVER

    async def _cycle(self) -> None:
        """Gather one batch (until full, `flush_ms` after it started, or urgent) and write it
        (or first see the one still being committed through)."""
        if self._inflight is None:
            await self._gather()
        if self._pending_n and not await self._write() and self.stats.stopped is None:
            await asyncio.sleep(self._retry_s)

    async def _gather(self) -> None:
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

    async def _write(self) -> bool:
        """Commit the pending batch in one transaction; keep it on failure. True if committed."""
        started = time.perf_counter()
        if self._inflight is None:
            self._inflight = asyncio.ensure_future(
                commit_batch(self._conn, self._sql, self._pending, self._builders))
            self._inflight.add_done_callback(_retrieved)
        try:
            rejected, why, changed = await asyncio.shield(self._inflight)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            self._inflight = None
            self._failed(exc)
            if self.stats.stopped is not None:
                async with self._progress:
                    self._progress.notify_all()  # flush() waiters: nothing more will come
            return False
        self._inflight = None
        n, stats = self._pending_n, self.stats
        for table, rows in self._pending.items():
            bad = rejected.get(table, 0)
            stats.rows_written[table] += len(rows) - bad
            stats.rows_rejected[table] += bad
            stats.rows_changed[table] = stats.rows_changed.get(table, 0) + changed.get(table, 0)
        if why is not None:
            stats.last_error = why
            log.warning("database refused %d rows: %s", sum(rejected.values()), why)
        if stats.consecutive_failures:
            log.info("database writes recovered after %d failures", stats.consecutive_failures)
        self._committed()
        stats.flushes += 1
        stats.consecutive_failures = 0
        stats.last_flush_rows = n
        stats.last_flush_s = time.perf_counter() - started
        async with self._progress:
            self._progress.notify_all()
        return True

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

    def _unwritten_error(self, rows: int) -> DatabaseError:
        reason = self.stats.last_error or "the writer made no progress"
        return DatabaseError(f"{rows} rows were not written to the database: {reason}")


def _retrieved(done: asyncio.Future[Result]) -> None:
    """Mark a batch's failure as seen, so a writer abandoned while it was in flight does
    not log "exception was never retrieved" (the next `_write`, if any, reports it)."""
    if not done.cancelled():
        done.exception()
