"""What a run records: quotes (`[storage] record_quotes`), order books
(`record_books`, see `bookrec`), feed state changes, episodes.

It only offers rows to the writer, which never waits: if the writer falls behind, rows
are thinned there and counted (`Writer.stats.quotes_thinned`), so the database can never
hold up market data.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Literal

import msgspec

from arbot.depth.board import DepthBoard
from arbot.domain import EpisodeEvent, EpisodeKind, FeedState, FeedStatus, Quote, Venue
from arbot.events import Sink
from arbot.storage.bookrec import BookMode, BookRecorder
from arbot.storage.rows import episode_close_row, episode_open_row
from arbot.storage.writer import Writer

RecordMode = Literal["all", "changes", "throttled", "off"]


class Recorder(Sink):
    """A sink; `on_quote` is chosen once from the modes so each quote costs one call (two
    when books are recorded too).

    `depth` is the shared board of L2 books (None when no venue keeps one); books are
    recorded from it as `record_books` says (`set_books`), their levels capped by the
    board's depth."""

    def __init__(self, writer: Writer, mode: RecordMode, throttle_ms: int,
                 run_id: int = 0, *, depth: DepthBoard | None = None,
                 record_books: BookMode = "throttled", record_books_ms: int = 1000,
                 record_books_levels: int = 20) -> None:
        self.writer = writer
        self.run_id = run_id
        self.depth = depth
        self.offered = 0
        self.skipped = 0  # left out by the recording mode, not by the writer
        self.books: BookRecorder | None = None
        self._last: dict[tuple[Venue, str], Quote] = {}
        self._states: dict[tuple[Venue, int], tuple[FeedState, str | None, str | None]] = {}
        self._quote: Callable[[Quote], None] = self._off
        self.set_mode(mode, throttle_ms)
        self.set_books(record_books, record_books_ms, record_books_levels)

    def set_mode(self, mode: RecordMode, throttle_ms: int) -> None:
        """Choose what `on_quote` records; a fan-out holding the old bound method must
        `rebind()`."""
        self._throttle_ns = throttle_ms * 1_000_000
        modes = {"all": self._all, "changes": self._changes, "throttled": self._throttled,
                 "off": self._off}
        self._quote = modes[mode]
        self._bind()

    def set_books(self, mode: BookMode, every_ms: int, levels: int) -> None:
        """Choose which books `on_quote` records (nothing without a depth board); a
        fan-out holding the old bound method must `rebind()`. A book recorded before keeps
        its interval: the next snapshot comes `every_ms` after the last one."""
        old = self.books
        if mode == "off" or self.depth is None:
            self.books = None
        else:
            self.books = BookRecorder(self.writer, self.depth, every_ms, levels)
            if old is not None:
                self.books.take_over(old)
        self._bind()

    def _bind(self) -> None:
        record = self._quote
        books = self.books
        if books is None:  # one call per quote: the mode's own method, not a dispatching one
            self.on_quote = record  # type: ignore[method-assign,assignment]
            return
        book = books.on_quote

        def both(quote: Quote) -> None:
            record(quote)
            book(quote)

        self.on_quote = both  # type: ignore[method-assign]

    def _all(self, quote: Quote) -> None:
        self.offered += 1
        self.writer.offer_quote(quote)

    def _changes(self, quote: Quote) -> None:
        key = (quote.venue, quote.symbol)
        prev = self._last.get(key)
        if prev is not None and prev.bid == quote.bid and prev.ask == quote.ask \
                and prev.bid_size == quote.bid_size and prev.ask_size == quote.ask_size:
            self.skipped += 1
            return
        self._last[key] = quote
        self._all(quote)

    def _throttled(self, quote: Quote) -> None:
        key = (quote.venue, quote.symbol)
        prev = self._last.get(key)
        if prev is not None and quote.ts_recv_ns - prev.ts_recv_ns < self._throttle_ns:
            self.skipped += 1
            return
        self._last[key] = quote
        self._all(quote)

    def _off(self, quote: Quote) -> None:
        self.skipped += 1

    def start_run(self, started_ns: int, demo: bool, settings: Mapping[str, object]) -> None:
        """The run's row: its settings (no secrets live in settings) and an empty funnel."""
        self.writer.keep("run_start", (self.run_id, started_ns, int(demo),
                                       msgspec.json.encode(settings).decode(), "{}"))

    def update_run(self, funnel: Mapping[str, object], ended_ns: int | None = None) -> None:
        """Store the funnel with the run (periodically, and once more at the end)."""
        self.writer.keep("run_update", (ended_ns, msgspec.json.encode(funnel).decode(),
                                        self.run_id))

    def on_episode(self, event: EpisodeEvent) -> None:
        """Episodes are written when they open and when they close, not on every update."""
        if event.kind is EpisodeKind.OPEN:
            self.writer.keep("episode_open", episode_open_row(event.episode, self.run_id))
        elif event.kind is EpisodeKind.CLOSE:
            self.writer.keep("episode_close", episode_close_row(event.episode))

    def on_feed_status(self, status: FeedStatus) -> None:
        """Record each change of state or error, so a session's outages can be read back."""
        key = (status.venue, status.connection)
        now = (status.state, status.last_error, status.rotating)
        if self._states.get(key) == now:
            return
        self._states[key] = now
        detail = f"connection {status.connection}"
        if status.last_error:
            detail += f": {status.last_error}"
        if status.rotating:
            detail += f" (rotating: {status.rotating})"
        if status.stale_reason:
            detail += f" ({status.stale_reason})"
        self.writer.keep("feed_events", (status.ts_ns, str(status.venue), str(status.state),
                                         detail))
