"""The backtest's read side: one recorded database opened read-only, streamed in pages.

Quotes come in (ts_recv_ns, id) order as keyset pages over the `quotes_ts` index, so
each page is one indexed range query, memory holds one page, and no statement stays open
between pages. Rows are decoded straight from the cursor into `Quote`s, with the venue
taken from a shared table.

Quote pages are read through APSW, everything else through the sqlite3 module. Turning a
row's columns into Python objects is most of a page's cost, and the sqlite3 module (3.11)
releases and retakes the GIL around every column it converts: measured on 1M recorded
quotes, 8 columns cost ~0.95-1.5 us per row there and ~0.55-0.7 us through APSW, the
same SQL. Runs are few and read whole; feed events (venue states) are paged by
`feedevents`.

This is synchronous code on its own connections, called between pages. Reading ahead on
a worker thread was measured and gained nothing: building the rows' Python objects needs
the GIL the engine holds, and the thread hand-offs slowed every trade's settlement.
"""

from __future__ import annotations

import gc
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import apsw

from arbot.domain import Quote, Venue
from arbot.storage.db import DEFAULT_BUSY_TIMEOUT_S, MIGRATIONS, DatabaseError, database_error
from arbot.storage.files import connect_readonly, readonly_uri

# Small pages replay fastest (measured on 10M quotes, 4 venues x 100 symbols: 2k rows
# ~605k quotes/s, 5k ~565k, 50k ~510k): a page's Python objects (~1 MB) stay in the CPU
# caches while the engine works through them, and the few quotes the engine keeps pin
# less of the allocator's memory. A page costs one short indexed query.
PAGE_ROWS: Final = 2_000
MIN_SCHEMA: Final = 2  # quotes, feed events and runs as read here exist from step 2 on
_VENUES: Final = tuple(Venue)
_VENUE_CODE: Final = "CASE venue " + " ".join(
    f"WHEN '{v.value}' THEN {i}" for i, v in enumerate(_VENUES)) + " END"
_QUOTE_COLUMNS: Final = (f"ts_recv_ns, ts_exchange_ms, {_VENUE_CODE}, symbol, bid, bid_size, ask,"
                         " ask_size")


@dataclass(frozen=True)
class RecordedRun:
    """One row of `runs`: when the live engine ran, in demo or not, with what settings."""

    id: int
    started_ns: int
    ended_ns: int | None
    demo: bool
    settings: str | None  # JSON, as `arbot.config.run.run_settings` stored it


@dataclass(frozen=True)
class Pair:
    """One venue's quotes of one symbol in a window: how many, and when the first came."""

    quotes: int
    first_ns: int


@dataclass(frozen=True)
class Window:
    """What to replay: receive times in [since_ns, until_ns) and these symbols (None: all)."""

    since_ns: int | None = None
    until_ns: int | None = None
    symbols: tuple[str, ...] | None = None


def connect(path: str | Path) -> sqlite3.Connection:
    """A read-only connection (nothing can be written to the source, ever; see
    `storage.files.connect_readonly`), checked to be an ArBot database of this version."""
    p = Path(path).expanduser()
    conn = connect_readonly(p, DEFAULT_BUSY_TIMEOUT_S)
    try:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    except sqlite3.Error as exc:
        conn.close()
        raise database_error(exc, p) from exc
    latest = len(MIGRATIONS)
    if version > latest:
        conn.close()
        raise DatabaseError(
            f"database {p} was created by a newer ArBot (schema {version}, this version "
            f"reads up to {latest}); upgrade ArBot", kind="newer_schema", path=p)
    if version < MIN_SCHEMA or not {"quotes", "runs", "feed_events"} <= tables:
        conn.close()
        raise DatabaseError(
            f"{p} is not an ArBot recording this version can replay (schema {version}); "
            "open it once with write access (run ArBot on it) to upgrade it",
            kind="outdated_schema" if version else "foreign", path=p)
    return conn


def window_sql(w: Window, ts: str) -> tuple[list[str], list[object]]:
    clauses: list[str] = []
    params: list[object] = []
    if w.since_ns is not None:
        clauses.append(f"{ts} >= ?")
        params.append(w.since_ns)
    if w.until_ns is not None:
        clauses.append(f"{ts} < ?")
        params.append(w.until_ns)
    return clauses, params


def quote_reader(conn: sqlite3.Connection) -> apsw.Connection:
    """An APSW connection to the file `conn` (from `connect`) reads, opened the same way."""
    path = next(row[2] for row in conn.execute("PRAGMA database_list") if row[1] == "main")
    try:
        reader = apsw.Connection(readonly_uri(path, DEFAULT_BUSY_TIMEOUT_S),
                                 flags=apsw.SQLITE_OPEN_READONLY | apsw.SQLITE_OPEN_URI)
        reader.set_busy_timeout(round(DEFAULT_BUSY_TIMEOUT_S * 1000))
    except apsw.Error as exc:
        raise database_error(exc, path) from exc
    return reader


class QuotePages:
    """Keyset pages of decoded quotes; call `next_page()` until it returns [] (the reader
    closes after the last page; `close()` closes it earlier)."""

    def __init__(self, conn: sqlite3.Connection, window: Window, page_rows: int = PAGE_ROWS
                 ) -> None:
        if page_rows < 1:
            raise ValueError("page_rows must be >= 1")
        self._conn = quote_reader(conn)
        self._rows = page_rows
        since = Window(window.since_ns, None)
        clauses, self._params = window_sql(Window(None, window.until_ns), "ts_recv_ns")
        if window.symbols is not None:
            # `+symbol` keeps the planner on quotes_ts: a walk in time order that skips other
            # symbols, rather than the symbol index and a sort of everything left per page.
            clauses.append(f"+symbol IN ({', '.join('?' * len(window.symbols))})")
            self._params.extend(window.symbols)
        first, self._first_params = window_sql(since, "ts_recv_ns")
        first += clauses
        self._first_params += self._params
        base = f"SELECT {_QUOTE_COLUMNS} FROM quotes"
        # Pages continue from the last receive time, skipping the rows already read at that
        # time (ties keep id order, the index's own), so `id` need not be fetched per row:
        # the sqlite3 module's per-column conversion is most of a row's cost. The start of
        # the window is left out then: with two lower bounds SQLite may start every page's
        # index walk at the window's start.
        self._first = (f"{base}{' WHERE ' + ' AND '.join(first) if first else ''}"
                       " ORDER BY ts_recv_ns, id LIMIT ?")
        self._next = (f"{base} WHERE ts_recv_ns >= ?{''.join(' AND ' + c for c in clauses)}"
                      " ORDER BY ts_recv_ns, id LIMIT ? OFFSET ?")
        self._last_ns: int | None = None
        self._seen_at_last = 0  # rows already read whose receive time is _last_ns
        self._done = False
        self.rows = 0

    def next_page(self) -> list[Quote]:
        """The next page in (ts_recv_ns, id) order; [] when there is no more.

        The collector is paused while a page is read and decoded: the rows are tuples the
        collector tracks, and thousands of them living through a few collections would be
        promoted and make full collections frequent (measured: 5-10% of a replay). They
        are gone before it resumes, and the `Quote`s it keeps are untracked (gc=False).
        """
        if self._done:
            return []
        enabled = gc.isenabled()
        gc.disable()
        try:
            return self._read()
        finally:
            if enabled:
                gc.enable()

    def _read(self) -> list[Quote]:
        if self._last_ns is None:
            sql, params = self._first, (*self._first_params, self._rows)
        else:
            sql, params = self._next, (self._last_ns, *self._params, self._rows,
                                       self._seen_at_last)
        venues = _VENUES
        try:
            page = [Quote(venue=venues[v], symbol=s, bid=b, bid_size=bs, ask=a, ask_size=az,
                          ts_exchange_ms=te, ts_recv_ns=t)
                    for (t, te, v, s, b, bs, a, az) in self._conn.execute(sql, params)]
        except apsw.Error as exc:
            raise database_error(exc) from exc
        except TypeError:  # the CASE gave NULL: a venue this ArBot does not know
            bad = next(r for r in self._conn.execute(sql, params) if r[2] is None)
            raise DatabaseError(f"a quote received at {bad[0]} ns names a venue this ArBot "
                                "does not know") from None
        if len(page) < self._rows:
            self._done = True
            self.close()
        if not page:
            return []
        last = page[-1].ts_recv_ns
        tail = 1
        while tail < len(page) and page[-1 - tail].ts_recv_ns == last:
            tail += 1
        self._seen_at_last = (self._seen_at_last + tail if tail == len(page)
                              and last == self._last_ns else tail)
        self._last_ns = last
        self.rows += len(page)
        return page

    def close(self) -> None:
        self._conn.close()


def recorded_runs(conn: sqlite3.Connection) -> list[RecordedRun]:
    """Every run, oldest first (a handful: one per start of ArBot)."""
    try:
        rows = conn.execute("SELECT id, started_ns, ended_ns, demo, settings FROM runs"
                            " ORDER BY started_ns, id").fetchall()
    except sqlite3.Error as exc:
        raise database_error(exc) from exc
    return [RecordedRun(i, s, e, bool(d), j) for i, s, e, d, j in rows]


def time_span(conn: sqlite3.Connection, window: Window) -> tuple[int, int] | None:
    """First and last receive time in the window (two index lookups), None if empty."""
    clauses, params = window_sql(window, "ts_recv_ns")
    where = " WHERE " + " AND ".join(clauses) if clauses else ""
    try:
        lo = conn.execute(f"SELECT min(ts_recv_ns) FROM quotes{where}", params).fetchone()[0]
        hi = conn.execute(f"SELECT max(ts_recv_ns) FROM quotes{where}", params).fetchone()[0]
    except sqlite3.Error as exc:
        raise database_error(exc) from exc
    return None if lo is None else (int(lo), int(hi))


def pair_stats(conn: sqlite3.Connection, window: Window) -> dict[tuple[str, str], Pair]:
    """Per (venue, symbol), its quotes in the window and the first one's receive time:
    one pass over its range of the time index."""
    clauses, params = window_sql(window, "ts_recv_ns")
    if window.symbols is not None:
        clauses.append(f"+symbol IN ({', '.join('?' * len(window.symbols))})")
        params.extend(window.symbols)
    where = " WHERE " + " AND ".join(clauses) if clauses else ""
    try:
        rows = conn.execute(f"SELECT venue, symbol, count(*), min(ts_recv_ns) FROM quotes{where}"
                            " GROUP BY venue, symbol", params).fetchall()
    except sqlite3.Error as exc:
        raise database_error(exc) from exc
    return {(str(v), str(s)): Pair(int(n), int(t)) for v, s, n, t in rows}
