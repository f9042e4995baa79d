"""Recording order books (`[storage] record_books`): a venue's top levels, throttled.

The books themselves live in the shared `DepthBoard` (written by the feed); the recorder
hears quotes, and a venue that keeps a book makes each quote from its book right after
the book changed, so a quote is the moment to look at the book. At most one snapshot per
`record_books_ms` per (venue, symbol) is offered to the writer, and only of a book that
is synced: a book being resynced is not the venue's and would replay as a lie.

`BookSampler` decides which books to keep (also for `arbot import raw`, which rebuilds
books from captured depth frames); `BookRecorder` offers them to the writer. Like quotes,
snapshots are offered, never waited for: a writer that falls behind thins
them (counted in the writer's stats), so recording can never hold up market data.
"""

from __future__ import annotations

from typing import Final, Literal

from arbot.depth.board import VENUE_ORDER, DepthBoard
from arbot.domain import Quote
from arbot.storage.books import BOOK_SNAPSHOTS, BookSnapshot, book_row
from arbot.storage.intake import Intake

BookMode = Literal["throttled", "off"]
_INDEX: Final = {v: i for i, v in enumerate(VENUE_ORDER)}


class BookSampler:
    """The books of `board` worth storing as quotes arrive: at most one snapshot per
    `every_ms` per (venue, symbol), of a synced book, `levels` per side at most the
    board's own depth. Shared by the live recorder and `arbot import raw`."""

    __slots__ = ("_books", "_every_ns", "_last", "levels", "skipped", "taken")

    def __init__(self, board: DepthBoard, every_ms: int, levels: int) -> None:
        self._books = board.books
        self._every_ns = every_ms * 1_000_000
        self.levels = max(1, min(levels, board.levels))
        self._last: dict[tuple[int, str], int] = {}
        self.taken = 0
        self.skipped = 0  # within the interval of the last snapshot of its book

    def take_over(self, old: BookSampler) -> None:
        """Carry on from `old` (settings changed): its counts and last snapshot times."""
        self._last = old._last
        self.taken = old.taken
        self.skipped = old.skipped

    def sample(self, q: Quote) -> BookSnapshot | None:
        """The book `q` was made from, if it is synced and its interval has passed."""
        i = _INDEX[q.venue]
        book = self._books[i].get(q.symbol)
        if book is None or not book.synced:
            return None
        key = (i, q.symbol)
        t = q.ts_recv_ns
        last = self._last.get(key)
        if last is not None and t - last < self._every_ns:
            self.skipped += 1
            return None
        self._last[key] = t
        n = self.levels
        self.taken += 1
        return BookSnapshot(venue=q.venue, symbol=q.symbol, bids=book.bids.top_text(n),
                            asks=book.asks.top_text(n), ts_exchange_ms=q.ts_exchange_ms,
                            ts_recv_ns=t)


class BookRecorder:
    """Offers `board`'s books to `writer` (see module docstring)."""

    __slots__ = ("sampler", "writer")

    def __init__(self, writer: Intake, board: DepthBoard, every_ms: int, levels: int) -> None:
        self.writer = writer
        self.sampler = BookSampler(board, every_ms, levels)

    @property
    def offered(self) -> int:
        return self.sampler.taken

    @property
    def skipped(self) -> int:
        return self.sampler.skipped

    def take_over(self, old: BookRecorder) -> None:
        self.sampler.take_over(old.sampler)

    def on_quote(self, q: Quote) -> None:
        snap = self.sampler.sample(q)
        if snap is not None:
            self.writer.offer(BOOK_SNAPSHOTS, book_row(snap))
