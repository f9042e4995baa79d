"""A Parquet archive (`arbot archive`) as the backtest's history: a local folder or any
fsspec URL (`s3://bucket/arbot` once s3fs is installed, `memory://...` in tests).

Quotes and book snapshots stream in (receive time, id) order (`merge`), so memory holds a
batch per file of one day, not the history. Runs and feed events are small (one row per
start of ArBot, one per change of a connection's state) and are read whole.
"""

from __future__ import annotations

import bisect
import json
from collections.abc import Sequence
from dataclasses import replace
from typing import Any, Final

import fsspec
import pyarrow.parquet as pq

from arbot.backtest.books import LOOK_BACK_NS, ReplayBooks
from arbot.backtest.books import Row as BookRow
from arbot.backtest.feedevents import feed_status
from arbot.backtest.history import Events, Pages
from arbot.backtest.source import Pair, RecordedRun, Window
from arbot.domain import FeedStatus, Quote, Venue
from arbot.parquet import layout
from arbot.parquet.merge import (
    VENUE_COLUMN,
    FileRows,
    Part,
    TableRows,
    list_parts,
    row_group_span,
)
from arbot.storage.db import DatabaseError
from arbot.storage.transfercosts import COLUMNS, Stored, costs_from_rows

_VENUES: Final = tuple(Venue)
BATCH_ROWS: Final = 16_384
QUOTE_COLUMNS: Final = ("id", "ts_recv_ns", "ts_exchange_ms", "symbol", "bid", "bid_size",
                        "ask", "ask_size")
BOOK_COLUMNS: Final = ("id", "ts_recv_ns", "ts_exchange_ms", "symbol", "bids", "asks")


class ParquetHistory:
    """`arbot.backtest.history.History` over an archive folder or URL."""

    def __init__(self, url: str) -> None:
        self.label = url
        try:
            self.fs, root = fsspec.core.url_to_fs(url)
        except (ImportError, ValueError) as exc:
            raise DatabaseError(f"cannot open {url}: {exc}", kind="cannot_open") from exc
        self.root = str(root).rstrip("/")
        if not self.fs.isdir(self.root):
            raise DatabaseError(f"{url} is not a folder", kind="cannot_open")
        self.quote_parts = list_parts(self.fs, self.root, layout.QUOTES)
        if not self.quote_parts and not self.fs.exists(f"{self.root}/{layout.RUNS_FILE}"):
            raise DatabaseError(f"{url} is not an ArBot archive (no quotes/ and no "
                                f"{layout.RUNS_FILE}); write one with `arbot archive --to`",
                                kind="foreign")
        self.book_parts = list_parts(self.fs, self.root, layout.BOOKS)
        self._events: list[tuple[int, int, str, str, str | None]] | None = None

    def runs(self) -> list[RecordedRun]:
        path = f"{self.root}/{layout.RUNS_FILE}"
        if not self.fs.exists(path):
            return []
        with self.fs.open(path, "rb") as f:
            rows = pq.read_table(f, columns=["id", "started_ns", "ended_ns", "demo",
                                             "settings"]).to_pylist()
        rows.sort(key=lambda r: (r["started_ns"], r["id"]))
        return [RecordedRun(r["id"], r["started_ns"], r["ended_ns"], bool(r["demo"]),
                            r["settings"]) for r in rows]

    def transfer_costs(self) -> Stored:
        path = f"{self.root}/{layout.COSTS_FILE}"
        if not self.fs.exists(path):
            return {}
        names = [c.strip() for c in COLUMNS.split(",")]
        with self.fs.open(path, "rb") as f:
            rows = pq.read_table(f, columns=names).to_pylist()
        return costs_from_rows([tuple(r[n] for n in names) for r in rows])

    def _all_events(self) -> list[tuple[int, int, str, str, str | None]]:
        """Every feed event as a `feed_events` row, in (time, id) order."""
        if self._events is None:
            parts = list_parts(self.fs, self.root, layout.FEED_EVENTS)
            rows = TableRows(self.fs, parts, layout.FEED_EVENTS,
                             ("id", "ts_ns", "kind", "detail"), None, None, None, 65_536)
            out: list[tuple[int, int, str, str, str | None]] = []
            while (t := rows.next()) is not None:
                venues = [_VENUES[v].value for v in t.column(VENUE_COLUMN).to_pylist()]
                out.extend(zip(t.column("id").to_pylist(), t.column("ts_ns").to_pylist(),
                               venues, t.column("kind").to_pylist(),
                               t.column("detail").to_pylist(), strict=True))
            self._events = out
        return self._events

    def has_feed_events(self, since_ns: int, until_ns: int | None) -> bool:
        events = self._all_events()
        i = bisect.bisect_left(events, since_ns, key=lambda e: e[1])
        return i < len(events) and (until_ns is None or events[i][1] < until_ns)

    def time_span(self, window: Window) -> tuple[int, int] | None:
        """From the row groups' statistics, clipped to the window (exact without one)."""
        lo: int | None = None
        hi: int | None = None
        for part in self.quote_parts:
            with self.fs.open(part.path, "rb") as f:
                meta = pq.ParquetFile(f).metadata
                col = meta.schema.to_arrow_schema().get_field_index("ts_recv_ns")
                for i in range(meta.num_row_groups):
                    span = row_group_span(meta.row_group(i), col)
                    if span is None:
                        continue
                    a, b = span
                    if window.since_ns is not None:
                        if b < window.since_ns:
                            continue
                        a = max(a, window.since_ns)
                    if window.until_ns is not None:
                        if a >= window.until_ns:
                            continue
                        b = min(b, window.until_ns - 1)
                    lo = a if lo is None else min(lo, a)
                    hi = b if hi is None else max(hi, b)
        return None if lo is None or hi is None else (lo, hi)

    def quote_pages(self, window: Window, page_rows: int) -> Pages:
        """Read in batches of at least `BATCH_ROWS` per file: each merged batch costs a few
        Arrow calls (filter, concatenate, sort), which small batches pay too often
        (measured on 1M quotes: 16k rows replayed ~10-25% faster than 2k); handed out in
        pages of `page_rows`."""
        return QuotePages(self.fs, self.quote_parts, window, max(page_rows, BATCH_ROWS),
                          page_rows)

    def pair_stats(self, window: Window) -> dict[tuple[str, str], Pair]:
        """From the files' metadata where a file lies inside the window (its name says
        which times it covers), else one pass over its symbol and time columns."""
        stats: dict[tuple[str, str], Pair] = {}
        lo = None if window.since_ns is None else layout.day_of(window.since_ns)
        hi = None if window.until_ns is None else layout.day_of(window.until_ns - 1)
        chosen = None if window.symbols is None else set(window.symbols)
        for part in self.quote_parts:
            if (lo is not None and part.day < lo) or (hi is not None and part.day > hi):
                continue
            assert part.venue is not None
            venue = _VENUES[part.venue].value
            counted = self._file_symbols(part, window)
            if counted is None:
                counted = self._count_symbols(part, window)
            for symbol, (n, first) in counted.items():
                if chosen is not None and symbol not in chosen:
                    continue
                old = stats.get((venue, symbol))
                stats[(venue, symbol)] = (Pair(n, first) if old is None else Pair(
                    old.quotes + n, min(old.first_ns, first)))
        return stats

    def _file_symbols(self, part: Part, window: Window) -> dict[str, tuple[int, int]] | None:
        """A file's own count per symbol, when it lies inside the window and has one."""
        cover = layout.coverage(part.path.rsplit("/", 1)[-1])
        if cover is None or (window.since_ns is not None and cover.since_ns < window.since_ns) \
                or (window.until_ns is not None and cover.until_ns > window.until_ns):
            return None
        with self.fs.open(part.path, "rb") as f:
            meta = pq.read_metadata(f).metadata or {}
        text = meta.get(layout.SYMBOLS_KEY.encode())
        if text is None:
            return None
        try:
            return {str(s): (int(v[0]), int(v[1])) for s, v in json.loads(text).items()}
        except (ValueError, TypeError, IndexError, KeyError, AttributeError):
            return None  # not what `arbot archive` writes: count the quotes themselves

    def _count_symbols(self, part: Part, window: Window) -> dict[str, tuple[int, int]]:
        counted: dict[str, tuple[int, int]] = {}
        rows = FileRows(self.fs, replace(part, venue=None), layout.QUOTES,
                        ("ts_recv_ns", "symbol"), window.since_ns, window.until_ns,
                        window.symbols, 65_536)
        while (t := rows.next()) is not None:
            grouped = t.group_by("symbol").aggregate([("ts_recv_ns", "count"),
                                                      ("ts_recv_ns", "min")])
            for symbol, n, first in zip(grouped.column("symbol").to_pylist(),
                                        grouped.column("ts_recv_ns_count").to_pylist(),
                                        grouped.column("ts_recv_ns_min").to_pylist(),
                                        strict=True):
                old = counted.get(symbol)
                counted[symbol] = (n, first) if old is None else (old[0] + n,
                                                                  min(old[1], first))
        return counted

    def feed_events(self, since_ns: int | None, until_ns: int | None) -> Events:
        events = [s for s in map(feed_status, self._all_events())
                  if s is not None and (since_ns is None or s.ts_ns >= since_ns)
                  and (until_ns is None or s.ts_ns < until_ns)]
        return ListEvents(events)

    def books(self, window: Window, run_start_ns: int | None) -> ReplayBooks | None:
        since = None if window.since_ns is None else window.since_ns - LOOK_BACK_NS
        lo = None if since is None else layout.day_of(since)
        hi = None if window.until_ns is None else layout.day_of(window.until_ns - 1)
        if not any((lo is None or p.day >= lo) and (hi is None or p.day <= hi)
                   for p in self.book_parts):
            return None
        return ReplayBooks(BookRows(self.fs, self.book_parts, window), window,
                           run_start_ns=run_start_ns)

    def close(self) -> None:
        """Files are opened per day as the streams reach it and closed after it."""


class ListEvents:
    """Feed statuses held in a list (an archive's are read whole)."""

    def __init__(self, events: list[FeedStatus]) -> None:
        self._events = events
        self._pos = 0

    def peek_ns(self) -> int | None:
        return self._events[self._pos].ts_ns if self._pos < len(self._events) else None

    def pop(self) -> FeedStatus:
        self._pos += 1
        return self._events[self._pos - 1]


class QuotePages:
    """Quotes of the window in (receive time, id) order: merged batches of `batch_rows`
    per file, each handed out as pages of `page_rows` quotes, made when asked for (a
    page's Python objects stay in the CPU caches while the engine works through them, as
    for `arbot.backtest.source.QuotePages`)."""

    def __init__(self, fs: Any, parts: list[Part], window: Window, batch_rows: int,
                 page_rows: int) -> None:
        self._rows = TableRows(fs, parts, layout.QUOTES, QUOTE_COLUMNS, window.since_ns,
                               window.until_ns, window.symbols, batch_rows)
        self._page_rows = page_rows
        self._batch: Any = None  # the merged batch being handed out, from `_pos`
        self._pos = 0
        self._symbols: dict[str, str] = {}  # one str object per symbol: hashed once

    def next_page(self) -> list[Quote]:
        if self._batch is None or self._pos >= self._batch.num_rows:
            self._batch, self._pos = self._rows.next(), 0
            if self._batch is None:
                return []
        t = self._batch.slice(self._pos, self._page_rows)
        self._pos += self._page_rows
        intern = self._symbols.setdefault
        symbols = t.column("symbol").combine_chunks().dictionary_encode()
        names = [intern(s, s) for s in symbols.dictionary.to_pylist()]
        venues = _VENUES
        exchange = t.column("ts_exchange_ms")
        return [Quote(venue=venues[v], symbol=names[s], bid=b, bid_size=bs, ask=a,
                      ask_size=az, ts_exchange_ms=te, ts_recv_ns=ts)
                for ts, te, v, s, b, bs, a, az in zip(
                    _ints(t, "ts_recv_ns"),
                    exchange.to_pylist() if exchange.null_count else _ints(t, "ts_exchange_ms"),
                    _ints(t, VENUE_COLUMN), symbols.indices.to_pylist(),
                    _floats(t, "bid"), _floats(t, "bid_size"), _floats(t, "ask"),
                    _floats(t, "ask_size"), strict=True)]


def _ints(t: Any, name: str) -> list[int]:
    return t.column(name).to_numpy().tolist()  # type: ignore[no-any-return]


def _floats(t: Any, name: str) -> list[float]:
    return t.column(name).to_numpy().tolist()  # type: ignore[no-any-return]


class BookRows:
    """`arbot.backtest.books.BookRows` of an archive."""

    def __init__(self, fs: Any, parts: list[Part], window: Window) -> None:
        self._fs = fs
        self._parts = parts
        self._window = window
        self._rows = TableRows(fs, parts, layout.BOOKS, BOOK_COLUMNS, window.since_ns,
                               window.until_ns, window.symbols, 2_048)

    def next_page(self) -> list[BookRow]:
        t = self._rows.next()
        return [] if t is None else _book_rows(t)

    def before(self, since_ns: int, run_start_ns: int | None) -> list[BookRow]:
        start = since_ns - LOOK_BACK_NS
        if run_start_ns is not None:
            start = max(start, run_start_ns)
        rows = TableRows(self._fs, self._parts, layout.BOOKS, BOOK_COLUMNS, start, since_ns,
                         self._window.symbols, 2_048)
        latest: dict[tuple[str, str], BookRow] = {}
        while (t := rows.next()) is not None:
            for row in _book_rows(t):
                latest[(row[3], row[4])] = row
        return sorted(latest.values(), key=lambda r: (r[1], r[0]))


def _book_rows(t: Any) -> list[BookRow]:
    venues: Sequence[str] = [_VENUES[v].value for v in t.column(VENUE_COLUMN).to_pylist()]
    return list(zip(t.column("id").to_pylist(), t.column("ts_recv_ns").to_pylist(),
                    t.column("ts_exchange_ms").to_pylist(), venues,
                    t.column("symbol").to_pylist(), t.column("bids").to_pylist(),
                    t.column("asks").to_pylist(), strict=True))
