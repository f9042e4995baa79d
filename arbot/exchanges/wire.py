"""Wire pieces shared by the venues that send books as `[price, size, ...]` levels: the
checked number types, levels, the one-row `data` array, the subscription `arg`, and the
helpers of the inline decode and the slow path. Venue-neutral by construction.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from typing import Annotated, Any, Generic, Literal, Protocol, TypeVar

import msgspec

Positive = Annotated[float, msgspec.Meta(gt=0.0, le=sys.float_info.max)]
"""A price or size as a quote needs it, checked inside the decoder: NaN, infinities, zero
and negatives fail the decode, and the frame goes to the slow path that says which."""


class Level(msgspec.Struct, array_like=True, gc=False):
    """One book level `[price, size, ...]`; trailing items (a "0", an order count) are ignored.

    Decoded non-strictly, so the venues' numeric strings arrive as floats in the one pass.
    """

    px: float
    sz: float


class LiveLevel(msgspec.Struct, array_like=True, gc=False):
    """`Level` with both numbers `Positive`: the level of a frame that goes straight to a quote."""

    px: Positive
    sz: Positive


LiveSide = Annotated[list[LiveLevel], msgspec.Meta(min_length=1)]
"""A side of an L1 push as a quote needs it: at least one level, best first."""


_Row = TypeVar("_Row")
VenueId = TypeVar("VenueId")
"""The type a live Struct reads a venue id (or a topic naming one) as: see `id_type`."""


def id_type(ids: Sequence[str]) -> Any:
    """How a parser's inline path reads the venue ids of its connection: as one of `ids`
    (a `Literal`, so msgspec hands back the one kept string, already hashed, and an id
    that is not one of them takes the checked path), or as any `str` when `ids` is empty."""
    if not ids:
        return str
    literal: Any = Literal
    return literal[tuple(ids)]


def live_decoder(live: Any, *ids: Sequence[str]) -> Callable[[str | bytes], Any]:
    """The non-strict decoder (numbers sent as strings read as numbers) of the generic
    live Struct `live`, each of its type parameters read as `id_type` of one of `ids`."""
    return msgspec.json.Decoder(live[tuple(map(id_type, ids))], strict=False).decode


class OneRow(msgspec.Struct, Generic[_Row], array_like=True, forbid_unknown_fields=True,
             gc=False):
    """A `data` array of exactly one row, as an L1 push carries it: one object where a
    `list` would be two (a tracked list and its item array), and a push of more rows
    fails the decode (the checked path quotes each row)."""

    row: _Row


class ChannelArg(msgspec.Struct, gc=False):
    """The `arg` object some venues use to name a subscription and tag each push."""

    channel: str
    instId: str
    instType: str = ""  # where the venue puts it here rather than in the data row


class L1Row(Protocol):
    """A `data[]` row of an L1 push, with the venue's field names mapped onto these (by
    `msgspec.field(name=...)` in each venue's wire Struct): book channels fill the levels,
    ticker channels the named best prices."""

    bids: list[Level] | None
    asks: list[Level] | None
    bid: float | None
    bid_size: float | None
    ask: float | None
    ask_size: float | None
    ts: int | None


class PxSz(Protocol):
    """A level as a kept top: `Level` or `LiveLevel`."""

    @property
    def px(self) -> float: ...
    @property
    def sz(self) -> float: ...


def apply_l1_delta(top: PxSz | None, levels: list[Level] | None) -> PxSz | None:
    """Apply one side of a level-1 delta to the kept top: size 0 deletes that price, else
    it is the new top (a level-1 delta carries the side's new best)."""
    if not levels:
        return top
    for level in levels:
        if level.sz == 0.0:
            if top is not None and top.px == level.px:
                top = None
        else:
            top = level
    return top


def dict_get(obj: object, key: str) -> object:
    """`obj[key]` if obj is a dict, else None: for untyped slow-path classification."""
    return obj.get(key) if isinstance(obj, dict) else None
