"""Adapter tests. Helpers shared by the venue test modules live here (no fixtures needed)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path
from typing import Any

from arbot.domain import FeedEvent, Quote, Venue
from arbot.exchanges import adapter_for
from arbot.exchanges.drops import Drop, DropCounter
from arbot.exchanges.frameparser import FrameParser
from arbot.exchanges.symbols import SymbolMap

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def lines(rel: str) -> list[bytes]:
    """A recorded `.jsonl` fixture as raw frames (bytes, as the socket delivers them)."""
    return (FIXTURES / rel).read_bytes().splitlines()


def instruments_map(venue: Venue, rel: str) -> SymbolMap:
    body = (FIXTURES / rel).read_bytes()
    return SymbolMap.from_instruments(venue, adapter_for(venue).parse_instruments(body))


def parser(venue: Venue, symbols: SymbolMap | Iterable[tuple[str, str]]) -> FrameParser:
    smap = symbols if isinstance(symbols, SymbolMap) else SymbolMap(venue, symbols)
    return adapter_for(venue).new_parser(smap.to_canonical, DropCounter())


def replay(p: FrameParser, frames: Iterable[bytes | str]) -> list[FeedEvent]:
    out: list[FeedEvent] = []
    for i, frame in enumerate(frames):
        out.extend(p.parse(frame, i))
    return out


def one_quote(p: FrameParser, frame: bytes | str, recv_ns: int = 0) -> Quote:
    """Parse a frame that must yield exactly one quote."""
    [q] = p.parse(frame, recv_ns)
    assert isinstance(q, Quote)
    return q


def quotes(events: Iterable[FeedEvent]) -> list[Quote]:
    return [e for e in events if isinstance(e, Quote)]


def drops(p: FrameParser) -> dict[Drop, int]:
    return dict(p.drops.counts)


def exact(value: float, text: str) -> bool:
    """The float reads back as exactly the venue's decimal text (trailing zeros aside)."""
    return Decimal(repr(value)) == Decimal(text)


def obj(frame: bytes | str) -> Any:
    return json.loads(frame)


def dumps(value: object) -> str:
    return json.dumps(value, separators=(",", ":"))
