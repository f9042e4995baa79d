"""A venue's depth frames -> integrity-checked books -> quotes from their top.

The feed loop treats it as any `FrameParser`: one frame in, at most one `Quote` out, the
rest on `events`. Depth pushes go through the venue's depth codec and `BookKeeper` into
the shared `DepthBoard`; every other frame (acks, pongs, errors, notices) goes to the
venue's own L1 parser, so a depth connection yields exactly the control events an L1
one does. A book that breaks its rules raises one `BookResync`, is reset, and gives no
quote until a fresh snapshot (docs/depth.md, "The flow").

Each parser (one per socket) keeps its own books and puts each on the shared board when
it first meets the symbol and whenever it applies a frame to it: while a planned rotation
runs two sockets of one venue side by side, neither applies the other's frames to its
book (their sequences would not chain), and the board shows whichever book was updated
last, both being the venue's; after a reconnect the old socket's book leaves the board
with the new socket's first frame, so a book nobody updates any more is never walked.
"""

from __future__ import annotations

from arbot.depth.board import VENUE_ORDER, DepthBoard
from arbot.depth.book import L2Book
from arbot.depth.sync import BookKeeper, Verdict
from arbot.domain import BookDelta, BookResync, Quote
from arbot.exchanges.depthwire import DepthCodec, SymbolMap
from arbot.exchanges.drops import Drop, DropCounter
from arbot.exchanges.frameparser import FrameParser
from arbot.exchanges.quotecheck import make_quote

NO_SNAPSHOT = "no_snapshot"
"""The `BookResync` reason of a book that has never had a snapshot (the first diff of a
stream synchronised over REST, or a snapshot body that could not be read): fetch one.
Not a fault, so not counted in `resyncs`."""


class DepthFrameParser(FrameParser):
    """Keeps the books of one venue's depth connection; `resyncs` counts faults by reason."""

    def __init__(self, symbols: SymbolMap, drops: DropCounter, board: DepthBoard,
                 codec: DepthCodec, control: FrameParser) -> None:
        super().__init__(symbols, drops)
        self.venue = codec.venue
        self.board = board
        self._board_row = board.books[VENUE_ORDER.index(codec.venue)]
        self.books: dict[str, L2Book] = {}  # this socket's, by symbol
        self.keeper = BookKeeper(codec.rules)
        self.resyncs: dict[str, int] = {}
        self._decode = codec.decode
        self._snapshot = codec.snapshot
        self._control = control
        control.events = self.events  # its acks, pongs and notices are ours
        self._waiting: set[str] = set()  # symbols whose BookResync is out, not yet answered

    def quote(self, frame: str | bytes, recv_ns: int) -> Quote | None:
        got = self._decode(frame, recv_ns, self._symbol)
        if isinstance(got, BookDelta):
            return self._apply(got)
        if got is not None:
            self.drops.add(got)
        elif self._control.quote(frame, recv_ns) is not None:
            self.drops.add(Drop.UNUSED_CHANNEL)  # an L1 push on a depth connection
        return None

    def snapshot(self, symbol: str, body: str | bytes, recv_ns: int) -> Quote | None:
        """Apply a REST snapshot body (where the venue's stream sends only diffs) to
        `symbol`'s book, with the diffs buffered since; the synced book's quote, or None."""
        if self._snapshot is None:  # this venue's stream brings its own snapshots
            self.drops.add(Drop.UNUSED_CHANNEL)
            return None
        delta = self._snapshot(symbol, body, recv_ns)
        if delta is None:  # not a snapshot body: still none, so fetch again
            self.drops.add(Drop.INVALID_FRAME)
            self._resync(symbol, NO_SNAPSHOT)
            return None
        return self._apply(delta)

    def _apply(self, delta: BookDelta) -> Quote | None:
        symbol = delta.symbol
        book = self.books.get(symbol)
        if book is None:
            book = self.books[symbol] = self._board_row[symbol] = L2Book(symbol)
        verdict = self.keeper.on_delta(book, delta)
        if verdict is Verdict.APPLIED:
            if self._board_row.get(symbol) is not book:
                self._board_row[symbol] = book
            if self._waiting:
                self._waiting.discard(symbol)
            return self._top(book, delta)
        if verdict is Verdict.BUFFERED:
            if symbol not in self._waiting:
                self._resync(symbol, NO_SNAPSHOT)
        elif verdict is not Verdict.IGNORED:
            reason = verdict.value
            self.resyncs[reason] = self.resyncs.get(reason, 0) + 1
            self._resync(symbol, reason)
        return None

    def _resync(self, symbol: str, reason: str) -> None:
        self._waiting.add(symbol)
        self.events.append(BookResync(venue=self.venue, symbol=symbol, reason=reason))

    def _top(self, book: L2Book, delta: BookDelta) -> Quote | None:
        bid = book.bids.best()
        ask = book.asks.best()
        if bid is None or ask is None:
            self.drops.add(Drop.EMPTY_BOOK)
            return None
        # The exchange time of the last frame applied (a REST snapshot has none, the diffs
        # replayed onto it do), received now.
        return make_quote(self.venue, delta.symbol, bid[0], bid[1], ask[0], ask[1],
                          book.ts_exchange_ms, delta.ts_recv_ns, self.drops)
