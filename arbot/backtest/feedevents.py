"""Recorded venue states (`feed_events`) read back as the `FeedStatus` the engine heard.

Kept apart from the quote pages: they are few, paged through the sqlite3 module, and
decoded the same way for SQLite recordings and Parquet archives.
"""

from __future__ import annotations

import sqlite3
from typing import Final

from arbot.backtest.source import Window, window_sql
from arbot.domain import FeedState, FeedStatus, Venue
from arbot.storage.db import database_error

_STATES: Final = {s.value: s for s in FeedState}
_VENUE_NAMES: Final = {v.value: v for v in Venue}


class FeedEvents:
    """Recorded venue states in time order, as the `FeedStatus` the engine heard, paged.

    The recorder writes `detail` as "connection N" or "connection N: error", so each
    event names its connection; a venue is usable only while all its connections are live.
    """

    def __init__(self, conn: sqlite3.Connection, since_ns: int | None, until_ns: int | None,
                 page_rows: int = 10_000) -> None:
        self._conn = conn
        self._rows = page_rows
        self._window = Window(since_ns, until_ns)
        self._after: tuple[int, int] | None = None
        self._buffer: list[FeedStatus] = []
        self._pos = 0
        self._done = False

    def peek_ns(self) -> int | None:
        """Time of the next event, None when there are no more."""
        if self._pos >= len(self._buffer) and not self._fill():
            return None
        return self._buffer[self._pos].ts_ns

    def pop(self) -> FeedStatus:
        event = self._buffer[self._pos]
        self._pos += 1
        return event

    def _fill(self) -> bool:
        while not self._done:
            w = self._window
            if self._after is None:
                clauses, params = window_sql(w, "ts_ns")
            else:  # one lower bound, or SQLite may walk from the window's start every page
                clauses, params = window_sql(Window(None, w.until_ns), "ts_ns")
                clauses.append("ts_ns >= ? AND (ts_ns > ? OR id > ?)")
                params.extend((self._after[0], *self._after))
            where = " WHERE " + " AND ".join(clauses) if clauses else ""
            try:
                rows = self._conn.execute(
                    f"SELECT id, ts_ns, venue, kind, detail FROM feed_events{where}"
                    " ORDER BY ts_ns, id LIMIT ?", (*params, self._rows)).fetchall()
            except sqlite3.Error as exc:
                raise database_error(exc) from exc
            self._done = len(rows) < self._rows
            if rows:
                self._after = (rows[-1][1], rows[-1][0])
            self._buffer = [e for e in map(feed_status, rows) if e is not None]
            self._pos = 0
            if self._buffer:
                return True
        return False


def feed_status(row: tuple[int, int, str, str, str | None]) -> FeedStatus | None:
    """A `feed_events` row (id, ts_ns, venue, kind, detail) as the status the engine
    heard; None for a kind or venue this ArBot does not know."""
    _, ts_ns, venue, kind, detail = row
    state = _STATES.get(kind)
    if state is None or venue not in _VENUE_NAMES:
        return None
    connection = 0
    text = (detail or "").removeprefix("connection ")
    if text != (detail or ""):
        number = text.split(":", 1)[0]
        connection = int(number) if number.isdigit() else 0
    return FeedStatus(venue=_VENUE_NAMES[venue], connection=connection, state=state,
                      frames_per_s=0.0, quotes_per_s=0.0, last_frame_age_s=None, reconnects=0,
                      drops={}, last_error=None, ts_ns=ts_ns)


def has_feed_events(conn: sqlite3.Connection, since_ns: int, until_ns: int | None) -> bool:
    clauses, params = window_sql(Window(since_ns, until_ns), "ts_ns")
    try:
        row = conn.execute(f"SELECT 1 FROM feed_events WHERE {' AND '.join(clauses)} LIMIT 1",
                           params).fetchone()
    except sqlite3.Error as exc:
        raise database_error(exc) from exc
    return row is not None
