"""The backtest's order books: recorded snapshots replayed into a `DepthBoard`, in time
order with the quotes, for the engine's depth walk and the paper executor's fills.

Live, a venue that keeps a book makes each quote from the book's top right after the
book changed, so the engine never sees a quote and a book that disagree. A recording
keeps every quote it chose to (`record_quotes`) but a book only every `record_books_ms`,
so between two snapshots the replay makes the book's top follow the quotes: levels the
quote has gone through are dropped and the quote's own level is set, the deeper levels
staying as last recorded. A snapshot taken with its quote (the recorder stores it at the
quote's receive time; `arbot import tardis-book` gives both per row) is applied first,
and the quote then changes nothing. With `record_books_ms = 0` every quote has its book
and the replay is exact.

A window that starts between two snapshots (`--from`) starts with each book's latest
snapshot of the minute before it, within the same recorded run.

Snapshots are read in (receive time, id) keyset pages over `book_snapshots_ts`, each
side decoded by msgspec straight into the (price, size) strings `L2Book.replace` takes
(`arbot.storage.books`). A recording made before book snapshots existed has no table
and replays as it did, by the top of book.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Final, Protocol

from arbot.backtest.source import Window, window_sql
from arbot.depth.board import VENUE_ORDER, DepthBoard
from arbot.depth.book import BookSide
from arbot.domain import Quote
from arbot.storage.books import decode_levels
from arbot.storage.db import DatabaseError, database_error

NEVER: Final = 2**63
PAGE_ROWS: Final = 2_000
LOOK_BACK_NS: Final = 60_000 * 1_000_000  # `[storage] record_books_ms` is at most 60 s
_VENUE_INDEX: Final = {v.value: i for i, v in enumerate(VENUE_ORDER)}
Row = tuple[int, int, int | None, str, str, str, str]  # id, ts, ts_exchange_ms, venue, ...


def has_books(conn: sqlite3.Connection, window: Window) -> bool:
    """Whether the recording holds a book snapshot for the window, or in the look-back
    before it (False before step 8)."""
    try:
        if conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table'"
                        " AND name = 'book_snapshots'").fetchone() is None:
            return False
        since = None if window.since_ns is None else window.since_ns - LOOK_BACK_NS
        clauses, params = window_sql(Window(since, window.until_ns), "ts_recv_ns")
        where = " WHERE " + " AND ".join(clauses) if clauses else ""
        return conn.execute(f"SELECT 1 FROM book_snapshots{where} LIMIT 1",
                            params).fetchone() is not None
    except sqlite3.Error as exc:
        raise database_error(exc) from exc


class ReplayBooks:
    """The snapshots of `window` applied to `board` as replay time passes (`until`), and
    the top of each book kept on its venue's quotes (`follow`).

    `board` is None while the segment replays by the top of book (`[market] depth = 1`):
    snapshots are then read past and nothing is kept."""

    def __init__(self, rows: sqlite3.Connection | BookRows, window: Window,
                 page_rows: int = PAGE_ROWS, run_start_ns: int | None = None) -> None:
        """`rows`: a recording (read with `SqliteBookRows`) or any other `BookRows`.
        `run_start_ns`: when the recorded run the window starts in began, so a window
        that starts mid-run begins with each book's latest snapshot of that run (see
        `SqliteBookRows.before`)."""
        self._rows = (SqliteBookRows(rows, window, page_rows)
                      if isinstance(rows, sqlite3.Connection) else rows)
        self._page: list[Row] = []
        self._pos = 0
        self.board: DepthBoard | None = None
        self.applied = 0  # snapshots put into a board
        self.next_ns = NEVER  # receive time of the next snapshot
        self._fill()
        if window.since_ns is not None:
            self._page[:0] = self._rows.before(window.since_ns, run_start_ns)
            self.next_ns = self._page[0][1] if self._page else NEVER

    def start(self, levels: int) -> DepthBoard | None:
        """A new segment: empty books (a run starts with none), `levels` deep; None (and
        no books kept) at depth 1."""
        self.board = DepthBoard(levels) if levels > 1 else None
        return self.board

    def until(self, t: int) -> None:
        """Apply every snapshot received at or before `t`."""
        while self.next_ns <= t:
            _, ts, ts_ms, venue, symbol, bids, asks = self._page[self._pos]
            self._pos += 1
            board = self.board
            if board is not None:
                i = _VENUE_INDEX.get(venue)
                if i is None:
                    raise DatabaseError(f"a book snapshot received at {ts} ns names a venue "
                                        "this ArBot does not know")
                book = board.books[i].get(symbol)
                if book is None:
                    book = board.book(VENUE_ORDER[i], symbol)
                try:
                    book.replace(decode_levels(bids), decode_levels(asks))
                except ValueError as exc:
                    raise DatabaseError(f"the book snapshot of {venue} {symbol} received at "
                                        f"{ts} ns cannot be read: {exc}") from None
                book.synced = True
                book.ts_exchange_ms = ts_ms
                book.ts_recv_ns = ts
                self.applied += 1
            if self._pos >= len(self._page):
                self._fill()
            else:
                self.next_ns = self._page[self._pos][1]

    def follow(self, on_quote: Callable[[Quote], None]) -> Callable[[Quote], None]:
        """`on_quote` (the engine's) preceded by the snapshots due and the quote's own top
        put on its venue's book (see module docstring)."""
        board = self.board
        if board is None:
            return on_quote
        books = board.books
        index = {v: i for i, v in enumerate(VENUE_ORDER)}

        def books_then(quote: Quote) -> None:
            if quote.ts_recv_ns >= self.next_ns:
                self.until(quote.ts_recv_ns)
            book = books[index[quote.venue]].get(quote.symbol)
            if book is not None:
                _top(book.asks, quote.ask, quote.ask_size, asks=True)
                _top(book.bids, quote.bid, quote.bid_size, asks=False)
            on_quote(quote)

        return books_then

    def _fill(self) -> None:
        """The next page, or NEVER when there is none."""
        self._page, self._pos = self._rows.next_page(), 0
        self.next_ns = self._page[0][1] if self._page else NEVER


class BookRows(Protocol):
    """Book snapshot rows in (receive time, id) order, paged."""

    def next_page(self) -> list[Row]:
        """The next rows; [] when there are no more."""
        ...

    def before(self, since_ns: int, run_start_ns: int | None) -> list[Row]:
        """Each book's latest snapshot in the `LOOK_BACK_NS` before `since_ns` (from
        `run_start_ns` on, when given), in (receive time, id) order."""
        ...


class SqliteBookRows:
    """`BookRows` of a recording, in keyset pages over `book_snapshots_ts`."""

    def __init__(self, conn: sqlite3.Connection, window: Window, page_rows: int = PAGE_ROWS
                 ) -> None:
        self._conn = conn
        self._rows = page_rows
        self._window = window
        self._after: tuple[int, int] | None = None
        self._done = False

    def before(self, since_ns: int, run_start_ns: int | None) -> list[Row]:
        """Each book's latest snapshot in the `LOOK_BACK_NS` (the longest
        `record_books_ms`) before the window, within its run: a window that starts between
        two snapshots then starts with the books as recorded, not with none until each
        book's next snapshot. One indexed range, grouped (SQLite's bare columns of a
        `max()` are those of the row holding it)."""
        start = since_ns - LOOK_BACK_NS
        if run_start_ns is not None:
            start = max(start, run_start_ns)
        params: list[object] = [start, since_ns]
        symbols = ""
        if self._window.symbols is not None:
            symbols = f" AND +symbol IN ({', '.join('?' * len(self._window.symbols))})"
            params.extend(self._window.symbols)
        try:
            rows = self._conn.execute(
                "SELECT id, max(ts_recv_ns), ts_exchange_ms, venue, symbol, bids, asks"
                " FROM book_snapshots WHERE ts_recv_ns >= ? AND ts_recv_ns < ?"
                f"{symbols} GROUP BY venue, symbol", params).fetchall()
        except sqlite3.Error as exc:
            raise database_error(exc) from exc
        return sorted(rows, key=lambda r: (r[1], r[0]))

    def next_page(self) -> list[Row]:
        page: list[Row] = []
        if not self._done:
            clauses, params = window_sql(
                self._window if self._after is None
                else Window(None, self._window.until_ns), "ts_recv_ns")
            if self._after is not None:  # one lower bound: see `feedevents.FeedEvents`
                clauses.append("ts_recv_ns >= ? AND (ts_recv_ns > ? OR id > ?)")
                params.extend((self._after[0], *self._after))
            if self._window.symbols is not None:
                clauses.append(f"+symbol IN ({', '.join('?' * len(self._window.symbols))})")
                params.extend(self._window.symbols)
            where = " WHERE " + " AND ".join(clauses) if clauses else ""
            try:
                page = self._conn.execute(
                    "SELECT id, ts_recv_ns, ts_exchange_ms, venue, symbol, bids, asks"
                    f" FROM book_snapshots{where} ORDER BY ts_recv_ns, id LIMIT ?",
                    (*params, self._rows)).fetchall()
            except sqlite3.Error as exc:
                raise database_error(exc) from exc
            self._done = len(page) < self._rows
            if page:
                self._after = (page[-1][1], page[-1][0])
        return page


def _top(side: BookSide, price: float, size: float, *, asks: bool) -> None:
    """Make (price, size) the side's best level: the levels better than it are gone (the
    quote has gone through them), its own size is the quote's."""
    keys, levels = side.keys, side.levels
    best = levels[keys[0]] if keys else None
    if best is not None and best[0] == price and best[1] == size:
        return  # the common case: the book's top is the quote
    while keys and (levels[keys[0]][0] < price if asks else levels[keys[0]][0] > price):
        side.apply(((levels[keys[0]][2], "0"),))
    side.apply(((repr(price), repr(size)),))
