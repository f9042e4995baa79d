"""Bybit v5 spot orderbook.1 parsing on the real 2025 recording; deltas; bad input."""

from __future__ import annotations

import pytest

from arbot.domain import Pong, Quote, SubscribeAck, Venue, VenueError
from arbot.exchanges.drops import Drop
from arbot.exchanges.frameparser import FrameParser
from arbot.exchanges.symbols import SymbolMap
from arbot.venues.bybit.public import BybitAdapter
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

L1 = "bybit/ws_spot_orderbook1_2025-06-13.jsonl"
SENT = "bybit/ws_spot_orderbook1_2025-06-13_SENT.jsonl"
INSTRUMENTS = "bybit/rest_instruments_info_spot_2026-08-09.json"


def sent_symbols() -> list[str]:
    """Canonical symbols of the recorded subscriptions (all six quote in USDT or USDC)."""
    out = []
    for frame in lines(SENT):
        [arg] = obj(frame)["args"]
        venue_id = arg.removeprefix("orderbook.1.")
        quote = next(q for q in ("USDT", "USDC") if venue_id.endswith(q))
        out.append(f"{venue_id.removesuffix(quote)}-{quote}")
    return out


@pytest.fixture
def symbols() -> SymbolMap:
    # MASAUSDT was delisted before the 2026 instruments file, so map what was subscribed.
    return SymbolMap.from_symbols(Venue.BYBIT, sent_symbols(), BybitAdapter.venue_id)


@pytest.fixture
def p(symbols: SymbolMap) -> FrameParser:
    return parser(Venue.BYBIT, symbols)


def test_recording_counts(p: FrameParser) -> None:
    events = replay(p, lines(L1))
    assert len(quotes(events)) == 139
    acks = [e for e in events if isinstance(e, SubscribeAck)]
    assert acks == [SubscribeAck(venue=Venue.BYBIT, ref="1764937c-c1f0-4e2b-969d-82fee8151f2c")] * 6
    assert len(events) == 145
    assert drops(p) == {}


def test_every_quote_equals_its_frame(symbols: SymbolMap) -> None:
    p = parser(Venue.BYBIT, symbols)
    for frame in lines(L1):
        f = obj(frame)
        if "topic" not in f:
            continue
        q = one_quote(p, frame, 7)
        d = f["data"]
        assert isinstance(q, Quote)
        assert q.venue is Venue.BYBIT
        assert q.symbol == symbols.to_canonical(d["s"])
        assert exact(q.bid, d["b"][0][0]) and exact(q.bid_size, d["b"][0][1])
        assert exact(q.ask, d["a"][0][0]) and exact(q.ask_size, d["a"][0][1])
        assert q.ts_exchange_ms == f["ts"]


def test_specific_frames(p: FrameParser) -> None:
    frames = lines(L1)
    q = one_quote(p, frames[1], 5)
    assert q == Quote(venue=Venue.BYBIT, symbol="OP-USDC", bid=0.579, bid_size=3886.45, ask=0.58,
                      ask_size=4043.62, ts_exchange_ms=1749833472906, ts_recv_ns=5)
    q = one_quote(p, frames[3], 6)
    assert q == Quote(venue=Venue.BYBIT, symbol="TUSD-USDT", bid=0.9967, bid_size=1489.0, ask=0.997,
                      ask_size=333.27, ts_exchange_ms=1749833473132, ts_recv_ns=6)
    q = one_quote(p, frames[11], 0)
    assert (q.symbol, q.bid, q.ask, q.ts_exchange_ms) == ("MASA-USDT", 0.02169, 0.02173,
                                                          1749833472455)


def test_symbol_missing_from_instruments_is_counted() -> None:
    p = parser(Venue.BYBIT, instruments_map(Venue.BYBIT, INSTRUMENTS))
    events = replay(p, lines(L1))
    assert len(quotes(events)) == 139 - 11
    assert drops(p) == {Drop.UNKNOWN_SYMBOL: 11}  # the MASAUSDT frames


def test_subscribe_frames_match_the_recorded_requests(symbols: SymbolMap) -> None:
    adapter = BybitAdapter()
    for sym, sent in zip(sent_symbols(), lines(SENT), strict=True):
        [frame] = adapter.subscribe_frames([symbols.to_venue(sym)])
        ours = obj(frame)
        assert ours.pop("req_id") == "1"
        assert ours == obj(sent)


def _book(kind: str, b: list[list[str]] | None, a: list[list[str]] | None,
          s: str = "OPUSDC", ts: int = 1749833472906) -> str:
    data: dict[str, object] = {"s": s, "u": 1, "seq": 2}
    if b is not None:
        data["b"] = b
    if a is not None:
        data["a"] = a
    return dumps({"topic": f"orderbook.1.{s}", "ts": ts, "type": kind, "data": data})


def test_delta_keeps_the_absent_side(p: FrameParser) -> None:
    p.parse(_book("snapshot", [["0.579", "10"]], [["0.58", "20"]]), 0)
    q = one_quote(p, _book("delta", None, [["0.581", "5"]], ts=2), 0)
    assert (q.bid, q.bid_size, q.ask, q.ask_size, q.ts_exchange_ms) == (0.579, 10, 0.581, 5, 2)
    q = one_quote(p, _book("delta", [["0.578", "3"], ["0.579", "0"]], [], ts=3), 0)
    assert (q.bid, q.bid_size, q.ask, q.ask_size) == (0.578, 3, 0.581, 5)


def test_delta_deleting_the_top_empties_the_side(p: FrameParser) -> None:
    p.parse(_book("snapshot", [["0.579", "10"]], [["0.58", "20"]]), 0)
    assert p.parse(_book("delta", [["0.579", "0"]], None), 0) == []
    assert drops(p) == {Drop.EMPTY_BOOK: 1}
    assert p.parse(_book("delta", [["0.5", "0"]], None), 0) == []  # still no bid
    q = one_quote(p, _book("delta", [["0.577", "1"]], None), 0)
    assert (q.bid, q.ask) == (0.577, 0.58)


def test_deleting_another_price_keeps_the_top(p: FrameParser) -> None:
    p.parse(_book("snapshot", [["0.579", "10"]], [["0.58", "20"]]), 0)
    q = one_quote(p, _book("delta", [["0.5", "0"]], None), 0)
    assert (q.bid, q.bid_size) == (0.579, 10)


def test_snapshot_replaces_and_delta_needs_a_snapshot(p: FrameParser) -> None:
    assert p.parse(_book("delta", None, [["0.58", "1"]]), 0) == []  # no bid known yet
    assert drops(p) == {Drop.EMPTY_BOOK: 1}
    p.parse(_book("snapshot", [["0.579", "10"]], [["0.58", "20"]]), 0)
    q = one_quote(p, _book("snapshot", [["0.5", "1"]], [["0.6", "2"]]), 0)
    assert (q.bid, q.ask) == (0.5, 0.6)
    assert p.parse(_book("snapshot", [], [["0.6", "2"]]), 0) == []
    assert drops(p) == {Drop.EMPTY_BOOK: 2}
    assert p.parse(_book("delta", None, [["0.61", "1"]]), 0) == []  # the snapshot cleared bids
    assert drops(p) == {Drop.EMPTY_BOOK: 3}


def test_unknown_symbols_keep_no_state(p: FrameParser) -> None:
    assert p.parse(_book("snapshot", [["1", "1"]], [["2", "1"]], s="FOOUSDT"), 0) == []
    assert drops(p) == {Drop.UNKNOWN_SYMBOL: 1}
    assert p._states == {}  # type: ignore[attr-defined]


def test_control_frames(p: FrameParser) -> None:
    doc_ack = ('{"success": true, "ret_msg": "subscribe", "conn_id": "2324d924", '
               '"req_id": "10001", "op": "subscribe"}')
    assert p.parse(doc_ack, 0) == [SubscribeAck(venue=Venue.BYBIT, ref="10001")]
    doc_pong = '{"success": true, "ret_msg": "pong", "conn_id": "0970e817", "op": "ping"}'
    assert p.parse(doc_pong, 0) == [Pong(venue=Venue.BYBIT)]
    other_pong = '{"req_id": "1", "op": "pong", "args": ["1675418560633"], "conn_id": "c"}'
    assert p.parse(other_pong, 0) == [Pong(venue=Venue.BYBIT)]
    failed = ('{"success":false,"ret_msg":"error:handler not found","conn_id":"c",'
              '"req_id":"3","op":"subscribe"}')
    assert p.parse(failed, 0) == [VenueError(venue=Venue.BYBIT, code="",
                                             message="error:handler not found")]
    assert drops(p) == {}


def test_other_topics_are_skipped(p: FrameParser) -> None:
    trade = ('{"topic":"publicTrade.ETHUSDT","ts":1786310821917,"type":"snapshot","data":[{"i":'
             '"2280000001739247417","T":1786310821917,"p":"1923.28","v":"0.04537","S":"Sell",'
             '"seq":178477362706,"s":"ETHUSDT","BT":false,"RPI":false}]}')
    ticker = ('{"topic":"tickers.BTCUSDT","ts":1786310819126,"type":"snapshot","cs":112488546160,'
              '"data":{"symbol":"BTCUSDT","lastPrice":"65140.5","highPrice24h":"65305.6",'
              '"lowPrice24h":"64727.9","prevPrice24h":"65045.3","volume24h":"2953.835931",'
              '"turnover24h":"191907024.69597728","price24hPcnt":"0.0015",'
              '"usdIndexPrice":"65091.459221"}}')
    depth = ('{"topic":"orderbook.200.BTCUSDT","ts":1786310816618,"type":"delta","data":{"s":'
             '"BTCUSDT","b":[["65140.4","0.875077"]],"a":[["65154.6","0.09948"]],"u":62505425,'
             '"seq":112488545865},"cts":1786310816585}')
    assert replay(p, [trade, ticker, depth]) == []
    assert drops(p) == {Drop.UNUSED_CHANNEL: 3}


def test_instruments() -> None:
    body = lines(INSTRUMENTS)[0]
    instruments = BybitAdapter().parse_instruments(body)
    assert len(instruments) == 557
    assert all(i.trading for i in instruments)
    btc = next(i for i in instruments if i.venue_id == "BTCUSDT")
    assert (btc.symbol, btc.base, btc.quote) == ("BTC-USDT", "BTC", "USDT")
    # minOrderQty ("0.000001" here) is deprecated and no longer checked: only minOrderAmt.
    assert (btc.tick_size, btc.lot_size, btc.min_qty, btc.min_notional) == (
        "0.1", "0.000001", "0", "5")


def test_instruments_error_body_raises() -> None:
    with pytest.raises(ValueError, match="10006"):
        BybitAdapter().parse_instruments(b'{"retCode":10006,"retMsg":"Too many visits!"}')


GOOD = _book("snapshot", [["0.579", "3886.45"]], [["0.58", "4043.62"]])
BAD = [
    ("not json", b"{", Drop.INVALID_JSON),
    ("binary", b"\xff\xfe", Drop.INVALID_JSON),
    ("json string", b'"hello"', Drop.INVALID_FRAME),
    ("json null", b"null", Drop.INVALID_FRAME),
    ("bool price", GOOD.replace('"0.579"', "true"), Drop.INVALID_FRAME),
    ("level too short", GOOD.replace('["0.58","4043.62"]', '["0.58"]'), Drop.INVALID_FRAME),
    ("empty string", GOOD.replace('"0.579"', '""'), Drop.INVALID_FRAME),
    ("missing symbol", GOOD.replace('"s":"OPUSDC",', ""), Drop.INVALID_FRAME),
    ("missing ts", GOOD.replace('"ts":1749833472906,', ""), Drop.INVALID_FRAME),
    ("string ts", GOOD.replace("1749833472906", '"soon"'), Drop.INVALID_FRAME),
    ("unknown type", GOOD.replace('"snapshot"', '"other"'), Drop.INVALID_FRAME),
    ("missing data", dumps({"topic": "orderbook.1.OPUSDC", "ts": 1, "type": "snapshot"}),
     Drop.INVALID_FRAME),
    ("NaN", GOOD.replace('"0.579"', '"NaN"'), Drop.NON_FINITE),
    ("Infinity", GOOD.replace('"4043.62"', '"Infinity"'), Drop.NON_FINITE),
    ("-Infinity", GOOD.replace('"0.579"', '"-Infinity"'), Drop.NON_FINITE),
    ("zero price", GOOD.replace('"0.579"', '"0"'), Drop.NON_POSITIVE),
    ("negative price", GOOD.replace('"0.579"', '"-0.579"'), Drop.NON_POSITIVE),
    ("negative size", GOOD.replace('"4043.62"', '"-1"'), Drop.NON_POSITIVE),
    ("zero size snapshot", GOOD.replace('"3886.45"', '"0"'), Drop.NON_POSITIVE),
    ("crossed", GOOD.replace('"0.579"', '"0.59"'), Drop.CROSSED),
    ("locked", GOOD.replace('"0.579"', '"0.58"'), Drop.CROSSED),
    ("empty bids", GOOD.replace('[["0.579","3886.45"]]', "[]"), Drop.EMPTY_BOOK),
    ("unknown symbol", GOOD.replace("OPUSDC", "FOOUSDT"), Drop.UNKNOWN_SYMBOL),
    ("auth reply", b'{"success":true,"ret_msg":"","op":"auth"}', Drop.UNUSED_CHANNEL),
]


@pytest.mark.parametrize(("frame", "reason"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_input_is_counted(frame: str | bytes, reason: Drop) -> None:
    p = parser(Venue.BYBIT, [("OP-USDC", "OPUSDC")])
    assert len(p.parse(GOOD, 0)) == 1  # the template itself is good
    assert p.parse(frame, 0) == []
    assert drops(p) == {reason: 1}


def test_an_unsubscribe_reply_is_neither_an_event_nor_a_drop() -> None:
    """It answers a depth book's resync (unsubscribe, then subscribe again)."""
    p = parser(Venue.BYBIT, [("OP-USDC", "OPUSDC")])
    assert p.parse(b'{"success":true,"ret_msg":"","op":"unsubscribe"}', 0) == []
    assert drops(p) == {}
