"""Bybit v5 spot depth: `orderbook.50.<SYMBOL>` snapshot + delta (docs/depth.md,
"Channels chosen"). Pure.

Bybit, "Orderbook" (docs/v5/websocket/public/orderbook): "If you receive a new `snapshot`
message, you will have to reset your local orderbook"; "Occasionally, you'll receive
"u"=1, which is a snapshot data due to the restart of the service. So please overwrite
your local orderbook". No checksum exists; `u` advances by one per delta.
"""

from __future__ import annotations

import msgspec

from arbot.depth.sync import BookRules, Chain
from arbot.domain import BookDelta, Venue
from arbot.exchanges.depthwire import (
    Decoded,
    DepthCodec,
    SymbolMap,
    TextLevels,
    classify,
    sane,
)
from arbot.exchanges.drops import Drop

_VENUE = Venue.BYBIT
_TOPIC = "orderbook."  # every depth of the family frames its pushes alike
LEVELS = 50

RULES = BookRules(chain=Chain.PLUS_ONE, trim_to=LEVELS, restart_seq=1)


class Book(msgspec.Struct, gc=False):
    """`data`: bids best first, asks best first, a side absent when unchanged."""

    s: str
    u: int
    b: TextLevels = []
    a: TextLevels = []
    seq: int | None = None


class Push(msgspec.Struct, gc=False):
    """{"topic":"orderbook.50.BTCUSDT","type":"delta","ts":1687940967466,"data":{"s":
    "BTCUSDT","b":[["30247.20","30.028"]],"a":[["30248.70","0"]],"u":177400507,
    "seq":66544703342},"cts":1687940967464}"""

    topic: str
    ts: int
    type: str
    data: Book


_decoder = msgspec.json.Decoder(Push)


def channel_arg(venue_id: str) -> str:
    return f"{_TOPIC}{LEVELS}.{venue_id}"


def decode(frame: str | bytes, recv_ns: int, symbols: SymbolMap) -> Decoded:
    try:
        p = _decoder.decode(frame)
    except ValueError:
        return classify(frame, _is_depth)
    if not p.topic.startswith(_TOPIC):
        return None
    kind = p.type
    if kind != "snapshot" and kind != "delta":
        return Drop.INVALID_FRAME
    book = p.data
    symbol = symbols(book.s)
    if symbol is None:
        return Drop.UNKNOWN_SYMBOL
    if not (sane(book.b) and sane(book.a)):
        return Drop.INVALID_FRAME
    return BookDelta(venue=_VENUE, symbol=symbol, snapshot=kind == "snapshot", bids=book.b,
                     asks=book.a, seq=book.u, ts_exchange_ms=p.ts, ts_recv_ns=recv_ns)


def _is_depth(obj: dict[str, object]) -> bool:
    topic = obj.get("topic")
    return isinstance(topic, str) and topic.startswith(_TOPIC)


CODEC = DepthCodec(venue=_VENUE, rules=RULES, decode=decode)
