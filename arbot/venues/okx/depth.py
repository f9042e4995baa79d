"""OKX v5 spot depth: `books`, a 400-level snapshot then updates, chained by
`seqId`/`prevSeqId` and checked by the CRC32 of the top 25 levels (docs/depth.md,
"Channels chosen"). Pure.

OKX, "Order book channel" (https://www.okx.com/docs-v5/en/#order-book-trading-market-data-ws-order-book-channel):
"The prevSeqId in the new message matches with seqId of the previous message"; a frame
without changes has `seqId == prevSeqId`; after maintenance `seqId` may fall below
`prevSeqId` and chaining goes on from there; "Use the first 25 bids and asks in the full
load to form a string ... and then calculate the CRC32 value (32-bit signed integer)".
Recordings before 2023 carry no `seqId`/`prevSeqId`: their checksums alone chain them.
"""

from __future__ import annotations

from arbot.depth.sync import BookRules, Chain
from arbot.domain import Venue
from arbot.exchanges.depthwire import BookArg, BookRow, DepthCodec, arg_books

_VENUE = Venue.OKX
CHANNEL = "books"
# "If you need to subscribe to many 50 or 400 depth level channels, it is recommended to
# subscribe through multiple websocket connections, with each of less than 30 channels."
STREAMS_PER_CONNECTION = 29

RULES = BookRules(chain=Chain.PREV_ID, checksum_levels=25)


def channel_arg(venue_id: str) -> dict[str, str]:
    return {"channel": CHANNEL, "instId": venue_id}


def _spot(arg: BookArg) -> bool:
    """Book pushes name no instType; only spot ids have one dash (BTC-USDT, not
    BTC-USD-220527 or UNI-USD-SWAP)."""
    return arg.instId.count("-") == 1


def _sequence(row: BookRow) -> tuple[int | None, int | None]:
    return row.seqId, row.prevSeqId


decode = arg_books(_VENUE, CHANNEL, _spot, _sequence)
CODEC = DepthCodec(venue=_VENUE, rules=RULES, decode=decode)
