"""The recorded depth frames `bench/depth.py` times, per venue, split into what primes a
book (untimed) and the deltas that are timed, in the order they were received.

Every venue's frames are real recordings (tests/fixtures/SOURCES.md):

* Binance: the `@depth@100ms` diff stream of 4 symbols and the REST `depth?limit=1000`
  snapshots taken right after it connected. ArBot reads raw `/ws` streams, so it gets each
  frame's `data` payload (its bytes cut out as sent); cryptofeed, which reads combined
  streams, gets the recorded frame. Diffs the snapshot already covers (`u <=
  lastUpdateId`) are part of the priming, not timed.
* Bybit: spot `orderbook.200` (BTCUSDT, ETHUSDT; snapshot then deltas, 2026-08-09): the
  only real Bybit depth recording there is; ArBot subscribes to `orderbook.50`, whose
  frames have the same shape (its deltas are smaller, so this is the harder case).
* OKX: `books` BTC-USDT (one 400x400 snapshot, then updates with a CRC32 `checksum`).
* Bitget: v1 `books` of 8 symbols (snapshots, then updates with a CRC32 `checksum`), the
  only Bitget depth recording; v2 `books` frames differ in `instType` and a `seq` field.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from arbot.domain import Venue
from arbot.exchanges.symbols import SymbolMap

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
SOURCES = {
    Venue.BINANCE: "binance/ws_depth_100ms_diff_2021-10-12.jsonl",
    Venue.BYBIT: "bybit/ws_spot_orderbook200_2026-08-09.jsonl",
    Venue.OKX: "okx/ws_books_BTC-USDT_2022-05-13.jsonl",
    Venue.BITGET: "bitget/LEGACY_v1_ws_spot_books_ticker_trade_2022-04-07.jsonl",
}
KIND = {
    Venue.BINANCE: "@depth@100ms diff + REST snapshot",
    Venue.BYBIT: "spot orderbook.200 snapshot+delta",
    Venue.OKX: "books 400, crc32",
    Venue.BITGET: "v1 books, crc32",
}
BINANCE_REST = "binance/rest_depth_{}_limit1000_2021-10-12.json"


@dataclass
class Stream:
    """One venue's recorded depth traffic, for ArBot and for cryptofeed.

    `prime` frames (snapshots, and Binance diffs older than its REST snapshot) make every
    book whole before a pass; `updates` are the deltas a pass times, in received order.
    `cf_*` are the same frames as cryptofeed's connection delivers them. `rest` holds
    Binance's REST snapshot bodies by venue symbol id.
    """

    venue: Venue
    pairs: list[tuple[str, str]]  # (canonical, venue id)
    prime: list[bytes]
    updates: list[bytes]
    cf_prime: list[str]
    cf_updates: list[str]
    rest: dict[str, bytes] = field(default_factory=dict)

    @property
    def symbols(self) -> list[str]:
        return [canonical for canonical, _ in self.pairs]

    def levels_per_update(self) -> float:
        """Mean changed levels per timed delta (both sides), to say what 'typical' was."""
        total = 0
        for frame in self.updates:
            total += _level_count(self.venue, json.loads(frame))
        return total / len(self.updates)


def stream(venue: Venue) -> Stream:
    lines = (FIXTURES / SOURCES[venue]).read_bytes().splitlines()
    return {Venue.BINANCE: _binance, Venue.BYBIT: _bybit, Venue.OKX: _okx,
            Venue.BITGET: _bitget}[venue](lines)


def _pairs(venue: Venue, ids: list[str]) -> list[tuple[str, str]]:
    guess = SymbolMap(venue, (), guess=True)
    out = []
    for venue_id in dict.fromkeys(ids):
        canonical = guess.to_canonical(venue_id.replace("-", ""))
        assert canonical is not None, venue_id
        out.append((canonical, venue_id))
    return out


def _binance(lines: list[bytes]) -> Stream:
    ids = [json.loads(line)["data"]["s"] for line in lines]
    pairs = _pairs(Venue.BINANCE, ids)
    rest = {vid: (FIXTURES / BINANCE_REST.format(vid)).read_bytes() for _, vid in pairs}
    last = {vid: json.loads(body)["lastUpdateId"] for vid, body in rest.items()}
    s = Stream(Venue.BINANCE, pairs, [], [], [], [], rest)
    for line, vid in zip(lines, ids, strict=True):
        payload = line[line.index(b'"data":') + 7:-1]
        stale = json.loads(payload)["u"] <= last[vid]
        (s.prime if stale else s.updates).append(payload)
        (s.cf_prime if stale else s.cf_updates).append(line.decode())
    return s


def _bybit(lines: list[bytes]) -> Stream:
    msgs = [json.loads(line) for line in lines]
    return _split(Venue.BYBIT, lines, [m["data"]["s"] for m in msgs],
                  [m["type"] == "snapshot" for m in msgs])


def _okx(lines: list[bytes]) -> Stream:
    msgs = [json.loads(line) for line in lines]
    return _split(Venue.OKX, lines, [m["arg"]["instId"] for m in msgs],
                  [m["action"] == "snapshot" for m in msgs])


def _bitget(lines: list[bytes]) -> Stream:
    books = [line for line in lines
             if b'"channel":"books"' in line and b'"data"' in line]
    msgs = [json.loads(line) for line in books]
    return _split(Venue.BITGET, books, [m["arg"]["instId"] for m in msgs],
                  [m["action"] == "snapshot" for m in msgs])


def _split(venue: Venue, lines: list[bytes], ids: list[str], snapshot: list[bool]) -> Stream:
    """Snapshots prime, the rest is timed; a symbol's deltas never precede its snapshot."""
    s = Stream(venue, _pairs(venue, ids), [], [], [], [])
    seen = set()
    for line, vid, snap in zip(lines, ids, snapshot, strict=True):
        assert snap or vid in seen, f"{venue}: a delta of {vid} before its snapshot"
        seen.add(vid)
        (s.prime if snap else s.updates).append(line)
        (s.cf_prime if snap else s.cf_updates).append(line.decode())
    return s


def _level_count(venue: Venue, msg: dict[str, object]) -> int:
    data = msg.get("data", msg)  # a Binance raw payload is the data itself
    if isinstance(data, list):
        data = data[0]
    assert isinstance(data, dict)
    keys = ("b", "a") if venue in (Venue.BINANCE, Venue.BYBIT) else ("bids", "asks")
    return sum(len(data[k]) for k in keys)
