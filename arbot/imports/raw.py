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

Quotes then pass the live feed's gate (`arbot.exchanges.quotegate`: the band, and the tick
and lot grid where `--instruments` is given), so an absurd quote the live run dropped is
a counted bad row here too, not a quote a backtest would see and the live run did not.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import IO, Final

import msgspec

from arbot.domain import Instrument, Quote, SubscribeAck, VenueError
from arbot.exchanges.base import Adapter, Drop
from arbot.exchanges.quotegate import QuoteGate
from arbot.exchanges.symbols import SymbolMap
from arbot.imports.base import RecentDrops, show
from arbot.imports.files import FormatError, head_lines, numbered_lines
from arbot.imports.report import FileReport
from arbot.storage.rawlog import WRAPPER_PREFIX, RawLine
from arbot.timefmt import NS_PER_MS

# Captures without any timestamp keep their line order 1 µs apart from --start.
LINE_STEP_NS: Final = 1_000
# Frames the parser skips on purpose: not errors in the capture.
_SKIPS: Final = frozenset({Drop.NOT_SPOT, Drop.UNUSED_CHANNEL})
_CHECK_LINES: Final = 10
_wrapped = msgspec.json.Decoder(RawLine)


class RawFrames:
    """The `raw` format for one venue (see module docstring)."""

    name = "raw"

    def __init__(self, adapter: Adapter, symbols: SymbolMap, start_ns: int = 0,
                 instruments: Mapping[str, Instrument] | None = None) -> None:
        self.adapter = adapter
        self.symbols = symbols
        self.instruments = instruments
        self.start_ns = start_ns
        self.scope = adapter.venue.value
        self.label = f"raw, {adapter.venue}"

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

    def quotes(self, stream: IO[bytes], report: FileReport) -> Iterator[Quote]:
        drops = RecentDrops()
        parse = self.adapter.new_parser(self.symbols.lookup, drops).parse
        check = QuoteGate(self.adapter.venue, self.instruments).check
        last_ns = self.start_ns - LINE_STEP_NS
        for number, line in numbered_lines(stream):
            report.rows += 1
            frame: str | bytes = line
            stamped = line.startswith(WRAPPER_PREFIX)
            if stamped:
                try:
                    wrapped = _wrapped.decode(line)
                except ValueError:  # e.g. the last line of a recording cut off by a crash
                    report.bad_row(str(Drop.INVALID_JSON), number)
                    continue
                frame, recv_ns = wrapped.frame, wrapped.ts_recv_ns
            else:
                recv_ns = last_ns + LINE_STEP_NS
            for event in parse(frame, recv_ns):
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
                elif isinstance(event, SubscribeAck):
                    report.acks += 1
                elif isinstance(event, VenueError):
                    report.venue_errors += 1
            if not stamped:
                last_ns = max(last_ns, recv_ns)
            if drops.recent:
                for reason in drops.recent:
                    if reason in _SKIPS:
                        report.skip(str(reason), number)
                    else:
                        report.bad_row(str(reason), number)
                drops.recent.clear()

    def report_lines(self, report: FileReport) -> list[str]:
        return report.lines(raw=True)
