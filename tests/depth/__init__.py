"""Depth tests: books kept true to each venue's rules. Frame builders shared by the test
modules live here; checksums are computed with `zlib` straight from each venue's
documented algorithm, not with ArBot's own function."""

from __future__ import annotations

import json
import zlib
from collections.abc import Sequence

from arbot.depth.board import DepthBoard
from arbot.domain import Venue
from arbot.exchanges import adapter_for
from arbot.exchanges.depthparser import DepthFrameParser
from arbot.exchanges.drops import DropCounter
from arbot.exchanges.symbols import SymbolMap

Levels = Sequence[tuple[str, str]]


def dumps(value: object) -> str:
    return json.dumps(value, separators=(",", ":"))


def crc(bids: Levels, asks: Levels, n: int = 25) -> int:
    """The venues' checksum: `bid:size:ask:size:...` over the top n, as a signed int32."""
    parts: list[str] = []
    for i in range(max(len(bids[:n]), len(asks[:n]))):
        if i < len(bids):
            parts += bids[i]
        if i < len(asks):
            parts += asks[i]
    value = zlib.crc32(":".join(parts).encode())
    return value - (1 << 32) if value >= 1 << 31 else value


def depth_parser(venue: Venue, pairs: Sequence[tuple[str, str]],
                 board: DepthBoard | None = None) -> DepthFrameParser:
    smap = SymbolMap(venue, pairs)
    p = adapter_for(venue).new_depth_parser(smap.to_canonical, DropCounter(),
                                            board or DepthBoard(50))
    assert isinstance(p, DepthFrameParser)
    return p


def binance_diff(first: int, last: int, bids: Levels = (), asks: Levels = (),
                 symbol: str = "BTCUSDT", ts: int = 1) -> str:
    return dumps({"e": "depthUpdate", "E": ts, "s": symbol, "U": first, "u": last,
                  "b": [list(x) for x in bids], "a": [list(x) for x in asks]})


def binance_snapshot(last_update_id: int, bids: Levels, asks: Levels) -> str:
    return dumps({"lastUpdateId": last_update_id, "bids": [list(x) for x in bids],
                  "asks": [list(x) for x in asks]})


def bybit_push(kind: str, u: int, bids: Levels = (), asks: Levels = (),
               symbol: str = "BTCUSDT", ts: int = 1) -> str:
    return dumps({"topic": f"orderbook.50.{symbol}", "ts": ts, "type": kind,
                  "data": {"s": symbol, "b": [list(x) for x in bids],
                           "a": [list(x) for x in asks], "u": u, "seq": 1000 + u},
                  "cts": ts})


def okx_push(action: str, bids: Levels, asks: Levels, checksum: int,
             seq: int | None = None, prev: int | None = None, inst: str = "BTC-USDT") -> str:
    row: dict[str, object] = {"asks": [[p, s, "0", "1"] for p, s in asks],
                              "bids": [[p, s, "0", "1"] for p, s in bids],
                              "ts": "1700000000000", "checksum": checksum}
    if seq is not None:
        row["seqId"] = seq
        row["prevSeqId"] = prev
    return dumps({"arg": {"channel": "books", "instId": inst}, "action": action,
                  "data": [row]})


def bitget_push(action: str, bids: Levels, asks: Levels, checksum: int,
                seq: int | None = None, inst: str = "BTCUSDT") -> str:
    row: dict[str, object] = {"asks": [list(x) for x in asks], "bids": [list(x) for x in bids],
                              "checksum": checksum, "ts": "1695710946294"}
    if seq is not None:
        row["seq"] = seq
    return dumps({"action": action, "arg": {"instType": "SPOT", "channel": "books",
                                            "instId": inst}, "data": [row],
                  "ts": 1695710946294})
