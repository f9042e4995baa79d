"""Decoding pieces every venue's depth channel shares (docs/depth.md), venue-neutral.

A venue's depth module turns one frame into a `BookDelta` (a depth push), a `Drop` (a
depth push that cannot be used: counted, never raised) or None (not a depth push at all:
an ack, a pong, an error, a notice, which the venue's L1 parser already knows how to read).
Levels stay the venue's strings (checksums are computed over them), checked here once
for being numbers a book can hold.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Annotated

import msgspec

from arbot.depth.sync import BookRules
from arbot.domain import BookDelta, Venue
from arbot.exchanges.drops import Drop

INF = float("inf")

SymbolMap = Callable[[str], str | None]
"""A venue id -> the canonical symbol, None when not subscribed."""
Decoded = BookDelta | Drop | None
Decode = Callable[[str | bytes, int, SymbolMap], Decoded]
"""`decode(frame, recv_ns, symbols)`: the frame's delta, why it is unusable, or None."""
TextLevels = list[tuple[str, str]]


@dataclass(frozen=True, slots=True)
class DepthCodec:
    """One venue's depth channel: how its frames decode and the rules its books keep.

    `snapshot(symbol, body, recv_ns)` reads a REST snapshot body where the venue's
    stream sends only diffs; None where the stream sends its own snapshots.
    """

    venue: Venue
    rules: BookRules
    decode: Decode
    snapshot: Callable[[str, str | bytes, int], BookDelta | None] | None = None


def sane(levels: Sequence[tuple[str, str]]) -> bool:
    """Every price finite and positive, every size finite and not negative (zero deletes)."""
    try:
        for price, size in levels:
            if not (0.0 < float(price) < INF and 0.0 <= float(size) < INF):
                return False
    except ValueError:
        return False
    return True


def classify(frame: str | bytes, is_depth: Callable[[dict[str, object]], bool]) -> Drop | None:
    """Slow path for a frame the typed decoder refused: a malformed depth push is an
    invalid frame; anything else (including invalid JSON) is left to the L1 parser,
    which reads control frames and counts the rest."""
    try:
        obj = msgspec.json.decode(frame)
    except ValueError:
        return None
    return Drop.INVALID_FRAME if isinstance(obj, dict) and is_depth(obj) else None


class TextLevel(msgspec.Struct, array_like=True, gc=False):
    """`[price, size, ...]` as strings; trailing items (a "0", an order count) ignored."""

    px: str
    sz: str


class BookArg(msgspec.Struct, gc=False):
    channel: str
    instId: str
    instType: str = ""


class BookRow(msgspec.Struct, gc=False):
    """The one `data[]` row of an `{"arg":..,"action":..,"data":[..]}` book push; `ts` is
    a string of ms. The sequence fields are each venue's (`seqId`/`prevSeqId` or `seq`),
    absent in older recordings."""

    asks: list[TextLevel] = []
    bids: list[TextLevel] = []
    ts: int | None = None
    checksum: int | None = None
    seq: int | None = None
    seqId: int | None = None
    prevSeqId: int | None = None


class BookPush(msgspec.Struct, gc=False):
    arg: BookArg
    action: str
    data: Annotated[list[BookRow], msgspec.Meta(min_length=1, max_length=1)]


def arg_books(venue: Venue, channel: str, spot: Callable[[BookArg], bool],
              sequence: Callable[[BookRow], tuple[int | None, int | None]]) -> Decode:
    """The decoder of a venue whose book pushes are `{"arg":{"channel":..,"instId":..},
    "action":"snapshot"|"update","data":[{"asks":..,"bids":..,"checksum":..,"ts":..}]}`
    `sequence(row)` is the row's (seq, prev_seq), named for their role."""
    decoder = msgspec.json.Decoder(BookPush, strict=False)

    def is_depth(obj: dict[str, object]) -> bool:
        arg = obj.get("arg")
        return "data" in obj and isinstance(arg, dict) and arg.get("channel") == channel

    def decode(frame: str | bytes, recv_ns: int, symbols: SymbolMap) -> Decoded:
        try:
            push = decoder.decode(frame)
        except ValueError:
            return classify(frame, is_depth)
        arg = push.arg
        if arg.channel != channel:
            return None
        if not spot(arg):
            return Drop.NOT_SPOT
        symbol = symbols(arg.instId)
        if symbol is None:
            return Drop.UNKNOWN_SYMBOL
        action = push.action
        if action != "snapshot" and action != "update":
            return Drop.INVALID_FRAME
        row = push.data[0]
        bids = [(lv.px, lv.sz) for lv in row.bids]
        asks = [(lv.px, lv.sz) for lv in row.asks]
        if not (sane(bids) and sane(asks)):
            return Drop.INVALID_FRAME
        seq, prev = sequence(row)
        return BookDelta(venue=venue, symbol=symbol, snapshot=action == "snapshot",
                         bids=bids, asks=asks, seq=seq, prev_seq=prev,
                         checksum=row.checksum, ts_exchange_ms=row.ts, ts_recv_ns=recv_ns)

    return decode
