"""Recording order books (`[storage] record_books`): a venue's top levels, throttled.

The books themselves live in the shared `DepthBoard` (written by the feed); the recorder
hears quotes, and a venue that keeps a book makes each quote from its book right after
the book changed, so a quote is the moment to look at the book. At most one snapshot per
`record_books_ms` per (venue, symbol) is offered to the writer, and only of a book that
is synced: a book being resynced is not the venue's and would replay as a lie.

Like quotes, snapshots are offered, never waited for: a writer that falls behind thins
them (counted in the writer's stats), so recording can never hold up market data.
"""

from __future__ import annotations

from typing import Final, Literal

from arbot.depth.board import VENUE_ORDER, DepthBoard
from arbot.domain import Quote
from arbot.storage.books import BOOK_SNAPSHOTS, encode_levels
from arbot.storage.intake import Intake
from arbot.storage.rows import VENUE_TEXT

BookMode = Literal["throttled", "off"]
_INDEX: Final = {v: i for i, v in enumerate(VENUE_ORDER)}


class BookRecorder:
    """Offers `board`'s books to `writer` (see module docstring). `levels` per side, at
    most the board's own depth (`[market] depth`)."""

    __slots__ = ("_books", "_every_ns", "_last", "levels", "offered", "skipped", "writer")

    def __init__(self, writer: Intake, board: DepthBoard, every_ms: int, levels: int) -> None:
        self.writer = writer
        self._books = board.books
        self._every_ns = every_ms * 1_000_000
        self.levels = max(1, min(levels, board.levels))
        self._last: dict[tuple[int, str], int] = {}
        self.offered = 0
        self.skipped = 0  # within the interval of the last snapshot of its book

    def take_over(self, old: BookRecorder) -> None:
        """Carry on from `old` (settings changed): its counts and last snapshot times."""
        self._last = old._last
        self.offered = old.offered
        self.skipped = old.skipped

    def on_quote(self, q: Quote) -> None:
        i = _INDEX[q.venue]
        book = self._books[i].get(q.symbol)
        if book is None or not book.synced:
            return
        key = (i, q.symbol)
        t = q.ts_recv_ns
        last = self._last.get(key)
        if last is not None and t - last < self._every_ns:
            self.skipped += 1
            return
        self._last[key] = t
        n = self.levels
        self.offered += 1
        self.writer.offer(BOOK_SNAPSHOTS, (t, q.ts_exchange_ms, VENUE_TEXT[q.venue], q.symbol,
                                           encode_levels(book.bids.top_text(n)),
                                           encode_levels(book.asks.top_text(n))))
