"""`arbot import raw`: captures of raw venue frames, one per line, through the live parsers.

The same adapter parser that runs live parses the capture, so an import shows exactly
what the live feed would have seen, drops included. Two kinds of line are accepted, even
mixed in one file:

* a frame exactly as the venue sent it (captures made by other tools). A capture holds
  no receive times, so a quote's receive time is the venue's own timestamp, and frames
  without one (Binance bookTicker) follow the previous time by 1 µs, from `--start`;
* ArBot's own recording line, `{"ts_recv_ns":...,"frame":"..."}` (`--record-raw`): the
  frame with the receive time the live feed stamped on it, which the quotes keep, so a
  replay gives the very rows the live run recorded.

Depth captures (`--record-raw` at `[market] depth` above 1) are rebuilt into books with
the live feed's own `DepthFrameParser` and its integrity rules (sequence, checksum,
crossed), so a book the live run had to resync is resynced here too: counted as a bad
row (`book_<reason>`), and no quote until the capture brings the next snapshot (the live
run resubscribed, and its snapshot is in the capture). Binance books start from a REST
snapshot: ArBot's recording keeps those as `"snapshot"` lines; a capture without them
gives no Binance book (reported as `no_snapshot`). Each book is stored as the live
recorder stores it (`[storage] record_books_ms` and `record_books_levels`, via
`storage.bookrec.BookSampler`) beside the quotes made from its top. Frames of both kinds
may be mixed in one file. Books carry over from one file to the next of the same command,
so give a rotated recording's files in time order (their names sort that way).

Quotes then pass the live feed's gate (`arbot.exchanges.quotegate`: the band, and the tick
and lot grid where `--instruments` is given), so an absurd quote the live run dropped is
a counted bad row here too, not a quote a backtest would see and the live run did not.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import IO, Final

import msgspec

from arbot.depth.board import DepthBoard
from arbot.domain import BookResync, Instrument, Quote, SubscribeAck, VenueError
from arbot.exchanges.base import Adapter
from arbot.exchanges.depthparser import NO_SNAPSHOT, DepthFrameParser
from arbot.exchanges.drops import Drop
from arbot.exchanges.frameparser import FrameParser
from arbot.exchanges.quotegate import QuoteGate
from arbot.exchanges.symbols import SymbolMap
from arbot.imports.base import RecentDrops, show
from arbot.imports.files import FormatError, head_lines, numbered_lines
from arbot.imports.report import FileReport, Tally
from arbot.storage.bookrec import BookSampler
from arbot.storage.books import BookSnapshot
from arbot.storage.rawlog import WRAPPER_PREFIX, RawLine
from arbot.timefmt import NS_PER_MS

# Captures without any timestamp keep their line order 1 µs apart from --start.
LINE_STEP_NS: Final = 1_000
# Frames the parser skips on purpose: not errors in the capture.
_SKIPS: Final = frozenset({Drop.NOT_SPOT, Drop.UNUSED_CHANNEL})
_FIRST_HELD: Final = f"depth frames before a snapshot ({NO_SNAPSHOT})"
_MORE_HELD: Final = "later depth frames held for a snapshot that did not come (not applied)"
_CHECK_LINES: Final = 10
_BOOK_LEVELS: Final = 50  # the deepest book ArBot keeps (`[market] depth`)
_wrapped = msgspec.json.Decoder(RawLine)


class RawFrames:
    """The `raw` format for one venue (see module docstring). `books_ms` and
    `books_levels` say which rebuilt books are stored (`[storage] record_books_ms`,
    `record_books_levels`)."""

    name = "raw"

    def __init__(self, adapter: Adapter, symbols: SymbolMap, start_ns: int = 0,
                 instruments: Mapping[str, Instrument] | None = None, *,
                 books_ms: int = 1000, books_levels: int = 20) -> None:
        self.adapter = adapter
        self.symbols = symbols
        self.instruments = instruments
        self.start_ns = start_ns
        self.scope = adapter.venue.value
        self.label = f"raw, {adapter.venue}"
        self.board = DepthBoard(_BOOK_LEVELS)  # kept from one file to the next
        self._books = BookSampler(self.board, books_ms, books_levels)
        self._drops = RecentDrops()
        self._depth = adapter.new_depth_parser(symbols.lookup, self._drops, self.board)
        self._l1 = adapter.new_parser(symbols.lookup, self._drops)

    def check(self, path: Path) -> None:
        """A capture is JSON lines: one of its first lines must be JSON. (An empty capture
        is fine: it holds nothing to import.)"""
        head = head_lines(path, _CHECK_LINES)
        for line in head:
            try:
                msgspec.json.decode(line)
                return
            except ValueError:
                continue
        if head:
            raise FormatError(
                f"{path}: not a raw capture: expected one JSON frame per line (or ArBot's "
                f'{{"ts_recv_ns":...,"frame":"..."}} lines); found {show(head[0])}')

    def quotes(self, stream: IO[bytes], report: FileReport) -> Iterator[Quote | BookSnapshot]:
        held_before = self._held()
        yield from self._quotes(stream, report)
        # Diffs held for a REST snapshot that never came were never applied: counted, so
        # every line read is accounted for (the first of each book is already counted
        # under NO_SNAPSHOT; a later file's snapshot may still apply them, as live).
        first = report.skipped.get(_FIRST_HELD)
        held = self._held() - held_before - (first.count if first is not None else 0)
        if held > 0:
            report.skipped.setdefault(_MORE_HELD, Tally()).count += held

    def _held(self) -> int:
        depth = self._depth
        return depth.keeper.buffered_total() if isinstance(depth, DepthFrameParser) else 0

    def _quotes(self, stream: IO[bytes], report: FileReport) -> Iterator[Quote | BookSnapshot]:
        drops = self._drops
        check = QuoteGate(self.adapter.venue, self.instruments).check
        last_ns = self.start_ns - LINE_STEP_NS
        for number, line in numbered_lines(stream):
            report.rows += 1
            frame: str | bytes = line
            snapshot: str | None = None
            stamped = line.startswith(WRAPPER_PREFIX)
            if stamped:
                try:
                    wrapped = _wrapped.decode(line)
                except ValueError:  # e.g. the last line of a recording cut off by a crash
                    report.bad_row(str(Drop.INVALID_JSON), number)
                    continue
                frame, recv_ns, snapshot = wrapped.frame, wrapped.ts_recv_ns, wrapped.snapshot
            else:
                recv_ns = last_ns + LINE_STEP_NS
            for event in self._events(frame, recv_ns, snapshot):
                if type(event) is Quote:
                    why = check(event)
                    if why is not None:
                        drops.add(why)
                        continue
                    if not stamped:
                        if event.ts_exchange_ms is not None:
                            event = msgspec.structs.replace(
                                event, ts_recv_ns=event.ts_exchange_ms * NS_PER_MS)
                        last_ns = event.ts_recv_ns
                    yield event
                    book = self._books.sample(event)
                    if book is not None:
                        yield book
                elif isinstance(event, SubscribeAck):
                    report.acks += 1
                elif isinstance(event, VenueError):
                    report.venue_errors += 1
                elif isinstance(event, BookResync):
                    if event.reason == NO_SNAPSHOT:
                        report.skip(_FIRST_HELD, number)
                    else:
                        report.bad_row(f"book_{event.reason}", number)
            if not stamped:
                last_ns = max(last_ns, recv_ns)
            if drops.recent:
                for reason in drops.recent:
                    if reason in _SKIPS:
                        report.skip(str(reason), number)
                    else:
                        report.bad_row(str(reason), number)
                drops.recent.clear()

    def _events(self, frame: str | bytes, recv_ns: int, snapshot: str | None) -> list[object]:
        """What one line gives: a REST snapshot applied to its book; a depth frame through
        the books; any other frame (an L1 push, which the depth parser counts as a channel
        it does not use) through the venue's L1 parser, as live at depth 1."""
        depth = self._depth
        if snapshot is not None:
            q = (depth.snapshot(snapshot, frame, recv_ns) if isinstance(depth, DepthFrameParser)
                 else None)
            return _drain(q, depth)
        q = depth.quote(frame, recv_ns)
        recent = self._drops.recent
        if q is None and recent and recent[-1] is Drop.UNUSED_CHANNEL:
            # Not a depth frame: read it as the L1 feed would, and only so (what the
            # depth parser's L1 reader left in its events is read again here).
            recent.pop()
            depth.events.clear()
            return list(self._l1.parse(frame, recv_ns))
        return _drain(q, depth)

    def report_lines(self, report: FileReport) -> list[str]:
        return report.lines(raw=True, books=report.books > 0)


def _drain(q: Quote | None, parser: FrameParser) -> list[object]:
    out: list[object] = [] if q is None else [q]
    if parser.events:
        out += parser.events
        parser.events.clear()
    return out
