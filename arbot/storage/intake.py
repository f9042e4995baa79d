"""The producer side of the database writer: the bounded queue, the rows that may never be
thinned, and the batch they are gathered into.

Kept apart from the drain loop (`arbot.storage.writer`) because this is the part the live
hot path calls, and its rules are about waiting, not writing: `offer` never waits (a full
queue thins the row, counted), `put` waits for room (imports, where nothing may be lost),
`keep` bypasses the queue for the rare rows that must never be thinned. Every row accepted
is counted, so the writer can tell `flush()` callers exactly which rows are done, and a
writer that stopped can say how many were never written.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Mapping

from arbot.domain import Quote
from arbot.storage.db import DatabaseError
from arbot.storage.rows import Row, WriterStats, quote_row


class Intake:
    """Accepts rows for the statements in `statements` and hands them over in batches of
    at most `batch_rows`; `Writer` adds the task that commits them."""

    def __init__(self, *, batch_rows: int, queue_rows: int, statements: Mapping[str, str]) -> None:
        self.stats = WriterStats(dict.fromkeys(statements, 0), {}, dict.fromkeys(statements, 0))
        self._batch_rows = batch_rows
        self._sql = dict(statements)
        self._queue: asyncio.Queue[tuple[str, Row]] = asyncio.Queue(maxsize=queue_rows)
        self._pending: dict[str, list[Row]] = {key: [] for key in self._sql}
        self._kept: deque[tuple[str, Row]] = deque()  # rows that must never be thinned
        # _accepted: rows ever queued; _done: rows ever committed or rejected (a FIFO prefix
        # of _accepted).
        self._pending_n = self._accepted = self._done = self._putters = 0
        self._idle = self._closing = False
        self._wake = asyncio.Event()

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
