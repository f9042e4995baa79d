"""Recorded order books: the `book_snapshots` row, and how its levels are written and read.

A snapshot is one venue's top levels for one symbol at one receive time, each side a
compact JSON array of the venue's own (price, size) strings, best first (the migration,
`migration_008_books.sql`, says why this shape reads fastest). The live recorder
(`arbot.storage.bookrec`), `arbot import tardis-book` and the backtest's reader all go
through the two functions here, so the three agree on the format.
"""

from __future__ import annotations

from typing import Final

import msgspec

from arbot.domain import Venue
from arbot.storage.rows import VENUE_TEXT, Row

TextLevels = list[tuple[str, str]]  # (price, size) as the venue sent them, best first

BOOK_SNAPSHOTS: Final = "book_snapshots"  # its statement in `rows.STATEMENTS`

_encode = msgspec.json.Encoder().encode
_levels = msgspec.json.Decoder(TextLevels)


class BookSnapshot(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """One recorded book: the top levels of each side, best first."""

    venue: Venue
    symbol: str
    bids: TextLevels
    asks: TextLevels
    ts_exchange_ms: int | None = None
    ts_recv_ns: int = 0


def encode_levels(levels: TextLevels) -> str:
    """One side as stored: `[["60000.1","0.5"],...]`."""
    return _encode(levels).decode()


def decode_levels(text: str | bytes) -> TextLevels:
    """One side as `L2Book.replace` takes it. Raises ValueError on a damaged column."""
    return _levels.decode(text)


def book_row(b: BookSnapshot, ts_recv_ns: int | None = None) -> Row:
    """The `book_snapshots` row, in its statement's order; `ts_recv_ns` overrides the
    snapshot's own (an import moves repeats of one instant apart)."""
    return (b.ts_recv_ns if ts_recv_ns is None else ts_recv_ns, b.ts_exchange_ms,
            VENUE_TEXT[b.venue], b.symbol, encode_levels(b.bids), encode_levels(b.asks))
