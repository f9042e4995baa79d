"""OKX v5 parsing on the real 2022 recordings (tickers, books, trades), bbo-tbt, bad input."""

from __future__ import annotations

import pytest

from arbot.domain import Pong, Quote, ShutdownNotice, SubscribeAck, Venue, VenueError
from arbot.exchanges.drops import Drop
from arbot.exchanges.frameparser import FrameParser
from arbot.venues.okx.public import OkxAdapter
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

TICKERS = "okx/ws_tickers_BTC-USDT_2022-05-13.jsonl"
INSTRUMENTS = "okx/rest_public_instruments_SPOT_2022-05-13.json"


@pytest.fixture
def p() -> FrameParser:
    return parser(Venue.OKX, instruments_map(Venue.OKX, INSTRUMENTS))


def test_every_recorded_ticker_is_a_quote(p: FrameParser) -> None:
    frames = lines(TICKERS)
    qs = quotes(replay(p, frames))
    assert len(frames) == len(qs) == 25
    assert drops(p) == {}
    for frame, q in zip(frames, qs, strict=True):
        d = obj(frame)["data"][0]
        assert q.venue is Venue.OKX and q.symbol == "BTC-USDT"
        assert exact(q.bid, d["bidPx"]) and exact(q.bid_size, d["bidSz"])
        assert exact(q.ask, d["askPx"]) and exact(q.ask_size, d["askSz"])
        assert q.ts_exchange_ms == int(d["ts"])


def test_specific_tickers(p: FrameParser) -> None:
    frames = lines(TICKERS)
    q = one_quote(p, frames[0], 9)
    assert q == Quote(venue=Venue.OKX, symbol="BTC-USDT", bid=30228.6, bid_size=0.23393,
                      ask=30228.7, ask_size=1.55896972, ts_exchange_ms=1652459224956, ts_recv_ns=9)
    q = one_quote(p, frames[2], 9)
    assert q == Quote(venue=Venue.OKX, symbol="BTC-USDT", bid=30243.4, bid_size=0.33732919,
                      ask=30243.5, ask_size=0.00315938, ts_exchange_ms=1652459226240, ts_recv_ns=9)


@pytest.mark.parametrize(("rel", "count"), [("okx/ws_books_BTC-USDT_2022-05-13.jsonl", 98),
                                            ("okx/ws_trades_BTC-USDT_2022-05-13.jsonl", 69)])
def test_books_and_trades_are_skipped(p: FrameParser, rel: str, count: int) -> None:
    assert replay(p, lines(rel)) == []
    assert drops(p) == {Drop.UNUSED_CHANNEL: count}


# Built on the documented bbo-tbt push (no recording exists), with a spot id.
BBO = ('{"arg":{"channel":"bbo-tbt","instId":"BTC-USDT"},"data":[{"asks":[["111.06","55154",'
       '"0","2"]],"bids":[["111.05","57745","0","2"]],"ts":"1670324386802","seqId":363996337}]}')


def test_bbo_tbt(p: FrameParser) -> None:
    q = one_quote(p, BBO, 1)
    assert q == Quote(venue=Venue.OKX, symbol="BTC-USDT", bid=111.05, bid_size=57745.0, ask=111.06,
                      ask_size=55154.0, ts_exchange_ms=1670324386802, ts_recv_ns=1)


def test_documented_bbo_tbt_push_is_a_swap(p: FrameParser) -> None:
    doc = BBO.replace('"instId":"BTC-USDT"', '"instId":"BCH-USDT-SWAP"')
    assert p.parse(doc, 0) == []
    assert drops(p) == {Drop.NOT_SPOT: 1}


def test_control_frames(p: FrameParser) -> None:
    real_ack = b'{"event":"subscribe","arg":{"channel":"tickers","instId":"BTC-USDT"}}'
    assert p.parse(real_ack, 0) == [SubscribeAck(venue=Venue.OKX, ref="tickers:BTC-USDT")]
    doc_ack = ('{"id": "1512", "event": "subscribe", "arg": {"channel": "tickers", '
               '"instId": "BTC-USDT"}, "connId": "accb8e21"}')
    assert p.parse(doc_ack, 0) == [SubscribeAck(venue=Venue.OKX, ref="tickers:BTC-USDT")]
    doc_error = ('{"id": "1512", "event": "error", "code": "60012", "msg": "Invalid request: '
                 '{\\"op\\": \\"subscribe\\"}", "connId": "a4d3ae55"}')
    assert p.parse(doc_error, 0) == [
        VenueError(venue=Venue.OKX, code="60012", message='Invalid request: {"op": "subscribe"}')]
    notice = ('{"event": "notice", "code": "64008", "msg": "The connection will soon be closed '
              'for a service upgrade. Please reconnect.", "connId": "a4d3ae55"}')
    [n] = p.parse(notice, 0)
    assert isinstance(n, ShutdownNotice) and n.venue is Venue.OKX and "64008" in n.message
    assert p.parse("pong", 0) == [Pong(venue=Venue.OKX)]
    assert p.parse(b"pong", 0) == [Pong(venue=Venue.OKX)]
    assert drops(p) == {}


def test_upgrade_notice_64008_is_a_shutdown_notice(p: FrameParser) -> None:
    [frame] = lines("okx/DOCS_EXAMPLE_notice_64008.jsonl")
    [n] = p.parse(frame, 0)
    assert isinstance(n, ShutdownNotice) and n.venue is Venue.OKX
    assert n.message.startswith("64008: The connection will soon be closed")
    assert drops(p) == {}


def test_instruments() -> None:
    body = lines(INSTRUMENTS)[0]
    instruments = OkxAdapter().parse_instruments(body)
    assert len(instruments) == 513
    btc = next(i for i in instruments if i.venue_id == "BTC-USDT")
    assert (btc.symbol, btc.tick_size, btc.lot_size, btc.min_qty, btc.min_notional) == (
        "BTC-USDT", "0.1", "0.00000001", "0.00001", "0")
    assert btc.trading and btc.status == "live"


def test_instruments_error_body_raises() -> None:
    with pytest.raises(ValueError, match="50011"):
        OkxAdapter().parse_instruments(b'{"code":"50011","msg":"Rate limit reached","data":[]}')


TICKER = lines(TICKERS)[0].decode()


def _tick(**fields: str) -> str:
    f = obj(TICKER)
    f["data"][0].update(fields)
    return dumps(f)


BAD = [
    ("not json", b"pong!", Drop.INVALID_JSON),
    ("text ping echoed", b"ping", Drop.INVALID_JSON),
    ("json number", b"42", Drop.INVALID_FRAME),
    ("json null", b"null", Drop.INVALID_FRAME),
    ("empty data", TICKER.replace('"data":[{', '"data":[],"x":[{'), Drop.INVALID_FRAME),
    ("data not a list", dumps({"arg": obj(TICKER)["arg"], "data": {"bidPx": "1"}}),
     Drop.INVALID_FRAME),
    ("arg without channel", TICKER.replace('"channel":"tickers",', ""), Drop.INVALID_FRAME),
    ("bool price", _tick().replace('"30228.6"', "false"), Drop.INVALID_FRAME),
    ("missing bid size", _tick().replace('"bidSz":"0.23393",', ""), Drop.INVALID_FRAME),
    ("missing ts", _tick().replace(',"ts":"1652459224956"', ""), Drop.INVALID_FRAME),
    ("empty bid price", _tick(bidPx=""), Drop.EMPTY_BOOK),
    ("empty ask price", _tick(askPx="", askSz=""), Drop.EMPTY_BOOK),
    ("empty bid size", _tick(bidSz=""), Drop.INVALID_FRAME),
    ("empty ts", _tick(ts=""), Drop.INVALID_FRAME),
    ("NaN", _tick(bidPx="NaN"), Drop.NON_FINITE),
    ("Infinity", _tick(askSz="Infinity"), Drop.NON_FINITE),
    ("zero price", _tick(bidPx="0"), Drop.NON_POSITIVE),
    ("negative size", _tick(askSz="-1.5"), Drop.NON_POSITIVE),
    ("crossed", _tick(bidPx="30300"), Drop.CROSSED),
    ("swap ticker", _tick(instType="SWAP"), Drop.NOT_SPOT),
    ("futures bbo", BBO.replace("BTC-USDT", "BTC-USD-220527"), Drop.NOT_SPOT),
    ("swap bbo", BBO.replace("BTC-USDT", "UNI-USD-SWAP"), Drop.NOT_SPOT),
    ("empty bbo side", BBO.replace('[["111.05","57745","0","2"]]', "[]"), Drop.EMPTY_BOOK),
    ("empty bbo price", BBO.replace('"111.05"', '""'), Drop.INVALID_FRAME),
    ("bbo NaN", BBO.replace('"111.05"', '"NaN"'), Drop.NON_FINITE),
    ("bbo crossed", BBO.replace('"111.05"', '"111.07"'), Drop.CROSSED),
    ("unknown symbol", TICKER.replace("BTC-USDT", "FOO-USDT"), Drop.UNKNOWN_SYMBOL),
    ("books5 channel", BBO.replace("bbo-tbt", "books5"), Drop.UNUSED_CHANNEL),
    ("login event", '{"event":"login","code":"0","msg":""}', Drop.UNUSED_CHANNEL),
]


@pytest.mark.parametrize(("frame", "reason"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_input_is_counted(frame: str | bytes, reason: Drop) -> None:
    p = parser(Venue.OKX, [("BTC-USDT", "BTC-USDT")])
    assert len(p.parse(TICKER, 0)) == len(p.parse(BBO, 0)) == 1  # the templates are good
    assert p.parse(frame, 0) == []
    assert drops(p) == {reason: 1}


def test_an_unsubscribe_answer_is_neither_an_event_nor_a_drop() -> None:
    """It answers a depth book's resync (unsubscribe, then subscribe again)."""
    p = parser(Venue.OKX, [("BTC-USDT", "BTC-USDT")])
    frame = '{"event":"unsubscribe","arg":{"channel":"books","instId":"BTC-USDT"}}'
    assert p.parse(frame, 0) == []
    assert drops(p) == {}
