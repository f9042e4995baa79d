"""ArBot's side of `bench/depth.py`'s per-frame race, in two forms:

* `BookOnly`: `L2Book.apply` of a delta decoded beforehand (json, untimed), then what the
  keeper checks after it: the checksum of the top 25 over the original strings where the
  venue sends one, and that the book is not crossed. The book's share of a frame.
* `DecodeOnly`: the venue's typed decode to a `BookDelta` alone.
* `ParserBooks`: the whole path a live depth frame takes, `DepthFrameParser.quote(frame)`:
  the venue's typed decode to a `BookDelta`, `BookKeeper.on_delta` (sequence chaining,
  apply, trim, checksum, crossed) into the shared `DepthBoard`, and the `Quote` of the
  book's top. Only where the depth parsers exist (`parser_problem()` says why not).

Both expose what the race needs: `prime()` (untimed: books whole, as before the first
timed delta; it returns the callable to time on each of `frames`, called with
`two_args` as the feed loop calls a parser: `(frame, recv_ns)`) and `top(symbol)` for
the check that every contender ends a pass holding the same best bid and ask.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from importlib import import_module
from typing import Any

from arbot.depth.board import DepthBoard
from arbot.depth.book import L2Book
from arbot.domain import BookDelta, Venue
from arbot.exchanges import adapter_for
from arbot.exchanges.drops import DropCounter
from arbot.exchanges.symbols import SymbolMap
from bench.depth_frames import Stream

CHECKSUM_LEVELS = 25
CHECKSUMMED = (Venue.OKX, Venue.BITGET)
Levels = list[tuple[str, str]]
Delta = tuple[str, Levels, Levels, int | None]  # symbol, bids, asks, checksum


def _delta(venue: Venue, frame: bytes, symbols: dict[str, str]) -> tuple[bool, Delta]:
    """(is a snapshot, the delta) of one recorded frame, by plain json."""
    msg = json.loads(frame)
    if venue is Venue.BINANCE:
        return False, (symbols[msg["s"]], _lv(msg["b"]), _lv(msg["a"]), None)
    if venue is Venue.BYBIT:
        d = msg["data"]
        return msg["type"] == "snapshot", (symbols[d["s"]], _lv(d["b"]), _lv(d["a"]), None)
    row = msg["data"][0]
    return msg["action"] == "snapshot", (symbols[msg["arg"]["instId"]], _lv(row["bids"]),
                                         _lv(row["asks"]), row["checksum"])


def _lv(levels: list[list[str]]) -> Levels:
    return [(p, s) for p, s, *_ in levels]


class BookOnly:
    """L2Book apply + checksum + crossed test on pre-decoded deltas."""

    def __init__(self, s: Stream) -> None:
        ids = {vid: canonical for canonical, vid in s.pairs}
        self.venue = s.venue
        self.symbols = s.symbols
        self.checks = s.venue in CHECKSUMMED
        self.snapshots: list[Delta] = []
        if s.venue is Venue.BINANCE:  # the REST bodies; the stale diffs they cover skipped
            for vid, body in s.rest.items():
                snap = json.loads(body)
                self.snapshots.append((ids[vid], _lv(snap["bids"]), _lv(snap["asks"]), None))
        else:
            self.snapshots = [_delta(s.venue, f, ids)[1] for f in s.prime]
        self.frames = [_delta(s.venue, f, ids)[1] for f in s.updates]
        self.books: dict[str, L2Book] = {}

    two_args = False

    def prime(self) -> Callable[[Delta], None]:
        self.books = {symbol: L2Book(symbol) for symbol in self.symbols}
        for symbol, bids, asks, _ in self.snapshots:
            self.books[symbol].replace(bids, asks)
        return self._handle

    def _handle(self, delta: Delta) -> None:
        symbol, bids, asks, checksum = delta
        book = self.books[symbol]
        book.apply(bids, asks)
        if checksum is not None and book.checksum(CHECKSUM_LEVELS) != checksum:
            raise AssertionError(f"{self.venue} {symbol}: checksum mismatch")
        if book.crossed():
            raise AssertionError(f"{self.venue} {symbol}: crossed")

    def top(self, symbol: str) -> tuple[float, float] | None:
        book = self.books[symbol]
        bid, ask = book.bids.best(), book.asks.best()
        return None if bid is None or ask is None else (bid[0], ask[0])


def parser_problem() -> str:
    """'' when ArBot has depth parsers to time, else why not (for the table)."""
    try:
        import_module("arbot.exchanges.depthparser")
        import_module("arbot.depth.sync")
    except ImportError as e:
        return f"no depth parsers in this tree ({e.name} missing: h16-books not merged)"
    return ""


def new_parser(s: Stream, board: DepthBoard) -> Any:
    """The venue's live depth parser over `board`, except Bitget: its recording is the v1
    protocol, so the `books` decoder is the v1 one (`instType` "sp"; no `seq`)."""
    adapter = adapter_for(s.venue)
    lookup = SymbolMap(s.venue, s.pairs).lookup
    if s.venue is not Venue.BITGET:
        return adapter.new_depth_parser(lookup, DropCounter(), board)  # type: ignore[attr-defined]
    depthparser = import_module("arbot.exchanges.depthparser")
    depthwire = import_module("arbot.exchanges.depthwire")
    bitget = import_module("arbot.venues.bitget.depth")
    codec = depthwire.DepthCodec(venue=Venue.BITGET, rules=bitget.RULES,
                                 decode=bitget.decoder("sp"))
    drops = DropCounter()
    return depthparser.DepthFrameParser(lookup, drops, board, codec,
                                        adapter.new_parser(lookup, drops))


class ParserBooks:
    """`DepthFrameParser.quote` per frame, into a fresh `DepthBoard` each pass (the
    board and parser exist from the first `prime` on)."""

    def __init__(self, s: Stream, levels: int = 50) -> None:
        self.stream = s
        self.levels = levels
        self.frames = s.updates

    two_args = True

    def prime(self, board: DepthBoard | None = None) -> Callable[[bytes, int], object]:
        """Fresh books (in `board`, shared with other venues, if given)."""
        s = self.stream
        self.board: DepthBoard = board if board is not None else DepthBoard(self.levels)
        self.parser = new_parser(s, self.board)
        for frame in s.prime:  # Binance: the diffs its snapshot covers, buffered
            self.parser.quote(frame, 0)
        for canonical, vid in s.pairs if s.rest else ():
            self.parser.snapshot(canonical, s.rest[vid], 0)
        self.parser.events.clear()
        return self.parser.quote  # type: ignore[no-any-return]

    def problems(self) -> str:
        """'' when no book was resynced and every frame was a depth push."""
        p = self.parser
        bad = {**p.resyncs, **{k: v for k, v in p.drops.as_dict().items() if v}}
        return f"{self.stream.venue}: {bad}" if bad else ""

    def top(self, symbol: str) -> tuple[float, float] | None:
        book = self.board.get(list(Venue).index(self.stream.venue), symbol)
        if book is None or not book.synced:
            return None
        bid, ask = book.bids.best(), book.asks.best()
        return None if bid is None or ask is None else (bid[0], ask[0])


class DecodeOnly:
    """The venue's depth decode alone (frame -> `BookDelta`, levels checked), the floor
    under `ParserBooks`; one Python call more than the parser makes, to pass the map."""

    two_args = True

    def __init__(self, s: Stream) -> None:
        parser = new_parser(s, DepthBoard(50))
        self.frames = s.updates
        self._decode = parser._decode
        self._symbol = SymbolMap(s.venue, s.pairs).lookup
        bad = [f for f in self.frames if not isinstance(self._decode(f, 0, self._symbol),
                                                         BookDelta)]
        assert not bad, f"{s.venue}: {len(bad)} deltas did not decode, e.g. {bad[0][:120]!r}"

    def prime(self) -> Callable[[bytes, int], object]:
        decode, symbol = self._decode, self._symbol

        def fn(frame: bytes, recv_ns: int) -> object:
            return decode(frame, recv_ns, symbol)

        return fn
