"""The frames `bench/parse.py` times, and the old parsers it times beside the new ones.

Frames, per venue, as ArBot receives them on its default connection, from the recorded
fixtures (tests/fixtures/SOURCES.md):

* Binance: ArBot reads raw `/ws` streams, so each frame is the `data` payload of a
  recorded combined-stream bookTicker frame, its bytes cut out as sent. Peers that use
  combined streams (cryptofeed) get the recorded frame itself.
* Bybit: the recorded spot `orderbook.1` pushes.
* OKX: the recorded spot `tickers` pushes (no `bbo-tbt` recording exists).
* Bitget: no v2 recording exists; the real v1 `books` recording (2022-04-07) is replayed
  into a book per symbol and each state's top is written as the v2 `books1` push ArBot
  subscribes to (docs shape: one level per side, `checksum` 0, `ts` a string), prices,
  sizes, ids and times as recorded.

Only frames that yield a quote are kept, so every venue is timed on its L1 path.

Old parsers: the same `arbot` package at another git ref (default `main`), extracted to a
temporary directory under the name `arbot_old` (its `arbot` imports renamed), so both run
in one process and their samples interleave.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module
from io import BytesIO
from pathlib import Path
from typing import Any

import msgspec

from arbot.domain import Quote, Venue
from arbot.exchanges import adapter_for
from arbot.exchanges.drops import DropCounter
from arbot.exchanges.frameparser import FrameParser
from arbot.exchanges.symbols import SymbolMap, parse_canonical

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
SOURCES = {
    Venue.BINANCE: "binance/ws_bookTicker_2021-10-12.jsonl",
    Venue.BYBIT: "bybit/ws_spot_orderbook1_2025-06-13.jsonl",
    Venue.OKX: "okx/ws_tickers_BTC-USDT_2022-05-13.jsonl",
    Venue.BITGET: "bitget/LEGACY_v1_ws_spot_books_ticker_trade_2022-04-07.jsonl",
}
KIND = {
    Venue.BINANCE: "raw /ws bookTicker (recorded payloads)",
    Venue.BYBIT: "orderbook.1 (recorded)",
    Venue.OKX: "tickers (recorded)",
    Venue.BITGET: "books1 (tops of the recorded v1 books)",
}


@dataclass(frozen=True)
class VenueFrames:
    """One venue's frames for ArBot, the same market data as each peer's connection
    delivers it (`combined`: Binance's combined-stream frames), and the symbol pairs."""

    arbot: list[bytes]
    combined: list[bytes]
    pairs: list[tuple[str, str]]  # (canonical, venue id)


def venue_frames(venue: Venue) -> VenueFrames:
    lines = (FIXTURES / SOURCES[venue]).read_bytes().splitlines()
    if venue is Venue.BITGET:
        lines = _books1_from_v1(lines)
    combined = lines
    if venue is Venue.BINANCE:  # `{"stream":..,"data":<payload>}`: the payload's own bytes
        lines = [line[line.index(b'"data":') + 7:-1] for line in lines]
    adapter = adapter_for(venue)
    probe = adapter.new_parser(SymbolMap(venue, (), guess=True).to_canonical, DropCounter())
    keep, pairs = [], set()
    for i, line in enumerate(lines):
        q = probe.quote(line, 0)
        if q is not None:
            keep.append(i)
            pairs.add((q.symbol, adapter.venue_id(*parse_canonical(q.symbol))))
    arbot, wrapped = [lines[i] for i in keep], [combined[i] for i in keep]
    if venue is Venue.BINANCE:
        arbot, wrapped = _rising_updates(arbot), _rising_updates(wrapped)
    return VenueFrames(arbot, wrapped, sorted(pairs))


PASSES = 40
"""Binance's recording played this many times over, enough for one sample unwrapped."""
_UPDATE_ID = re.compile(rb'"u":(\d+)')


def _rising_updates(frames: list[bytes]) -> list[bytes]:
    """bookTicker's update id `u` only grows on a connection, and ArBot drops a push
    whose `u` is older than the symbol's last (a replay). Cycling the recording as is
    would time that drop, not the quote: each pass's ids are moved past the last pass's,
    the same bytes for every contender, so each sample is an in-order stream (the bench
    resets ArBot's order between samples, `order_reset`)."""
    top = max(int(m) for f in frames for m in _UPDATE_ID.findall(f)) + 1
    return [_UPDATE_ID.sub(lambda m, k=k: b'"u":%d' % (int(m.group(1)) + k * top), f)
            for k in range(PASSES) for f in frames]


def order_reset(parser: object) -> Callable[[], None] | None:
    """What forgets a parser's per-symbol update order between samples (None if it keeps
    none): each sample replays the same ids from the start. `_order` today, `_last_update`
    in older code (timed as `old`)."""
    for name in ("_order", "_last_update"):
        state = getattr(parser, name, None)
        if isinstance(state, dict):
            return state.clear
    return None


def _books1_from_v1(lines: list[bytes]) -> list[bytes]:
    """v2 `books1` pushes carrying the top of each recorded v1 `books` state."""
    books: dict[str, tuple[dict[str, str], dict[str, str]]] = {}
    out: list[bytes] = []
    for line in lines:
        msg = json.loads(line)
        arg = msg.get("arg", {})
        if arg.get("channel") != "books" or "data" not in msg:
            continue
        row = msg["data"][0]
        inst = arg["instId"]
        if msg["action"] == "snapshot":
            books[inst] = ({}, {})
        if inst not in books:
            continue
        for side, levels in zip(books[inst], (row["bids"], row["asks"]), strict=True):
            for px, sz in levels:
                if float(sz) == 0.0:
                    side.pop(px, None)
                else:
                    side[px] = sz
        bids, asks = books[inst]
        if not bids or not asks:
            continue
        bid = max(bids, key=float)
        ask = min(asks, key=float)
        push = {"action": "snapshot",
                "arg": {"instType": "SPOT", "channel": "books1", "instId": inst},
                "data": [{"asks": [[ask, asks[ask]]], "bids": [[bid, bids[bid]]],
                          "checksum": 0, "seq": len(out) + 1, "ts": row["ts"]}],
                "ts": int(row["ts"])}
        out.append(json.dumps(push, separators=(",", ":")).encode())
    return out


def new_parser(venue: Venue, pairs: list[tuple[str, str]]) -> FrameParser:
    """The live configuration: an exact map, as built from instruments or settings, and
    the ids the connection subscribes to, as the feed passes them."""
    return adapter_for(venue).new_parser(SymbolMap(venue, pairs).lookup, DropCounter(),
                                         [venue_id for _, venue_id in pairs])


def live_decode(parser: FrameParser, frames: list[bytes]) -> Callable[[bytes], object]:
    """The venue's strict typed decode of `frames` alone, the floor under `quote`: the
    parser's live decoder, or the one of its live decoders (one per kind of L1 push) that
    reads them."""
    decoders = getattr(parser, "_lives", None) or (parser._live,)  # type: ignore[attr-defined]
    for decode in decoders:
        try:
            decode(frames[0])
        except ValueError:
            continue
        return decode  # type: ignore[no-any-return]
    raise ValueError(f"no live decoder of {type(parser).__name__} reads these frames")


class _Px(msgspec.Struct, array_like=True, gc=False):
    px: float
    sz: float


class _Id(msgspec.Struct, gc=False):
    instId: str


class _BinanceMin(msgspec.Struct, gc=False):
    s: str
    b: float
    B: float
    a: float
    A: float


class _BybitBook(msgspec.Struct, gc=False):
    s: str
    b: tuple[_Px]
    a: tuple[_Px]


class _BybitMin(msgspec.Struct, gc=False):
    ts: int
    data: _BybitBook


class _OkxRow(msgspec.Struct, gc=False):
    askPx: float
    askSz: float
    bidPx: float
    bidSz: float
    ts: int


class _OkxMin(msgspec.Struct, gc=False):
    arg: _Id
    data: tuple[_OkxRow]


class _BitgetRow(msgspec.Struct, gc=False):
    asks: tuple[_Px]
    bids: tuple[_Px]
    ts: int


class _BitgetMin(msgspec.Struct, gc=False):
    arg: _Id
    data: tuple[_BitgetRow]


class _Nothing(msgspec.Struct, gc=False):
    """No fields: msgspec only reads and checks the JSON, keeping nothing."""


_MINIMAL = {Venue.BINANCE: _BinanceMin, Venue.BYBIT: _BybitMin, Venue.OKX: _OkxMin,
            Venue.BITGET: _BitgetMin}


def minimal_decode(venue: Venue) -> Callable[[bytes], object]:
    """The floor under any msgspec parser of these frames: the same bytes decoded into a
    Struct of only what a Quote needs (the id, four numbers, the time), as cheap types as
    msgspec has, with no check of channel, topic, sign or finiteness."""
    return msgspec.json.Decoder(_MINIMAL[venue], strict=False).decode


def scan_decode() -> Callable[[bytes], object]:
    """Below that floor: msgspec reading a frame and keeping nothing."""
    return msgspec.json.Decoder(_Nothing).decode


OldParser = tuple[Callable[[bytes, int], Any], Callable[[], None] | None]


def old_parsers(ref: str, tmp: Path) -> Callable[[Venue, list[tuple[str, str]]], OldParser] | str:
    """A factory of the old parser's entry point per venue at git `ref` (its `quote`
    where it has one, as the feed loop calls it, else its `parse`) and its `order_reset`,
    or why there is none."""
    try:
        tar = subprocess.run(["git", "-C", str(ROOT), "archive", ref, "arbot"],
                             check=True, capture_output=True).stdout
    except (OSError, subprocess.CalledProcessError) as e:
        return f"no old code at {ref}: {e}"
    with tarfile.open(fileobj=BytesIO(tar)) as t:
        t.extractall(tmp, filter="data")
    pkg = tmp / "arbot"
    for path in pkg.rglob("*.py"):
        text = path.read_text()
        text = re.sub(r"\b(from|import) arbot\b", r"\1 arbot_old", text)
        path.write_text(re.sub(r"\barbot\.", "arbot_old.", text))  # dotted names in strings
    pkg.rename(tmp / "arbot_old")
    sys.path.insert(0, str(tmp))
    exchanges = import_module("arbot_old.exchanges")
    symbols = import_module("arbot_old.exchanges.symbols")
    base = import_module("arbot_old.exchanges.base")
    old_venue = import_module("arbot_old.domain").Venue

    def build(venue: Venue, pairs: list[tuple[str, str]]) -> OldParser:
        v = old_venue(str(venue))
        smap = symbols.SymbolMap(v, pairs)
        parser = exchanges.adapter_for(v).new_parser(smap.lookup, base.DropCounter())
        return getattr(parser, "quote", parser.parse), order_reset(parser)

    return build


def same_quotes(venue: Venue, frames: list[bytes], new: FrameParser,
                old: Callable[[bytes, int], Any]) -> None:
    """The new `quote` and the old entry point agree on every frame (else the timing is
    moot)."""
    for frame in frames:
        q = new.quote(frame, 7)
        got = old(frame, 7)
        [o] = got if isinstance(got, list) else [got]
        assert isinstance(q, Quote), (venue, frame)
        assert (q.symbol, q.bid, q.bid_size, q.ask, q.ask_size, q.ts_exchange_ms) == (
            o.symbol, o.bid, o.bid_size, o.ask, o.ask_size, o.ts_exchange_ms), (venue, frame)


def temp_dir() -> tempfile.TemporaryDirectory[str]:
    return tempfile.TemporaryDirectory(prefix="arbot-parse-bench-")
