"""Binance spot depth: the `<symbol>@depth@100ms` diff stream and the REST snapshot it is
synchronised with (docs/depth.md, "Channels chosen"). Pure.

Binance, "WebSocket Streams", "Diff. Depth Stream" and "How to manage a local order book
correctly": buffer the diffs, fetch `GET /api/v3/depth`, chain the diffs onto its
`lastUpdateId` by their `U`/`u` (the rules are `RULES`, applied by `BookKeeper`).
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

_VENUE = Venue.BINANCE
_EVENT = "depthUpdate"

# 500 levels a side: ten times the deepest walk (`depth = 50`), so the levels the diffs
# never touch (absent from our book until they change) stay far from the walked top, at a
# request weight of 25 ("weight 5/25/50/250 for limit 1-100/101-500/501-1000/1001-5000"),
# which lets a hundred symbols start inside half the IP's 6000-a-minute budget.
SNAPSHOT_LIMIT = 500
SNAPSHOT_WEIGHT = 25

RULES = BookRules(chain=Chain.DIFF_RANGE, rest_snapshot=True,
                  # The diffs touch every level of the venue's book; keep twice what the
                  # snapshot brought, so memory stays bounded between resyncs.
                  trim_to=2 * SNAPSHOT_LIMIT)


class Diff(msgspec.Struct, gc=False):
    """`depthUpdate`: `U` first and `u` last update id in the event, `E` event time (ms).

    {"e":"depthUpdate","E":1672515782136,"s":"BNBBTC","U":157,"u":160,"b":[["0.0024","10"]],
     "a":[["0.0026","100"]]}
    """

    e: str
    E: int
    s: str
    U: int
    u: int
    b: TextLevels
    a: TextLevels


class Combined(msgspec.Struct, gc=False):
    """The combined-stream envelope `{"stream":"<name>","data":<payload>}`."""

    stream: str
    data: Diff


class Snapshot(msgspec.Struct, gc=False):
    """`GET /api/v3/depth`: `{"lastUpdateId":1027024,"bids":[["4.00000000","431.00000000"]],
    "asks":[["4.00000200","12.00000000"]]}`."""

    lastUpdateId: int
    bids: TextLevels
    asks: TextLevels


_raw = msgspec.json.Decoder(Diff).decode
_combined = msgspec.json.Decoder(Combined).decode
_snapshot = msgspec.json.Decoder(Snapshot).decode


def channel_arg(venue_id: str) -> str:
    return f"{venue_id.lower()}@depth@100ms"


def snapshot_path(venue_id: str) -> str:
    return f"/api/v3/depth?symbol={venue_id}&limit={SNAPSHOT_LIMIT}"


def decode(frame: str | bytes, recv_ns: int, symbols: SymbolMap) -> Decoded:
    """A diff on the raw `/ws` stream (ArBot's), or wrapped as a combined stream (the
    recordings')."""
    try:
        d = _raw(frame)
    except ValueError:
        try:
            d = _combined(frame).data
        except ValueError:
            return classify(frame, _is_depth)
    if d.e != _EVENT:
        return None
    symbol = symbols(d.s)
    if symbol is None:
        return Drop.UNKNOWN_SYMBOL
    if not (sane(d.b) and sane(d.a)):
        return Drop.INVALID_FRAME
    return BookDelta(venue=_VENUE, symbol=symbol, snapshot=False, bids=d.b, asks=d.a,
                     seq=d.u, prev_seq=d.U, ts_exchange_ms=d.E, ts_recv_ns=recv_ns)


def snapshot(symbol: str, body: str | bytes, recv_ns: int) -> BookDelta | None:
    """The REST snapshot as a snapshot delta whose seq is its `lastUpdateId`; None if the
    body is not one."""
    try:
        s = _snapshot(body)
    except ValueError:
        return None
    if not (sane(s.bids) and sane(s.asks)):
        return None
    return BookDelta(venue=_VENUE, symbol=symbol, snapshot=True, bids=s.bids, asks=s.asks,
                     seq=s.lastUpdateId, ts_recv_ns=recv_ns)


def _is_depth(obj: dict[str, object]) -> bool:
    data = obj.get("data", obj)
    return isinstance(data, dict) and data.get("e") == _EVENT


CODEC = DepthCodec(venue=_VENUE, rules=RULES, decode=decode, snapshot=snapshot)
