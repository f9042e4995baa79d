"""Read captures of raw venue frames (one frame per line, optionally gzip) into quotes.

The same adapter parser that runs live parses the capture, so an import shows exactly
what the live feed would have seen, drops included.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import msgspec

from arbot.domain import Quote, SubscribeAck, VenueError
from arbot.exchanges.base import Adapter, DropCounter
from arbot.exchanges.symbols import SymbolMap
from arbot.timefmt import NS_PER_MS

_GZIP_MAGIC = b"\x1f\x8b"
# Captures without any timestamp keep their line order 1 µs apart from --start.
LINE_STEP_NS = 1_000


class CaptureError(Exception):
    """A capture file that cannot be read at all (missing, unreadable, broken gzip)."""


class QuoteStore(Protocol):
    async def put_quote(self, quote: Quote) -> None: ...


@dataclass
class ImportSummary:
    """What an import did, for the summary a user reads."""

    files: int = 0
    frames: int = 0
    quotes: int = 0
    acks: int = 0
    venue_errors: int = 0
    drops: DropCounter = field(default_factory=DropCounter)

    def lines(self) -> list[str]:
        out = [
            f"files read:     {self.files}",
            f"frames read:    {self.frames}",
            f"quotes stored:  {self.quotes}",
            f"acks:           {self.acks}",
            f"venue errors:   {self.venue_errors}",
            f"dropped:        {self.drops.total()}",
        ]
        out += [f"  {reason}: {n}" for reason, n in self.drops.as_dict().items()]
        return out


def read_frames(path: Path) -> Iterator[bytes]:
    """Yield each non-blank line of a capture, transparently gunzipping it."""
    try:
        raw = path.open("rb")
    except OSError as exc:
        raise CaptureError(f"{path}: cannot read capture: {exc.strerror or exc}") from None
    with raw:
        gzipped = raw.read(2) == _GZIP_MAGIC
        raw.seek(0)
        lines: Iterable[bytes] = gzip.GzipFile(fileobj=raw) if gzipped else raw
        try:
            for line in lines:
                line = line.strip()
                if line:
                    yield line
        except (OSError, EOFError) as exc:
            raise CaptureError(f"{path}: capture is damaged: {exc}") from None


def quotes_from_frames(
    adapter: Adapter,
    symbols: SymbolMap,
    frames: Iterable[bytes],
    summary: ImportSummary,
    start_ns: int = 0,
) -> Iterator[Quote]:
    """Parse frames in order; receive time = the frame's exchange time, else line order.

    A capture holds no local receive times, so the venue's own timestamp is the best
    stand-in; frames without one (Binance bookTicker) follow the previous time by 1 µs.
    """
    parser = adapter.new_parser(symbols.lookup, summary.drops)
    last_ns = start_ns - LINE_STEP_NS
    for frame in frames:
        summary.frames += 1
        provisional = last_ns + LINE_STEP_NS
        for event in parser.parse(frame, provisional):
            if isinstance(event, Quote):
                if event.ts_exchange_ms is not None:
                    event = msgspec.structs.replace(
                        event, ts_recv_ns=event.ts_exchange_ms * NS_PER_MS
                    )
                last_ns = event.ts_recv_ns
                summary.quotes += 1
                yield event
            elif isinstance(event, SubscribeAck):
                summary.acks += 1
            elif isinstance(event, VenueError):
                summary.venue_errors += 1
        last_ns = max(last_ns, provisional)


async def import_captures(
    adapter: Adapter,
    symbols: SymbolMap,
    paths: Iterable[Path],
    store: QuoteStore,
    start_ns: int = 0,
) -> ImportSummary:
    """Import every file into `store`, waiting on it rather than dropping (nothing is lost)."""
    summary = ImportSummary()
    for path in paths:
        summary.files += 1
        for quote in quotes_from_frames(adapter, symbols, read_frames(path), summary, start_ns):
            await store.put_quote(quote)
    return summary
