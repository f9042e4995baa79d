"""Where a backtest reads recorded history from: an ArBot database (`SqliteHistory`) or a
Parquet archive written by `arbot archive` (`arbot.parquet.history`, research extra).

Both give the replay the same things in the same order: runs, quote pages in (receive
time, id) order, feed events, book snapshots. So a backtest of the archive is the
backtest of the database it was archived from.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Protocol

from arbot.backtest import feedevents, source
from arbot.backtest.books import ReplayBooks, has_books
from arbot.backtest.source import Pair, RecordedRun, Window
from arbot.domain import FeedStatus, Quote
from arbot.storage.transfercosts import COLUMNS, Stored, costs_from_rows


class Pages(Protocol):
    def next_page(self) -> list[Quote]:
        """The next quotes in (receive time, id) order; [] when there are no more."""
        ...


class Events(Protocol):
    def peek_ns(self) -> int | None:
        """Time of the next feed event, None when there are no more."""
        ...

    def pop(self) -> FeedStatus: ...


class History(Protocol):
    label: str  # what the report names as its source

    def runs(self) -> list[RecordedRun]: ...

    def has_feed_events(self, since_ns: int, until_ns: int | None) -> bool: ...

    def time_span(self, window: Window) -> tuple[int, int] | None:
        """First and last receive time of a quote in the window, None if it has none."""
        ...

    def quote_pages(self, window: Window, page_rows: int) -> Pages: ...

    def pair_stats(self, window: Window) -> dict[tuple[str, str], Pair]:
        """Per (venue, symbol): quotes in the window and the first one's time (a split
        backtest balances its partitions, and seeds a time window with the last quote of
        each pair that quoted before it)."""
        ...

    def feed_events(self, since_ns: int | None, until_ns: int | None) -> Events: ...

    def books(self, window: Window, run_start_ns: int | None) -> ReplayBooks | None:
        """The window's book snapshots; None when the history holds none for it."""
        ...

    def transfer_costs(self) -> Stored:
        """The coin information recorded with the history (each venue's last read); {}
        when none was (an import, a recording from before migration 9)."""
        ...

    def close(self) -> None: ...


class SqliteHistory:
    """A recording, opened read-only twice: one connection streams the quotes, the other
    reads everything else between pages."""

    def __init__(self, db: Path) -> None:
        self.label = str(db)
        self._read = source.connect(db)
        try:
            self._meta = source.connect(db)
        except BaseException:
            self._read.close()
            raise

    def runs(self) -> list[RecordedRun]:
        return source.recorded_runs(self._meta)

    def has_feed_events(self, since_ns: int, until_ns: int | None) -> bool:
        return feedevents.has_feed_events(self._meta, since_ns, until_ns)

    def time_span(self, window: Window) -> tuple[int, int] | None:
        return source.time_span(self._read, window)

    def quote_pages(self, window: Window, page_rows: int) -> Pages:
        return source.QuotePages(self._read, window, page_rows)

    def pair_stats(self, window: Window) -> dict[tuple[str, str], Pair]:
        return source.pair_stats(self._read, window)

    def feed_events(self, since_ns: int | None, until_ns: int | None) -> Events:
        return feedevents.FeedEvents(self._meta, since_ns, until_ns)

    def books(self, window: Window, run_start_ns: int | None) -> ReplayBooks | None:
        if not has_books(self._meta, window):
            return None
        return ReplayBooks(self._meta, window, run_start_ns=run_start_ns)

    def transfer_costs(self) -> Stored:
        try:
            rows = self._meta.execute(f"SELECT {COLUMNS} FROM transfer_costs").fetchall()
        except sqlite3.OperationalError:  # recorded before the table existed
            return {}
        return costs_from_rows(rows)

    def close(self) -> None:
        self._read.close()
        self._meta.close()

