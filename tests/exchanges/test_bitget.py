"""Bitget v2 parsing on the documented examples (no v2 recording exists), the real legacy v1
recording (must never yield a quote), instruments, bad input."""

from __future__ import annotations

import pytest

from arbot.domain import Pong, Quote, SubscribeAck, Venue, VenueError
from arbot.exchanges.drops import Drop
from arbot.exchanges.frameparser import FrameParser
from arbot.venues.bitget.public import BitgetAdapter, step_from_precision
from tests.exchanges import (
    drops,
    dumps,
    exact,
    instruments_map,
    lines,
    obj,
    one_quote,
    parser,
    quotes,
    replay,
)

DOCS = "bitget/DOCS_EXAMPLES_NOT_RECORDED_v2_ws_spot.jsonl"
LEGACY = "bitget/LEGACY_v1_ws_spot_books_ticker_trade_2022-04-07.jsonl"
SYMBOLS = "bitget/DOCS_EXAMPLE_symbols.json"
MAP = [("BTC-USDT", "BTCUSDT"), ("ETH-USDT", "ETHUSDT")]


def server_frames(rel: str) -> list[bytes]:
    """The doc file also holds the client's subscribe requests (`op`); the server sends the rest."""
    return [f for f in lines(rel) if b'"op"' not in f]


@pytest.fixture
def p() -> FrameParser:
    return parser(Venue.BITGET, MAP)


def test_doc_examples(p: FrameParser) -> None:
    events = replay(p, server_frames(DOCS))
    assert len(events) == 6
    assert len(quotes(events)) == 2
    assert [e for e in events if isinstance(e, SubscribeAck)] == [
        SubscribeAck(venue=Venue.BITGET, ref="books5:BTCUSDT"),
        SubscribeAck(venue=Venue.BITGET, ref="ticker:ETHUSDT"),
        SubscribeAck(venue=Venue.BITGET, ref="trade:BTCUSDT"),
    ]
    assert events[-1] == VenueError(venue=Venue.BITGET, code="30005", message="error")
    assert drops(p) == {Drop.UNUSED_CHANNEL: 1}  # the trade snapshot


def test_books5_snapshot_fields(p: FrameParser) -> None:
    frame = next(f for f in lines(DOCS) if b'"channel":"books5"' in f and b'"data"' in f)
    q = one_quote(p, frame, 3)
    assert q == Quote(venue=Venue.BITGET, symbol="BTC-USDT", bid=26274.8, bid_size=0.0009,
                      ask=26274.9, ask_size=0.0009, ts_exchange_ms=1695710946294, ts_recv_ns=3)
    d = obj(frame)["data"][0]
    assert exact(q.bid, d["bids"][0][0]) and exact(q.ask_size, d["asks"][0][1])


def test_ticker_snapshot_fields(p: FrameParser) -> None:
    frame = next(f for f in lines(DOCS) if b'"channel":"ticker"' in f and b'"data"' in f)
    q = one_quote(p, frame, 4)
    assert q == Quote(venue=Venue.BITGET, symbol="ETH-USDT", bid=1792.0, bid_size=0.0084,
                      ask=2200.1, ask_size=19740.8811, ts_exchange_ms=1695702438018, ts_recv_ns=4)
    d = obj(frame)["data"][0]
    assert exact(q.bid, d["bidPr"]) and exact(q.bid_size, d["bidSz"])
    assert exact(q.ask, d["askPr"]) and exact(q.ask_size, d["askSz"])
    assert q.ts_exchange_ms == int(d["ts"]) != obj(frame)["ts"]  # data time, not push time


def test_legacy_v1_recording_never_quotes() -> None:
    legacy_ids = {"EOSUSDT", "GOGUSDT", "VVSUSDT", "AVAXUSDT", "CULTUSDT", "HOTUSDT", "SUNUSDT",
                  "STGUSDT"}
    # Even with every recorded symbol mapped, v1 pushes (instType "sp") are not v2 spot.
    p = parser(Venue.BITGET, [(f"{s[:-4]}-USDT", s) for s in legacy_ids])
    frames = lines(LEGACY)
    events = replay(p, frames)
    assert quotes(events) == []
    acks = [e for e in events if isinstance(e, SubscribeAck)]
    assert len(acks) == len(events) == 24
    assert drops(p) == {Drop.NOT_SPOT: 609}
    assert len(events) + p.drops.total() == len(frames) == 633  # every frame accounted for


def test_control_frames(p: FrameParser) -> None:
    assert p.parse("pong", 0) == [Pong(venue=Venue.BITGET)]
    assert p.parse(b"pong", 0) == [Pong(venue=Venue.BITGET)]
    int_code = b'{"event":"error","code":30001,"msg":"instType:sp doesn\'t exist"}'
    assert p.parse(int_code, 0) == [VenueError(venue=Venue.BITGET, code="30001",
                                               message="instType:sp doesn't exist")]
    assert drops(p) == {}


def test_books1_is_the_default_subscription() -> None:
    doc_request = obj(lines(DOCS)[0])
    [frame] = BitgetAdapter().subscribe_frames(["BTCUSDT"])
    ours = obj(frame)
    assert ours["args"][0].pop("channel") == "books1"
    doc_request["args"][0].pop("channel")
    assert ours == doc_request


def test_instruments() -> None:
    [btc] = BitgetAdapter().parse_instruments(lines(SYMBOLS)[0])
    assert (btc.symbol, btc.venue_id, btc.base, btc.quote) == ("BTC-USDT", "BTCUSDT", "BTC", "USDT")
    assert (btc.tick_size, btc.lot_size, btc.min_qty, btc.min_notional) == (
        "0.01", "0.000001", "0", "1")
    assert btc.trading and btc.status == "online"
    assert instruments_map(Venue.BITGET, SYMBOLS).to_venue("BTC-USDT") == "BTCUSDT"


@pytest.mark.parametrize(("precision", "step"),
                         [(0, "1"), (1, "0.1"), (2, "0.01"), (8, "0.00000001")])
def test_step_from_precision(precision: int, step: str) -> None:
    assert step_from_precision(precision) == step


def test_halted_symbol_is_not_trading() -> None:
    body = lines(SYMBOLS)[0].replace(b'"status":"online"', b'"status":"halt"')
    [sym] = BitgetAdapter().parse_instruments(body)
    assert not sym.trading and sym.status == "halt"


def test_instruments_error_body_raises() -> None:
    with pytest.raises(ValueError, match="40006"):
        BitgetAdapter().parse_instruments(b'{"code":"40006","msg":"Invalid ACCESS_KEY","data":[]}')


BOOKS = next(f for f in lines(DOCS) if b'"channel":"books5"' in f and b'"data"' in f).decode()
TICKER = next(f for f in lines(DOCS) if b'"channel":"ticker"' in f and b'"data"' in f).decode()


def _tick(**fields: str) -> str:
    f = obj(TICKER)
    f["data"][0].update(fields)
    return dumps(f)


BAD = [
    ("not json", b"{]", Drop.INVALID_JSON),
    ("json null", b"null", Drop.INVALID_FRAME),
    ("no arg", dumps({"action": "snapshot", "data": obj(BOOKS)["data"]}), Drop.INVALID_FRAME),
    ("empty data", BOOKS.replace('"data":[{', '"data":[],"x":[{'), Drop.INVALID_FRAME),
    ("bool price", BOOKS.replace('"26274.8"', "true"), Drop.INVALID_FRAME),
    ("missing ts", BOOKS.replace(',"ts":"1695710946294"', ""), Drop.INVALID_FRAME),
    ("missing ask size", TICKER.replace(',"askSz":"19740.8811"', ""), Drop.INVALID_FRAME),
    ("empty bid", _tick(bidPr=""), Drop.EMPTY_BOOK),
    ("empty size", _tick(bidSz=""), Drop.INVALID_FRAME),
    ("empty asks", BOOKS.replace('"asks":[["26274.9","0.0009"],["26275.0","0.0500"]]',
                                 '"asks":[]'), Drop.EMPTY_BOOK),
    ("NaN", _tick(askPr="NaN"), Drop.NON_FINITE),
    ("Infinity", BOOKS.replace('"0.0009"', '"Infinity"', 1), Drop.NON_FINITE),
    ("zero price", _tick(bidPr="0"), Drop.NON_POSITIVE),
    ("negative size", BOOKS.replace('"0.0009"', '"-0.0009"', 1), Drop.NON_POSITIVE),
    ("crossed", _tick(bidPr="2300"), Drop.CROSSED),
    ("futures", BOOKS.replace('"SPOT"', '"USDT-FUTURES"'), Drop.NOT_SPOT),
    ("legacy v1", BOOKS.replace('"SPOT"', '"sp"'), Drop.NOT_SPOT),
    ("incremental books", BOOKS.replace('"books5"', '"books"'), Drop.UNUSED_CHANNEL),
    ("unknown symbol", BOOKS.replace("BTCUSDT", "FOOUSDT"), Drop.UNKNOWN_SYMBOL),
]


@pytest.mark.parametrize(("frame", "reason"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_input_is_counted(frame: str | bytes, reason: Drop) -> None:
    p = parser(Venue.BITGET, MAP)
    assert len(p.parse(BOOKS, 0)) == len(p.parse(TICKER, 0)) == 1  # the templates are good
    assert p.parse(frame, 0) == []
    assert drops(p) == {reason: 1}
