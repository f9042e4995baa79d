"""Depth-channel helpers for the simulator's tests: subscribe, read a push as its venue
documents it (Binance web-socket-streams.md "Diff. Depth Stream", Bybit orderbook.mdx, OKX
"Order book channel", Bitget Depth-Channel), keep a book of the strings received and
compute the checksum with zlib, independently of the simulator's own code.

Each push is reduced to where it sits in its venue's chain: `prev` is the id it chains
from and `this` its own (Binance `U - 1`/`u`, Bybit `u - 1`/`u`, OKX `prevSeqId`/`seqId`,
Bitget `seq - 1`/`seq`), so one checker reads every venue's sequence.
"""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import aiohttp

from arbot.domain import Venue
from tests.sim import recv_json

VENUE_ID = {Venue.BINANCE: "BTCUSDT", Venue.BYBIT: "BTCUSDT", Venue.OKX: "BTC-USDT",
            Venue.BITGET: "BTCUSDT"}


def subscribe(venue: Venue, venue_id: str, op: str = "subscribe") -> str:
    """The venue's documented (un)subscribe request for its depth channel."""
    if venue is Venue.BINANCE:
        return json.dumps({"method": op.upper(), "params": [f"{venue_id.lower()}@depth@100ms"],
                           "id": 1})
    if venue is Venue.BYBIT:
        return json.dumps({"op": op, "args": [f"orderbook.50.{venue_id}"]})
    arg = {"channel": "books", "instId": venue_id}
    if venue is Venue.BITGET:
        arg = {"instType": "SPOT", **arg}
    return json.dumps({"op": op, "args": [arg]})


@dataclass
class Push:
    """One depth push as read from the wire."""

    snapshot: bool
    bids: list[list[str]]
    asks: list[list[str]]
    prev: int
    this: int
    checksum: int | None
    frame: Any


def as_push(venue: Venue, frame: Any) -> Push | None:
    """The depth push in `frame`, None for anything else (acks, other channels)."""
    if venue is Venue.BINANCE:
        data = frame.get("data", frame) if isinstance(frame.get("data"), dict) else frame
        if data.get("e") != "depthUpdate":
            return None
        return Push(False, data["b"], data["a"], data["U"] - 1, data["u"], None, frame)
    if venue is Venue.BYBIT:
        if not str(frame.get("topic", "")).startswith("orderbook.50."):
            return None
        d = frame["data"]
        return Push(frame["type"] == "snapshot", d["b"], d["a"], d["u"] - 1, d["u"], None, frame)
    if "data" not in frame or frame.get("arg", {}).get("channel") != "books":
        return None
    row = frame["data"][0]
    bids, asks = [lv[:2] for lv in row["bids"]], [lv[:2] for lv in row["asks"]]
    snapshot = frame["action"] == "snapshot"
    if venue is Venue.OKX:
        return Push(snapshot, bids, asks, row["prevSeqId"], row["seqId"], row["checksum"], frame)
    return Push(snapshot, bids, asks, row["seq"] - 1, row["seq"], row["checksum"], frame)


async def next_push(ws: aiohttp.ClientWebSocketResponse, venue: Venue) -> Push:
    while True:
        push = as_push(venue, await recv_json(ws))
        if push is not None:
            return push


def crc32_signed(text: str) -> int:
    crc = zlib.crc32(text.encode())
    return crc - 2**32 if crc >= 2**31 else crc


@dataclass
class StrBook:
    """A book of the price and size strings exactly as received."""

    bids: dict[str, str] = field(default_factory=dict)
    asks: dict[str, str] = field(default_factory=dict)

    def apply(self, push: Push) -> None:
        if push.snapshot:
            self.bids.clear()
            self.asks.clear()
        self.levels(push.bids, push.asks)

    def levels(self, bids: list[list[str]], asks: list[list[str]]) -> None:
        for side, levels in ((self.bids, bids), (self.asks, asks)):
            for price, size in levels:
                if Decimal(size) == 0:
                    side.pop(price, None)
                else:
                    side[price] = size

    def best(self, n: int) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
        bids = sorted(self.bids.items(), key=lambda lv: Decimal(lv[0]), reverse=True)[:n]
        asks = sorted(self.asks.items(), key=lambda lv: Decimal(lv[0]))[:n]
        return bids, asks

    def top(self) -> tuple[Decimal, Decimal, Decimal, Decimal]:
        (b, bq), (a, aq) = self.best(1)[0][0], self.best(1)[1][0]
        return Decimal(b), Decimal(bq), Decimal(a), Decimal(aq)

    def checksum(self) -> int:
        """OKX and Bitget: the first 25 bids and asks, alternating, `price:size`."""
        bids, asks = self.best(25)
        parts = []
        for i in range(25):
            for side in (bids, asks):
                if i < len(side):
                    parts.append(f"{side[i][0]}:{side[i][1]}")
        return crc32_signed(":".join(parts))


@dataclass
class Chain:
    """Reads a venue's sequence: what chained, what left a gap, what came late."""

    last: int | None = None
    gaps: list[int] = field(default_factory=list)
    """The id a push chained from that never came (the missing push's own id)."""
    late: list[int] = field(default_factory=list)
    """Ids of pushes that came after a later one."""

    def see(self, push: Push) -> None:
        if push.snapshot or self.last is None:
            self.last = push.this
        elif push.this < self.last:
            self.late.append(push.this)
            if push.this in self.gaps:  # what looked like a gap was this push, late
                self.gaps.remove(push.this)
        else:
            if push.prev != self.last:
                self.gaps.append(push.prev)
            self.last = push.this


async def book_faults(http: aiohttp.ClientSession, truth_url: str) -> list[dict[str, Any]]:
    async with http.get(truth_url) as resp:
        body = await resp.json()
    faults: list[dict[str, Any]] = body["book_faults"]
    return faults
