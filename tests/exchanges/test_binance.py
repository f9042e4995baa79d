"""Binance bookTicker parsing on the real 2021 recording, plus bad input."""

from __future__ import annotations

import pytest

from arbot.domain import Quote, ShutdownNotice, SubscribeAck, Venue, VenueError
from arbot.exchanges.drops import Drop
from arbot.exchanges.frameparser import FrameParser
from arbot.venues.binance.public import BinanceAdapter
from tests.exchanges import (
    drops,
    exact,
    instruments_map,
    lines,
    obj,
    one_quote,
    parser,
    quotes,
    replay,
)

BOOK_TICKER = "binance/ws_bookTicker_2021-10-12.jsonl"
EXCHANGE_INFO = "binance/rest_exchangeInfo_TRIMMED_2021-10-12.json"
SHUTDOWN = "binance/DOCS_EXAMPLES_serverShutdown.jsonl"


@pytest.fixture
def p() -> FrameParser:
    return parser(Venue.BINANCE, instruments_map(Venue.BINANCE, EXCHANGE_INFO))


def test_every_recorded_book_ticker_is_a_quote(p: FrameParser) -> None:
    frames = lines(BOOK_TICKER)
    qs = quotes(replay(p, frames))
    assert len(frames) == 84
    assert len(qs) == 84
    assert drops(p) == {}
    assert {q.symbol for q in qs} == {"NKN-USDT", "BLZ-ETH", "LRC-BTC"}  # no RUNEEUR ticks


@pytest.mark.parametrize("index", [0, 1, 41, 83])
def test_quote_fields_equal_the_frame(p: FrameParser, index: int) -> None:
    frame = lines(BOOK_TICKER)[index]
    q = one_quote(p, frame, 123)
    d = obj(frame)["data"]
    assert isinstance(q, Quote)
    assert q.venue is Venue.BINANCE
    assert q.symbol == {"NKNUSDT": "NKN-USDT", "BLZETH": "BLZ-ETH", "LRCBTC": "LRC-BTC",
                        "RUNEEUR": "RUNE-EUR"}[d["s"]]
    assert exact(q.bid, d["b"]) and exact(q.bid_size, d["B"])
    assert exact(q.ask, d["a"]) and exact(q.ask_size, d["A"])
    assert q.ts_exchange_ms is None  # bookTicker carries no timestamp
    assert q.ts_recv_ns == 123


def test_first_frame_by_hand(p: FrameParser) -> None:
    q = one_quote(p, lines(BOOK_TICKER)[0], 0)
    assert q == Quote(venue=Venue.BINANCE, symbol="NKN-USDT", bid=0.3521, bid_size=672.0,
                      ask=0.3526, ask_size=3199.0, ts_exchange_ms=None, ts_recv_ns=0)


def test_agg_trades_are_skipped(p: FrameParser) -> None:
    assert replay(p, lines("binance/ws_aggTrade_2021-10-12.jsonl")) == []
    assert drops(p) == {Drop.UNUSED_CHANNEL: 2}


def test_control_frames(p: FrameParser) -> None:
    assert p.parse(b'{"result":null,"id":1}', 0) == [SubscribeAck(venue=Venue.BINANCE, ref="1")]
    assert p.parse(b'{"code":2,"msg":"Invalid request"}', 0) == [
        VenueError(venue=Venue.BINANCE, code="2", message="Invalid request")]


def test_server_shutdown_is_a_notice_in_both_documented_forms(p: FrameParser) -> None:
    """Line 1 is the raw `/ws` form ArBot connects to by default, which the typed decode
    once read as an empty frame and dropped; line 2 the combined-stream form."""
    raw, combined = lines(SHUTDOWN)
    notice = ShutdownNotice(venue=Venue.BINANCE, message="serverShutdown")
    assert p.parse(raw, 0) == [notice]
    assert p.parse(combined, 0) == [notice]
    assert drops(p) == {}


def test_other_events_are_unused_channels(p: FrameParser) -> None:
    assert p.parse(b'{"e":"trade","E":1,"s":"BTCUSDT"}', 0) == []
    assert drops(p) == {Drop.UNUSED_CHANNEL: 1}


def test_instruments() -> None:
    body = lines(EXCHANGE_INFO)[0]
    by_id = {i.venue_id: i for i in BinanceAdapter().parse_instruments(body)}
    assert len(by_id) == 7
    btc = by_id["BTCUSDT"]
    assert (btc.symbol, btc.tick_size, btc.lot_size, btc.min_qty, btc.min_notional) == (
        "BTC-USDT", "0.01000000", "0.00001000", "0.00001000", "10.00000000")
    assert btc.trading


_T = '{"stream":"nknusdt@bookTicker","data":{"u":1,"s":"%s","b":%s,"B":%s,"a":%s,"A":%s}}'


def _ticker(b: str = '"0.35"', bs: str = '"1"', a: str = '"0.36"', as_: str = '"2"',
            s: str = "NKNUSDT") -> str:
    return _T % (s, b, bs, a, as_)


BAD = [
    ("not json", b"{oops", Drop.INVALID_JSON),
    ("empty frame", b"", Drop.INVALID_JSON),
    ("json list", b"[1,2]", Drop.INVALID_FRAME),
    ("json null", b"null", Drop.INVALID_FRAME),
    ("bool price", _ticker(b="true"), Drop.INVALID_FRAME),
    ("object price", _ticker(a="{}"), Drop.INVALID_FRAME),
    ("empty string", _ticker(b='""'), Drop.INVALID_FRAME),
    ("missing field", _ticker().replace(',"A":"2"', ""), Drop.INVALID_FRAME),
    ("NaN", _ticker(b='"NaN"'), Drop.NON_FINITE),
    ("Infinity", _ticker(a='"Infinity"'), Drop.NON_FINITE),
    ("zero price", _ticker(b='"0"'), Drop.NON_POSITIVE),
    ("negative size", _ticker(bs='"-1"'), Drop.NON_POSITIVE),
    ("zero size", _ticker(as_='"0.0"'), Drop.NON_POSITIVE),
    ("crossed", _ticker(b='"0.37"'), Drop.CROSSED),
    ("locked", _ticker(b='"0.36"'), Drop.CROSSED),
    ("unknown symbol", _ticker(s="FOOUSDT"), Drop.UNKNOWN_SYMBOL),
    ("other stream", b'{"stream":"nknusdt@trade","data":{"e":"trade","p":"1"}}',
     Drop.UNUSED_CHANNEL),
]


@pytest.mark.parametrize(("frame", "reason"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_input_is_counted(p: FrameParser, frame: str | bytes, reason: Drop) -> None:
    assert p.parse(_ticker(), 0)  # the template itself is good
    assert p.parse(frame, 0) == []
    assert drops(p) == {reason: 1}
