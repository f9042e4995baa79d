"""What is not a quote: `quote` returns None and puts what the frame says (acks, pongs,
venue errors, shutdown notices, further quotes of a multi-row push) on `parser.events`,
in order, for the feed loop to drain; malformed frames leave nothing there and are
counted."""

from __future__ import annotations

import pytest

from arbot.domain import FeedEvent, Pong, Quote, ShutdownNotice, SubscribeAck, Venue, VenueError
from arbot.exchanges import adapter_for
from arbot.exchanges.drops import Drop, DropCounter
from arbot.exchanges.frameparser import FrameParser
from arbot.exchanges.symbols import SymbolMap
from tests.exchanges import lines

BN, BY, OKX, BG = Venue.BINANCE, Venue.BYBIT, Venue.OKX, Venue.BITGET
SHUTDOWN_BN = lines("binance/DOCS_EXAMPLES_serverShutdown.jsonl")
NOTICE_OKX = lines("okx/DOCS_EXAMPLE_notice_64008.jsonl")[0]
BITGET_V2 = lines("bitget/DOCS_EXAMPLES_NOT_RECORDED_v2_ws_spot.jsonl")
BYBIT_ACK = next(f for f in lines("bybit/ws_spot_orderbook1_2025-06-13.jsonl") if b'"op"' in f)

CASES: list[tuple[Venue, bytes | str, list[FeedEvent]]] = [
    (BN, b'{"result":null,"id":7}', [SubscribeAck(venue=BN, ref="7")]),
    (BN, b'{"code":2,"msg":"Invalid request"}',
     [VenueError(venue=BN, code="2", message="Invalid request")]),
    (BN, SHUTDOWN_BN[0], [ShutdownNotice(venue=BN, message="serverShutdown")]),
    (BN, SHUTDOWN_BN[1], [ShutdownNotice(venue=BN, message="serverShutdown")]),
    (BY, BYBIT_ACK, [SubscribeAck(venue=BY, ref="1764937c-c1f0-4e2b-969d-82fee8151f2c")]),
    (BY, '{"success":true,"ret_msg":"pong","conn_id":"c","op":"ping"}', [Pong(venue=BY)]),
    (BY, '{"success":false,"ret_msg":"bad topic","conn_id":"c","op":"subscribe"}',
     [VenueError(venue=BY, code="", message="bad topic")]),
    (OKX, '{"event":"subscribe","arg":{"channel":"bbo-tbt","instId":"BTC-USDT"}}',
     [SubscribeAck(venue=OKX, ref="bbo-tbt:BTC-USDT")]),
    (OKX, "pong", [Pong(venue=OKX)]),
    (OKX, b"pong", [Pong(venue=OKX)]),
    (OKX, NOTICE_OKX, [ShutdownNotice(venue=OKX, message="64008: The connection will soon be "
                                      "closed for a service upgrade. Please reconnect.")]),
    (BG, BITGET_V2[1], [SubscribeAck(venue=BG, ref="books5:BTCUSDT")]),
    (BG, BITGET_V2[-1], [VenueError(venue=BG, code="30005", message="error")]),
    (BG, "pong", [Pong(venue=BG)]),
]


def parser(venue: Venue) -> FrameParser:
    smap = SymbolMap(venue, (), guess=True)
    return adapter_for(venue).new_parser(smap.to_canonical, DropCounter())


@pytest.mark.parametrize(("venue", "frame", "expected"), CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_control_frames_land_on_events(venue: Venue, frame: bytes | str,
                                       expected: list[FeedEvent]) -> None:
    p = parser(venue)
    assert p.quote(frame, 0) is None
    assert p.events == expected
    assert p.drops.total() == 0


@pytest.mark.parametrize("venue", list(Venue))
@pytest.mark.parametrize(("frame", "reason"), [
    (b"{", Drop.INVALID_JSON), (b"", Drop.INVALID_JSON), (b"\xff\xfe", Drop.INVALID_JSON),
    (b"null", Drop.INVALID_FRAME), (b"[]", Drop.INVALID_FRAME), (b"{}", Drop.INVALID_FRAME),
    ("42", Drop.INVALID_FRAME)])
def test_malformed_frames_are_counted_and_leave_no_event(venue: Venue, frame: bytes | str,
                                                         reason: Drop) -> None:
    p = parser(venue)
    assert p.quote(frame, 0) is None
    assert p.events == []
    assert p.drops.counts == {reason: 1}


def test_events_wait_for_the_loop_to_drain_them() -> None:
    """`quote` only appends (the feed loop empties the list); `parse` drains it itself."""
    p = parser(OKX)
    ack = '{"event":"subscribe","arg":{"channel":"bbo-tbt","instId":"BTC-USDT"}}'
    assert p.quote(ack, 0) is None
    q = p.quote(lines("okx/ws_tickers_BTC-USDT_2022-05-13.jsonl")[0], 1)
    assert isinstance(q, Quote)
    assert p.events == [SubscribeAck(venue=OKX, ref="bbo-tbt:BTC-USDT")]
    assert p.parse("pong", 2) == [SubscribeAck(venue=OKX, ref="bbo-tbt:BTC-USDT"),
                                  Pong(venue=OKX)]
    assert p.events == []


def test_a_push_of_two_rows_gives_both_quotes_in_order() -> None:
    row = '{{"asks":[["{ask}","1","0","1"]],"bids":[["{bid}","1","0","1"]],"ts":"{ts}"}}'
    frame = ('{"arg":{"channel":"bbo-tbt","instId":"BTC-USDT"},"data":['
             + row.format(ask="101", bid="100", ts=1) + ","
             + row.format(ask="102", bid="101", ts=2) + "]}")
    p = parser(OKX)
    first = p.quote(frame, 9)
    assert isinstance(first, Quote) and (first.bid, first.ts_exchange_ms) == (100.0, 1)
    [second] = p.events
    assert isinstance(second, Quote) and (second.bid, second.ts_exchange_ms) == (101.0, 2)
