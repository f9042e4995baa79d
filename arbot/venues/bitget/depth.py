"""Bitget v2 spot depth: `books`, a snapshot then updates, checked by the CRC32 of the
top 25 levels over the original strings, `seq` increasing (docs/depth.md, "Channels
chosen"). Pure.

Bitget, "Depth Channel" (https://www.bitget.com/api-doc/spot/websocket/public/Depth-Channel):
"Use the first 25 bids and asks in the local snapshot to build a string ... and then
calculate the CRC32 value (32-bit signed integer)"; "If price is '0.5000', DO NOT
calculate the checksum by '0.5', please DO use the original value"; `seq` "increases when
the order book is updated and can be used to determine whether there is out-of-order
packets".
"""

from __future__ import annotations

from arbot.depth.sync import BookRules, Chain
from arbot.domain import Venue
from arbot.exchanges.depthwire import BookRow, Decode, DepthCodec, arg_books

_VENUE = Venue.BITGET
CHANNEL = "books"

RULES = BookRules(chain=Chain.INCREASING, checksum_levels=25)


def channel_arg(venue_id: str) -> dict[str, str]:
    return {"instType": "SPOT", "channel": CHANNEL, "instId": venue_id}


def _sequence(row: BookRow) -> tuple[int | None, int | None]:
    return row.seq, None


def decoder(inst_type: str = "SPOT") -> Decode:
    """The `books` decoder for pushes tagged `inst_type`: v2 spot says "SPOT" (the legacy
    v1 protocol said "sp"; its recordings frame `books` alike, without `seq`)."""
    return arg_books(_VENUE, CHANNEL, lambda arg: arg.instType == inst_type, _sequence)


decode = decoder()
CODEC = DepthCodec(venue=_VENUE, rules=RULES, decode=decode)
