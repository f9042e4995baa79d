"""The producer side of the database writer: the bounded buffers, the rows that may never
be thinned, and the batch they are gathered into.

Kept apart from the drain loop (`arbot.storage.writer`) because this is the part the live
hot path calls, and its rules are about waiting, not writing: `offer` never waits (full
buffers thin the row, counted), `put` waits for room (imports, where nothing may be lost),
`keep` bypasses the bound for the rare rows that must never be thinned.

Rows wait in one plain list per statement, not in an `asyncio.Queue`, and the drain loop
takes a whole batch with one slice. A recorded quote is one `list.append` of the `Quote`
itself on the tick path: its row tuple is built on the database thread as the batch is
written (`rows.ROW_BUILDERS`), and no counter is touched per quote. Each list is first in,
first out, and the rows a statement ever accepted are the rows moved out of its buffer
(taken into a batch, kept, or dropped) plus those still in it, so the writer can tell
`flush()` callers exactly when the rows they queued are done, and a writer that stopped
can say how many were never written.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Mapping
from typing import Final

from arbot.domain import Quote
from arbot.storage.db import DatabaseError
from arbot.storage.rows import Row, WriterStats

NEVER: Final = 1 << 62  # a wake threshold no buffer reaches


class Intake:
    """Accepts rows for the statements in `statements` and hands them over in batches of
    at most `batch_rows`; `Writer` adds the task that commits them."""

    def __init__(self, *, batch_rows: int, queue_rows: int, statements: Mapping[str, str]) -> None:
        self.stats = WriterStats(dict.fromkeys(statements, 0), {}, dict.fromkeys(statements, 0))
        self._batch_rows = batch_rows
        self._queue_rows = queue_rows
        self._sql = dict(statements)
        self._buffers: dict[str, list[Row | Quote]] = {key: [] for key in self._sql}
        self._quotes = self._buffers.get("quotes", [])  # the hot one, bound once
        self._pending: dict[str, list[Row | Quote]] = {key: [] for key in self._sql}
        self._kept: deque[tuple[str, Row]] = deque()  # rows that must never be thinned
        # Per statement, rows moved out of its buffer (into a batch, or dropped) or kept;
        # with the rows still buffered, that is every row it accepted.
        self._moved_by = dict.fromkeys(self._sql, 0)
        self._done_by = dict.fromkeys(self._sql, 0)  # committed or rejected
        self._others = 0  # rows buffered for statements other than quotes
        self._pending_n = self._done = self._putters = 0
        self._idle = self._closing = False
        self._wake = asyncio.Event()
        self._room = asyncio.Event()
        # The tick path's two limits, kept current by whatever changes them: quotes
        # beyond `_quote_room` are thinned (0 once closing or stopped, or without a quotes
        # statement), and the one that makes the quotes buffer reach `_wake_quotes` wakes
        # the drain loop (set only while it sleeps, so a burst wakes it once).
        self._quote_room = 0
        self._wake_quotes = NEVER
        self._set_quote_room()

    def offer_quote(self, q: Quote) -> bool:
        """Buffer a quote without waiting; False (and counted as thinned) if the buffers are
        full. The live tick path: one append and two comparisons when there is room."""
        quotes = self._quotes
        if len(quotes) >= self._quote_room:
            return self.offer("quotes", q)  # refused: counted there, as any refused row
        quotes.append(q)
        if len(quotes) >= self._wake_quotes:
            self._wake_quotes = NEVER
            self._wake.set()
        return True

    async def put_quote(self, q: Quote) -> None:
        """Buffer a quote, waiting for room: for imports where nothing may be lost."""
        await self.put("quotes", q)

    def offer(self, table: str, row: Row | Quote) -> bool:
        """Buffer `row` for statement `table` without waiting; False if thinned or closed."""
        if self.stats.stopped is not None:
            self._check(table)
            self.stats.unwritten += 1
            return False
        if self._closing or table not in self._sql:
            self._check(table)
            self.stats.refused_closed += 1
            return False
        if self._buffered() >= self._queue_rows:
            self.stats.thinned[table] = self.stats.thinned.get(table, 0) + 1
            return False
        self._buffers[table].append(row)
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
        self._moved_by[table] += 1
        self._wake_for_rare()

    async def put(self, table: str, row: Row | Quote) -> None:
        """Buffer `row` for statement `table`, waiting while the buffers are full."""
        self._check(table)
        if self._closing and not self._gave_up():
            raise RuntimeError("the database writer is closed")
        while not self._gave_up() and self._buffered() >= self._queue_rows:
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
        self._accepted_one(table)

    def _gave_up(self) -> bool:
        return self.stats.stopped is not None

    def _check(self, table: str) -> None:
        if table not in self._sql:
            raise KeyError(f"no statement registered for {table!r}")

    def _accepted_one(self, table: str) -> None:
        """A row was appended to `table`'s buffer."""
        if table != "quotes":
            self._others += 1
            self._set_quote_room()
        self._wake_for_rare()

    def _wake_for_rare(self) -> None:
        # Wake the drain task only when it has something to do now: waking it per row
        # would defeat the flush interval.
        if self._idle or self._pending_n + self._queued() >= self._batch_rows:
            self._wake.set()

    def _set_quote_room(self) -> None:
        """How long the quotes buffer may grow: the bound less the other buffered rows."""
        if "quotes" not in self._sql or self._closing or self.stats.stopped is not None:
            self._quote_room = 0
        else:
            self._quote_room = self._queue_rows - self._others

    def _close_intake(self) -> None:
        """Accept nothing more from `offer` and `put` (kept rows are refused too)."""
        self._closing = True
        self._set_quote_room()

    def _buffered(self) -> int:
        return self._others + len(self._quotes)

    def _queued(self) -> int:
        return self._buffered() + len(self._kept)

    def _accepted_by(self) -> dict[str, int]:
        """Rows ever accepted, per statement."""
        buffers = self._buffers
        return {table: n + len(buffers[table]) for table, n in self._moved_by.items()}

    @property
    def pending(self) -> int:
        """Rows accepted but not yet committed (buffered or in the batch being written)."""
        return sum(self._accepted_by().values()) - self._done

    def _take(self) -> None:
        """Move kept rows, then buffered rows up to `batch_rows`, into the pending batch:
        one slice per statement, statements in registry order."""
        while self._kept:
            table, row = self._kept.popleft()
            self._pending[table].append(row)
            self._pending_n += 1
        room = self._batch_rows - self._pending_n
        if room <= 0:
            return
        for table, buffer in self._buffers.items():
            n = min(room, len(buffer))
            if not n:
                continue
            self._pending[table] += buffer[:n]
            del buffer[:n]
            self._moved_by[table] += n
            if buffer is not self._quotes:
                self._others -= n
            self._pending_n += n
            room -= n
            if not room:
                break
        self._set_quote_room()
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
        for table, buffer in self._buffers.items():
            self._moved_by[table] += len(buffer)
            buffer.clear()
        for rows in self._pending.values():
            rows.clear()
        self._kept.clear()
        self._pending_n = self._others = 0
        accepted = self._accepted_by()
        self._done = sum(accepted.values())
        self._done_by.update(accepted)
        self.stats.unwritten += held
        self._set_quote_room()
        self._room.set()  # putters waiting for room learn that none will come
        return held
