"""The producer side of the database writer: the bounded buffers, the rows that may never
be thinned, and the batch they are gathered into.

Kept apart from the drain loop (`arbot.storage.writer`) because this is the part the live
hot path calls, and its rules are about waiting, not writing: `offer` never waits (full
buffers thin the row, counted), `put` waits for room (imports, where nothing may be lost),
`keep` bypasses the bound for the rare rows that must never be thinned.

Rows wait in one plain list per statement, not in an `asyncio.Queue`: a recorded quote is
one tuple and one `list.append` on the tick path, and the drain loop takes a whole batch
with one slice instead of a `get` per row. Each list is first in, first out, and every
row accepted is counted per statement, so the writer can tell `flush()` callers exactly
when the rows they queued are done, and a writer that stopped can say how many were never
written.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Mapping

from arbot.domain import Quote
from arbot.storage.db import DatabaseError
from arbot.storage.rows import VENUE_TEXT, Row, WriterStats, quote_row


class Intake:
    """Accepts rows for the statements in `statements` and hands them over in batches of
    at most `batch_rows`; `Writer` adds the task that commits them."""

    def __init__(self, *, batch_rows: int, queue_rows: int, statements: Mapping[str, str]) -> None:
        self.stats = WriterStats(dict.fromkeys(statements, 0), {}, dict.fromkeys(statements, 0))
        self._batch_rows = batch_rows
        self._queue_rows = queue_rows
        self._sql = dict(statements)
        self._buffers: dict[str, list[Row]] = {key: [] for key in self._sql}
        self._quotes = self._buffers.get("quotes", [])  # the hot one, bound once
        # Without a quotes statement every quote takes `offer`'s path, which refuses it.
        self._quote_room = queue_rows if "quotes" in self._sql else -1
        self._pending: dict[str, list[Row]] = {key: [] for key in self._sql}
        self._kept: deque[tuple[str, Row]] = deque()  # rows that must never be thinned
        # Rows ever accepted and ever committed or rejected, in total and per statement
        # (each statement's rows are done in the order they were accepted).
        self._accepted_by = dict.fromkeys(self._sql, 0)
        self._done_by = dict.fromkeys(self._sql, 0)
        self._pending_n = self._buffered = self._accepted = self._done = self._putters = 0
        self._idle = self._closing = False
        self._wake = asyncio.Event()
        self._room = asyncio.Event()

    def offer_quote(self, q: Quote) -> bool:
        """Buffer a quote without waiting; False (and counted as thinned) if the buffers are
        full. The live tick path: one tuple and one append when there is room."""
        if self._buffered >= self._quote_room or self._closing or self.stats.stopped:
            return self.offer("quotes", ())  # counted there, as any refused row
        self._quotes.append((q.ts_recv_ns, q.ts_exchange_ms, VENUE_TEXT[q.venue], q.symbol,
                             q.bid, q.bid_size, q.ask, q.ask_size))
        self._buffered += 1
        self._accepted_by["quotes"] += 1
        self._accepted += 1
        if self._idle or self._pending_n + self._buffered >= self._batch_rows:
            self._wake.set()
        return True

    async def put_quote(self, q: Quote) -> None:
        """Buffer a quote, waiting for room: for imports where nothing may be lost."""
        await self.put("quotes", quote_row(q))

    def offer(self, table: str, row: Row) -> bool:
        """Buffer `row` for statement `table` without waiting; False if thinned or closed."""
        if self.stats.stopped is not None:
            self._check(table)
            self.stats.unwritten += 1
            return False
        if self._closing or table not in self._sql:
            self._check(table)
            self.stats.refused_closed += 1
            return False
        if self._buffered >= self._queue_rows:
            self.stats.thinned[table] = self.stats.thinned.get(table, 0) + 1
            return False
        self._buffers[table].append(row)
        self._buffered += 1
        self._accepted_one(table)
        return True

    def keep(self, table: str, row: Row) -> None:
        """Queue a row that must never be thinned (episodes, runs, feed events) without
        waiting. These are rare, so they bypass the bound and go into the next batch.
        """
        self._check(table)
        if self.stats.stopped is not None:
            self.stats.unwritten += 1
            return
        if self._closing:
            raise RuntimeError("the database writer is closed")
        self._kept.append((table, row))
        self._accepted_one(table)

    async def put(self, table: str, row: Row) -> None:
        """Buffer `row` for statement `table`, waiting while the buffers are full."""
        self._check(table)
        if self._closing and not self._gave_up():
            raise RuntimeError("the database writer is closed")
        while not self._gave_up() and self._buffered >= self._queue_rows:
            self._room.clear()
            self._putters += 1
            try:
                await self._room.wait()
            finally:
                self._putters -= 1
        if self._gave_up():  # stopped before, or while this row waited for room
            self.stats.unwritten += 1
            raise DatabaseError(f"the database cannot be written: {self.stats.stopped}",
                                kind="disk_full")
        self._buffers[table].append(row)
        self._buffered += 1
        self._accepted_one(table)

    def _gave_up(self) -> bool:
        return self.stats.stopped is not None

    def _check(self, table: str) -> None:
        if table not in self._sql:
            raise KeyError(f"no statement registered for {table!r}")

    def _accepted_one(self, table: str) -> None:
        self._accepted_by[table] += 1
        self._accepted += 1
        # Wake the drain task only when it has something to do now: waking it per row
        # would defeat the flush interval.
        if self._idle or self._pending_n + self._queued() >= self._batch_rows:
            self._wake.set()

    def _queued(self) -> int:
        return self._buffered + len(self._kept)

    @property
    def pending(self) -> int:
        """Rows accepted but not yet committed (buffered or in the batch being written)."""
        return self._accepted - self._done

    def _take(self) -> None:
        """Move kept rows, then buffered rows up to `batch_rows`, into the pending batch:
        one slice per statement, statements in registry order."""
        while self._kept:
            table, row = self._kept.popleft()
            self._pending[table].append(row)
            self._pending_n += 1
        room = self._batch_rows - self._pending_n
        if room <= 0 or not self._buffered:
            return
        for table, buffer in self._buffers.items():
            n = min(room, len(buffer))
            if not n:
                continue
            self._pending[table] += buffer[:n]
            del buffer[:n]
            self._pending_n += n
            self._buffered -= n
            room -= n
            if not room:
                break
        if self._putters:
            self._room.set()

    def _committed(self) -> None:
        """The pending batch is done (committed, or rejected row by row): count it."""
        for table, rows in self._pending.items():
            self._done_by[table] += len(rows)
            rows.clear()
        self._done += self._pending_n
        self._pending_n = 0

    def _all_done(self, target: Mapping[str, int]) -> bool:
        done = self._done_by
        return all(done[table] >= n for table, n in target.items())

    def _drop_held(self) -> int:
        """Count as unwritten, and forget, every row in the batch and the buffers."""
        held = self._pending_n + self._queued()
        for rows in (*self._pending.values(), *self._buffers.values()):
            rows.clear()
        self._kept.clear()
        self._pending_n = self._buffered = 0
        self._done = self._accepted
        self._done_by.update(self._accepted_by)
        self.stats.unwritten += held
        self._room.set()  # putters waiting for room learn that none will come
        return held

