"""Why a frame produced nothing, and the count of it: every parser drops bad input here
instead of raising, and the feed reports the counts as its health."""

from __future__ import annotations

import enum

import msgspec


class Drop(enum.StrEnum):
    """Why a frame produced no quote. Skips (not_spot, unused_channel) are not errors."""

    INVALID_JSON = "invalid_json"
    INVALID_FRAME = "invalid_frame"  # wrong types, missing or empty fields
    NON_FINITE = "non_finite"
    NON_POSITIVE = "non_positive"
    CROSSED = "crossed"
    EMPTY_BOOK = "empty_book"
    UNKNOWN_SYMBOL = "unknown_symbol"
    OFF_TICK = "off_tick"  # a price off the tick or a size off the lot (quotegate)
    OUT_OF_BAND = "out_of_band"  # too far from the last good price (quotegate)
    OUT_OF_ORDER = "out_of_order"  # older than the symbol's last good quote (quotegate)
    NOT_SPOT = "not_spot"
    UNUSED_CHANNEL = "unused_channel"


class DropCounter:
    """Counts dropped frames by reason; shared by a parser and whoever reports its health."""

    __slots__ = ("counts",)

    def __init__(self) -> None:
        self.counts: dict[Drop, int] = {}

    def add(self, reason: Drop) -> None:
        self.counts[reason] = self.counts.get(reason, 0) + 1

    def total(self) -> int:
        return sum(self.counts.values())

    def as_dict(self) -> dict[str, int]:
        return {str(k): v for k, v in sorted(self.counts.items())}


def decode_json(frame: str | bytes, drops: DropCounter) -> object:
    """Untyped decode for the slow path (classifying a frame the typed decoder refused).

    None means "already counted": invalid JSON, or the JSON `null`, which is no frame.
    """
    try:
        obj = msgspec.json.decode(frame)
    except ValueError:  # msgspec.DecodeError, or UnicodeDecodeError for bad UTF-8 in a string
        drops.add(Drop.INVALID_JSON)
        return None
    if obj is None:
        drops.add(Drop.INVALID_FRAME)
    return obj
