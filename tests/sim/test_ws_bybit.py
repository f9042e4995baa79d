"""Bybit v5 spot `orderbook.1` snapshots, acks with and without req_id, refusals, ping."""

from __future__ import annotations

import json
import re

from arbot.domain import Venue
from tests.sim import decimals, on_tick, recv_json, recv_until, running

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
SYMBOLS = {"BTCUSDT": "BTC-USDT", "SOLUSDT": "SOL-USDT"}


def check_snapshot(frame: dict[str, object]) -> str:
    assert list(frame) == ["topic", "ts", "type", "data", "cts"]  # ts before type
    assert frame["type"] == "snapshot"
    assert isinstance(frame["ts"], int) and isinstance(frame["cts"], int)
    data = frame["data"]
    assert isinstance(data, dict)
    assert list(data) == ["s", "b", "a", "u", "seq"]
    assert frame["topic"] == f"orderbook.1.{data['s']}"
    assert isinstance(data["u"], int) and isinstance(data["seq"], int)
    [[bid, bid_sz]], [[ask, ask_sz]] = data["b"], data["a"]
    assert all(isinstance(x, str) for x in (bid, bid_sz, ask, ask_sz))
    assert not bid.endswith("0") or "." not in bid  # Bybit trims trailing zeros
    symbol = SYMBOLS[data["s"]]
    assert float(bid) < float(ask)
    assert on_tick(bid, symbol, Venue.BYBIT) and on_tick(ask, symbol, Venue.BYBIT)
    assert decimals(bid) <= 2
    return str(data["s"])


async def test_subscribe_two_symbols_ack_and_snapshots() -> None:
    async with (
        running(rate=100) as (srv, http),
        http.ws_connect(srv.urls(Venue.BYBIT).ws_url) as ws,
    ):
        await ws.send_str(json.dumps({"req_id": "10001", "op": "subscribe",
                                      "args": ["orderbook.1.BTCUSDT",
                                               "orderbook.1.SOLUSDT"]}))
        ack = await recv_json(ws)
        assert list(ack) == ["success", "ret_msg", "conn_id", "req_id", "op"]
        assert ack["success"] is True and ack["ret_msg"] == "subscribe"
        assert ack["req_id"] == "10001" and ack["op"] == "subscribe"
        assert UUID.match(ack["conn_id"])
        seen = {check_snapshot(await recv_json(ws)) for _ in range(6)}
        assert seen == set(SYMBOLS)


async def test_ack_without_req_id_has_no_req_id() -> None:
    async with running() as (srv, http), http.ws_connect(srv.urls(Venue.BYBIT).ws_url) as ws:
        await ws.send_str('{"op":"subscribe","args":["orderbook.1.BTCUSDT"]}')
        ack = await recv_json(ws)
        assert list(ack) == ["success", "ret_msg", "conn_id", "op"]


async def test_unknown_topic_fails_and_valid_ones_still_flow() -> None:
    async with (
        running(rate=100) as (srv, http),
        http.ws_connect(srv.urls(Venue.BYBIT).ws_url) as ws,
    ):
        await ws.send_str('{"op":"subscribe","args":["orderbook.1.NOPEUSDT",'
                          '"orderbook.1.BTCUSDT"],"req_id":"a"}')
        ack = await recv_json(ws)
        assert ack["success"] is False and ack["req_id"] == "a"
        assert ack["ret_msg"] == "error:handler not found,topic:orderbook.1.NOPEUSDT"
        assert check_snapshot(await recv_json(ws)) == "BTCUSDT"
        await ws.send_str('{"op":"subscribe","args":["orderbook.1.BTCUSDT"]}')
        dup = await recv_until(ws, lambda f: "success" in f)
        assert dup["ret_msg"] == "error:already subscribed,topic:orderbook.1.BTCUSDT"
        assert dup["req_id"] == ""  # captured refusals carry an empty req_id


async def test_more_than_ten_args_is_refused() -> None:
    async with running() as (srv, http), http.ws_connect(srv.urls(Venue.BYBIT).ws_url) as ws:
        args = [f"orderbook.1.X{i}USDT" for i in range(11)]
        await ws.send_str(json.dumps({"op": "subscribe", "args": args}))
        ack = await recv_json(ws)
        assert ack["success"] is False and ack["ret_msg"] == "args size >10"


async def test_ping_pong_echoes_req_id_and_bad_input_gets_an_error() -> None:
    async with running() as (srv, http), http.ws_connect(srv.urls(Venue.BYBIT).ws_url) as ws:
        await ws.send_str('{"req_id":"100001","op":"ping"}')
        pong = await recv_json(ws)
        assert pong == {"success": True, "ret_msg": "pong", "conn_id": pong["conn_id"],
                        "req_id": "100001", "op": "ping"}
        await ws.send_str('{"op":"ping"}')
        assert list(await recv_json(ws)) == ["success", "ret_msg", "conn_id", "op"]
        for bad in ("{oops", '{"op":"dance"}', "[1,2]"):
            await ws.send_str(bad)
            reply = await recv_json(ws)
            assert reply["success"] is False
            assert reply["ret_msg"].startswith("error:handler not found")
        assert srv.stats[Venue.BYBIT].pings == 2


async def test_unsubscribe_is_acked() -> None:
    async with (
        running(rate=100) as (srv, http),
        http.ws_connect(srv.urls(Venue.BYBIT).ws_url) as ws,
    ):
        await ws.send_str('{"op":"subscribe","args":["orderbook.1.BTCUSDT"]}')
        await recv_json(ws)
        await ws.send_str('{"op":"unsubscribe","args":["orderbook.1.BTCUSDT"]}')
        ack = await recv_until(ws, lambda f: f.get("op") == "unsubscribe")
        assert ack["success"] is True
