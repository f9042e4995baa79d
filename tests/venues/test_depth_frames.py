"""What a depth connection carries besides good depth pushes: control frames yield exactly
the events the venue's L1 parser yields (the same code reads them), malformed frames are
counted drops and never an exception, and no frame, however mangled, leaves a synced book
holding a number a venue could not have sent."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from arbot.depth.board import DepthBoard
from arbot.domain import FeedEvent, Quote, Venue
from arbot.exchanges import adapter_for
from arbot.exchanges.depthparser import DepthFrameParser
from arbot.exchanges.drops import Drop, DropCounter
from arbot.exchanges.frameparser import FrameParser
from arbot.exchanges.symbols import SymbolMap
from tests.depth import (
    binance_diff,
    binance_snapshot,
    bitget_push,
    bybit_push,
    crc,
    depth_parser,
    okx_push,
)
from tests.exchanges import lines
from tests.exchanges.test_parser_events import CASES

BN, BY, OKX, BG = Venue.BINANCE, Venue.BYBIT, Venue.OKX, Venue.BITGET
PAIRS = {BN: ("BTC-USDT", "BTCUSDT"), BY: ("BTC-USDT", "BTCUSDT"),
         OKX: ("BTC-USDT", "BTC-USDT"), BG: ("BTC-USDT", "BTCUSDT")}
BIDS = [("100.0", "1"), ("99.5", "2")]
ASKS = [("100.5", "3"), ("101.0", "4")]


def guessing_parsers(venue: Venue) -> tuple[DepthFrameParser, FrameParser]:
    smap = SymbolMap(venue, (), guess=True)
    adapter = adapter_for(venue)
    depth = adapter.new_depth_parser(smap.to_canonical, DropCounter(), DepthBoard(50))
    assert isinstance(depth, DepthFrameParser)
    return depth, adapter.new_parser(smap.to_canonical, DropCounter())


@pytest.mark.parametrize(("venue", "frame", "expected"), CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_control_frames_yield_what_the_l1_parser_yields(venue: Venue, frame: bytes | str,
                                                        expected: list[FeedEvent]) -> None:
    depth, l1 = guessing_parsers(venue)
    assert depth.parse(frame, 0) == l1.parse(frame, 0) == expected
    assert depth.drops.total() == 0


@pytest.mark.parametrize("venue", list(Venue))
@pytest.mark.parametrize("frame", [b"{", b"", b"\xff\xfe", b"null", b"[]", b"{}", "42",
                                   '{"foo":1}', '{"data":{"e":"kline"}}'])
def test_frames_of_no_channel_are_counted_as_the_l1_parser_counts_them(
        venue: Venue, frame: bytes | str) -> None:
    depth, l1 = guessing_parsers(venue)
    assert depth.parse(frame, 0) == l1.parse(frame, 0) == []
    assert depth.drops.counts == l1.drops.counts and depth.drops.total() == 1


def good(venue: Venue) -> str:
    """A snapshot-bearing first frame, or for Binance a diff (its snapshot comes by REST)."""
    if venue is BN:
        return binance_diff(1, 2, BIDS, ASKS)
    if venue is BY:
        return bybit_push("snapshot", 1, BIDS, ASKS)
    if venue is OKX:
        return okx_push("snapshot", BIDS, ASKS, crc(BIDS, ASKS))
    return bitget_push("snapshot", BIDS, ASKS, crc(BIDS, ASKS), 1)


BAD_LEVELS = [["abc", "1"], ["NaN", "1"], ["-1", "1"], ["0", "1"], ["1e400", "1"],
              ["100", "-1"], ["100", "nan"], [100, "1"], ["100"], "x"]


@pytest.mark.parametrize("venue", list(Venue))
@pytest.mark.parametrize("level", BAD_LEVELS, ids=[json.dumps(x) for x in BAD_LEVELS])
def test_a_depth_push_with_a_bad_level_is_one_invalid_frame(venue: Venue, level: Any) -> None:
    frame = json.loads(good(venue))
    row = frame.get("data", frame)
    row = row[0] if isinstance(row, list) else row
    key = next(k for k in ("bids", "b") if k in row)
    row[key] = [level, *row[key]]
    p = depth_parser(venue, [PAIRS[venue]])
    assert p.parse(json.dumps(frame), 0) == []
    assert p.drops.counts == {Drop.INVALID_FRAME: 1}
    assert not p.board.book(venue, "BTC-USDT").synced


@pytest.mark.parametrize(("venue", "frame", "reason"), [
    (BN, binance_diff(1, 2, BIDS, ASKS, symbol="ETHUSDT"), Drop.UNKNOWN_SYMBOL),
    (BY, bybit_push("snapshot", 1, BIDS, ASKS, symbol="ETHUSDT"), Drop.UNKNOWN_SYMBOL),
    (BY, bybit_push("partial", 1, BIDS, ASKS), Drop.INVALID_FRAME),
    (OKX, okx_push("snapshot", BIDS, ASKS, 0, inst="BTC-USD-SWAP"), Drop.NOT_SPOT),
    (OKX, okx_push("snapshot", BIDS, ASKS, 0, inst="ETH-USDT"), Drop.UNKNOWN_SYMBOL),
    (OKX, okx_push("refresh", BIDS, ASKS, 0), Drop.INVALID_FRAME),
    (OKX, '{"arg":{"channel":"books","instId":"BTC-USDT"},"action":"update","data":[]}',
     Drop.INVALID_FRAME),
    (BG, bitget_push("snapshot", BIDS, ASKS, 0).replace('"SPOT"', '"USDT-FUTURES"'),
     Drop.NOT_SPOT),
    (BN, '{"e":"depthUpdate","E":1,"s":"BTCUSDT","U":1,"b":[],"a":[]}', Drop.INVALID_FRAME),
    (BN, '{"stream":"btcusdt@depth@100ms","data":{"e":"depthUpdate","s":"BTCUSDT"}}',
     Drop.INVALID_FRAME),
    (BY, '{"topic":"orderbook.50.BTCUSDT","type":"delta","data":{"s":"BTCUSDT"}}',
     Drop.INVALID_FRAME),
])
def test_unusable_depth_pushes_are_counted(venue: Venue, frame: str, reason: Drop) -> None:
    p = depth_parser(venue, [PAIRS[venue]])
    assert p.parse(frame, 0) == []
    assert p.drops.counts == {reason: 1}


def test_a_dropped_frame_is_a_missed_frame_the_chain_then_catches() -> None:
    """A delta that cannot be read is counted; the book has missed it, and the next
    delta's `u` says so."""
    p = depth_parser(BY, [PAIRS[BY]])
    p.parse(bybit_push("snapshot", 10, BIDS, ASKS), 0)
    assert p.parse(bybit_push("delta", 11, [("abc", "1")]), 1) == []
    assert p.drops.counts == {Drop.INVALID_FRAME: 1}
    [event] = p.parse(bybit_push("delta", 12, [("100.1", "1")]), 2)
    assert getattr(event, "reason", None) == "gap"


def test_a_dropped_frame_without_sequence_is_caught_by_the_checksum() -> None:
    """The 2022 OKX frames carry no seqId: a lost update shows in the next checksum."""
    p = depth_parser(OKX, [PAIRS[OKX]])
    frames = lines("okx/ws_books_BTC-USDT_2022-05-13.jsonl")
    for i, frame in enumerate(frames[:3]):
        assert isinstance(p.parse(frame, i)[0], Quote)
    assert p.parse(frames[3].replace(b'"asks":[[', b'"asks":[["x",'), 3) == []
    [event] = p.parse(frames[4], 4)
    assert getattr(event, "reason", None) == "checksum"


def test_an_l1_push_on_a_depth_connection_is_an_unused_channel() -> None:
    """The L1 parser reads it (a raw bookTicker), but no L1 channel was subscribed here."""
    p = depth_parser(BN, [("NKN-USDT", "NKNUSDT")])
    ticker = json.loads(lines("binance/ws_bookTicker_2021-10-12.jsonl")[0])["data"]
    assert p.parse(json.dumps(ticker), 0) == []
    assert p.drops.counts == {Drop.UNUSED_CHANNEL: 1}


# -- fuzz -----------------------------------------------------------------------------

NASTY = st.sampled_from(["NaN", "nan", "Infinity", "-Infinity", "inf", "1e400", "0", "-0",
                         "-1", "", " ", "1e-320", "abc", "100.5", "100.0", "99", "101"])
VALUES: st.SearchStrategy[Any] = st.one_of(
    NASTY, st.integers(min_value=-3, max_value=2**70), st.none(), st.booleans(),
    st.floats(allow_nan=True, allow_infinity=True), st.builds(list), st.builds(dict))


def second(venue: Venue) -> str:
    """A good follow-up delta, to be mutated."""
    bids = [("100.1", "1")]
    if venue is BN:
        return binance_diff(3, 3, bids)
    if venue is BY:
        return bybit_push("delta", 2, bids)
    after = [*bids, *BIDS]
    if venue is OKX:
        return okx_push("update", bids, [], crc(after, ASKS))
    return bitget_push("update", bids, [], crc(after, ASKS), 2)


def positions(node: Any, out: list[tuple[Any, Any]]) -> list[tuple[Any, Any]]:
    items = node.items() if isinstance(node, dict) else enumerate(node) \
        if isinstance(node, list) else ()
    for key, child in items:
        out.append((node, key))
        positions(child, out)
    return out


def synced(venue: Venue) -> DepthFrameParser:
    p = depth_parser(venue, [PAIRS[venue]])
    p.parse(good(venue), 0)
    if venue is BN:
        p.snapshot("BTC-USDT", binance_snapshot(1, BIDS, ASKS), 0)
    p.events.clear()
    assert p.board.book(venue, "BTC-USDT").synced
    return p


def assert_sane(p: DepthFrameParser, venue: Venue, events: list[FeedEvent]) -> None:
    for e in events:
        if isinstance(e, Quote):
            assert all(math.isfinite(v) and v > 0 for v in (e.bid, e.bid_size, e.ask, e.ask_size))
            assert e.bid < e.ask
    book = p.board.book(venue, "BTC-USDT")
    if book.synced:
        assert not book.crossed()
        for price, size in book.bids.top(10**6) + book.asks.top(10**6):
            assert 0 < price < math.inf and 0 < size < math.inf


@pytest.mark.parametrize("venue", list(Venue))
@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_mutated_depth_frames_never_raise_nor_corrupt_a_synced_book(venue: Venue,
                                                                    data: st.DataObject) -> None:
    p = synced(venue)
    frame = json.loads(data.draw(st.sampled_from([good(venue), second(venue)])))
    for _ in range(data.draw(st.integers(1, 3))):
        container, key = data.draw(st.sampled_from(positions(frame, [])))
        if data.draw(st.booleans()):
            container[key] = data.draw(VALUES)
        else:
            del container[key]
        if not positions(frame, []):
            break
    assert_sane(p, venue, p.parse(json.dumps(frame), 1))


@pytest.mark.parametrize("venue", list(Venue))
@settings(max_examples=150, deadline=None)
@given(frame=st.one_of(st.binary(max_size=300), st.text(max_size=300)))
def test_random_frames_never_raise(venue: Venue, frame: bytes | str) -> None:
    p = synced(venue)
    assert_sane(p, venue, p.parse(frame, 1))
