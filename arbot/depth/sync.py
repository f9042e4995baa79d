"""Keeping a book the venue's: sequence chaining, checksums, crossed books, resyncs.

One `BookKeeper` per venue applies that venue's `BookDelta`s to its `L2Book`s under the
venue's `BookRules` and says what happened. A book that breaks a rule is reset (not
synced) and takes part in nothing until a fresh snapshot has been applied: the caller
resubscribes the channel, or for Binance fetches the REST snapshot (docs/depth.md,
"The flow"). Pure: no clock, no I/O; a venue's rules are data (`BookRules`, in its
`arbot/venues/<venue>/depth.py`), and the comments here cite the pages they come from.
"""

from __future__ import annotations

import enum

import msgspec

from arbot.depth.book import L2Book
from arbot.domain import BookDelta

# Binance's buffer of diffs while its REST snapshot is on the way: 2000 events of the
# 100 ms stream is over three minutes; past that the oldest go (the snapshot is then
# checked against the oldest kept event, and fetched again if it is older).
MAX_BUFFERED = 2000


class Chain(enum.Enum):
    """How a venue's frames chain, each from the one before."""

    DIFF_RANGE = "diff_range"  # Binance: each event covers [U; u], U == previous u + 1
    PLUS_ONE = "plus_one"  # Bybit: u == previous u + 1
    PREV_ID = "prev_id"  # OKX: prevSeqId == previous seqId
    INCREASING = "increasing"  # Bitget: seq above the previous seq


class BookRules(msgspec.Struct, frozen=True):
    """One venue's integrity rules for its depth channel, as data.

    `checksum_levels`: the top levels a frame's CRC32 covers (None: no checksum).
    `rest_snapshot`: the stream sends only diffs; the snapshot comes over REST, and diffs
    are buffered until it does. `trim_to`: keep that many levels a side (a channel whose
    book is that deep by definition never deletes the levels pushed out).
    `restart_seq`: a frame carrying this sequence number is a fresh snapshot whatever it
    is labelled (Bybit's `u = 1`).
    """

    chain: Chain
    checksum_levels: int | None = None
    rest_snapshot: bool = False
    trim_to: int | None = None
    restart_seq: int | None = None


class Verdict(enum.StrEnum):
    """What one frame did to its book. The resync verdicts' values are the reasons
    counted per venue (docs/depth.md, "The flow")."""

    APPLIED = "applied"
    BUFFERED = "buffered"  # kept until the REST snapshot arrives (Binance)
    IGNORED = "ignored"  # older than the book, or a delta for a book awaiting its snapshot
    GAP = "gap"
    CHECKSUM = "checksum"
    CROSSED = "crossed"
    OUT_OF_ORDER = "out_of_order"
    SNAPSHOT_STALE = "snapshot_stale"  # the REST snapshot predates the buffered diffs

    @property
    def resync(self) -> bool:
        """The book was reset: resubscribe (or fetch the snapshot again)."""
        return self not in _KEPT


_KEPT = frozenset((Verdict.APPLIED, Verdict.BUFFERED, Verdict.IGNORED))
RESYNC_REASONS: tuple[str, ...] = tuple(v.value for v in Verdict if v.resync)


class BookKeeper:
    """Applies one venue's deltas to its books. The only state besides the books is
    Binance's: the diffs buffered per symbol while a snapshot is awaited, and which
    books still wait for their first diff after one."""

    __slots__ = ("_fresh", "_pending", "rules")

    def __init__(self, rules: BookRules) -> None:
        self.rules = rules
        self._pending: dict[str, list[BookDelta]] = {}
        self._fresh: set[str] = set()  # snapshot applied, no diff chained onto it yet

    def on_delta(self, book: L2Book, delta: BookDelta) -> Verdict:
        """Apply `delta` to `book` if the rules allow; reset the book on a fault."""
        rules = self.rules
        if rules.rest_snapshot:
            if delta.snapshot:
                return self._rest_snapshot(book, delta)
            if not book.synced:
                return self._buffer(book.symbol, delta)
            return self._diff(book, delta)
        if delta.snapshot or (rules.restart_seq is not None and delta.seq == rules.restart_seq):
            book.replace(delta.bids, delta.asks)
            book.seq = delta.seq
            book.synced = True
            return self._settle(book, delta)
        if not book.synced:
            return Verdict.IGNORED  # waiting for the snapshot a resubscribe brings
        fault = self._chained(book, delta)
        if fault is not None:
            return self._fail(book, fault)
        book.apply(delta.bids, delta.asks)
        if delta.seq is not None:
            book.seq = delta.seq
        return self._settle(book, delta)

    def buffered(self, symbol: str) -> int:
        """How many diffs wait for the symbol's REST snapshot."""
        return len(self._pending.get(symbol, ()))

    def buffered_total(self) -> int:
        """How many diffs wait for a REST snapshot, all symbols together."""
        return sum(map(len, self._pending.values()))

    def _chained(self, book: L2Book, delta: BookDelta) -> Verdict | None:
        """The fault, if `delta` does not follow the book's last frame."""
        chain = self.rules.chain
        seq = delta.seq
        last = book.seq
        if chain is Chain.PLUS_ONE:
            # Bybit, "Orderbook": u advances by one per delta (observed on every
            # recorded delta); anything else is a missed frame.
            broken = seq is None or last is None or seq != last + 1
            return Verdict.GAP if broken else None
        if chain is Chain.PREV_ID:
            # OKX, "Order book channel": "The prevSeqId in the new message matches with
            # seqId of the previous message". A no-change heartbeat has seqId == prevSeqId
            # and a maintenance reset seqId < prevSeqId; both still chain by prevSeqId.
            # Frames without the fields (recordings before 2023) chain by checksum alone.
            prev = delta.prev_seq
            broken = prev is not None and last is not None and prev != last
            return Verdict.GAP if broken else None
        if chain is Chain.INCREASING:
            # Bitget, "Depth Channel": seq "increases when the order book is updated and
            # can be used to determine whether there is out-of-order packets".
            behind = seq is not None and last is not None and seq <= last
            return Verdict.OUT_OF_ORDER if behind else None
        return None

    def _settle(self, book: L2Book, delta: BookDelta) -> Verdict:
        """After applying: trim, check the checksum and that the book is not crossed."""
        rules = self.rules
        if rules.trim_to is not None:
            book.bids.trim(rules.trim_to)
            book.asks.trim(rules.trim_to)
        levels = rules.checksum_levels
        # Where the venue checksums its pushes, every push carries one (the no-change
        # heartbeat too: OKX, "Order book channel"; Bitget, "Depth Channel"): a push
        # without it cannot be checked, so it breaks the book like a wrong one.
        if levels is not None and (delta.checksum is None
                                   or book.checksum(levels) != delta.checksum):
            return self._fail(book, Verdict.CHECKSUM)
        if book.crossed():
            return self._fail(book, Verdict.CROSSED)
        book.ts_exchange_ms = delta.ts_exchange_ms
        book.ts_recv_ns = delta.ts_recv_ns
        return Verdict.APPLIED

    def _fail(self, book: L2Book, reason: Verdict) -> Verdict:
        book.reset()
        self._fresh.discard(book.symbol)
        return reason

    # Binance, "How to manage a local order book correctly" (web-socket-streams.md,
    # "Diff. Depth Stream"): buffer the stream, fetch the snapshot, drop events with
    # u <= lastUpdateId, the first kept event spans lastUpdateId + 1, then each event's
    # U is the previous u + 1.

    def _buffer(self, symbol: str, delta: BookDelta) -> Verdict:
        pending = self._pending.setdefault(symbol, [])
        pending.append(delta)
        if len(pending) > MAX_BUFFERED:
            del pending[0]
        return Verdict.BUFFERED

    def _rest_snapshot(self, book: L2Book, snap: BookDelta) -> Verdict:
        last = snap.seq
        if last is None:
            return Verdict.IGNORED
        if book.synced:
            if book.seq is not None and last <= book.seq:
                return Verdict.IGNORED  # older than the book we keep
        else:
            pending = self._pending.get(book.symbol)
            first = pending[0].prev_seq if pending else None
            # "If the lastUpdateId from the snapshot is strictly less than the U from
            # step 2, go back to step 3": keep buffering, fetch again.
            if first is not None and last < first:
                return Verdict.SNAPSHOT_STALE
        book.replace(snap.bids, snap.asks)
        book.seq = last
        book.synced = True
        self._fresh.add(book.symbol)
        verdict = self._settle(book, snap)
        if verdict is not Verdict.APPLIED:
            return verdict  # a crossed snapshot: the buffer waits for the next one
        pending = self._pending.pop(book.symbol, [])
        for i, delta in enumerate(pending):
            verdict = self._diff(book, delta)
            if verdict.resync:
                # The events after the break start the new buffer.
                self._pending.setdefault(book.symbol, []).extend(pending[i + 1:])
                return verdict
        return Verdict.APPLIED

    def _diff(self, book: L2Book, delta: BookDelta) -> Verdict:
        u = delta.seq
        first = delta.prev_seq
        last = book.seq
        if u is None or first is None or last is None:
            return self._restart(book, delta, Verdict.GAP)
        if u <= last:
            return Verdict.IGNORED  # "discard any event where u is <= lastUpdateId"
        symbol = book.symbol
        if symbol in self._fresh:
            # "The first buffered event should now have lastUpdateId within its [U;u]"
            if first > last + 1:
                return self._restart(book, delta, Verdict.GAP)
            self._fresh.discard(symbol)
        elif first != last + 1:
            # "Normally, U of the next event is equal to u + 1 of the previous event"
            return self._restart(book, delta, Verdict.GAP)
        book.apply(delta.bids, delta.asks)
        book.seq = u
        verdict = self._settle(book, delta)
        if verdict.resync:
            self._pending[symbol] = []  # buffer again from the next event
        return verdict

    def _restart(self, book: L2Book, delta: BookDelta, reason: Verdict) -> Verdict:
        """"Discard your local order book and restart the process from the beginning":
        the event that showed the gap is the first of the new buffer."""
        self._fail(book, reason)
        self._pending[book.symbol] = [delta]
        return reason
