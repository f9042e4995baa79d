"""Binance bookTicker over raw and combined streams, live SUBSCRIBE and its errors."""

from __future__ import annotations

import asyncio
import json

import aiohttp
import pytest

from arbot.domain import Venue
from tests.sim import decimals, on_tick, recv_json, recv_until, running

SYMBOLS = {"BTCUSDT": "BTC-USDT", "ETHUSDT": "ETH-USDT"}
SUBSCRIBE = {"method": "SUBSCRIBE", "params": ["btcusdt@bookTicker", "ethusdt@bookTicker"],
             "id": 1}


def check_book_ticker(data: dict[str, object]) -> str:
    assert list(data) == ["u", "s", "b", "B", "a", "A"]
    assert isinstance(data["u"], int)
    for key in "bBaA":
        value = data[key]
        assert isinstance(value, str) and decimals(value) == 8  # "25.35190000"
    symbol = SYMBOLS[str(data["s"])]
    bid, ask = str(data["b"]), str(data["a"])
    assert float(bid) < float(ask)
    assert on_tick(bid, symbol, Venue.BINANCE) and on_tick(ask, symbol, Venue.BINANCE)
    return str(data["s"])


async def test_raw_stream_live_subscribe_acks_then_pushes_both_symbols() -> None:
    async with (
        running(rate=100) as (srv, http),
        http.ws_connect(srv.urls(Venue.BINANCE).ws_url) as ws,
    ):
        await ws.send_str(json.dumps(SUBSCRIBE))
        assert await recv_json(ws) == {"result": None, "id": 1}
        seen = {check_book_ticker(await recv_json(ws)) for _ in range(6)}
        assert seen == set(SYMBOLS)
        await ws.send_str('{"method":"LIST_SUBSCRIPTIONS","id":2}')
        listed = await recv_until(ws, lambda f: f.get("id") == 2)
        assert listed == {"result": ["btcusdt@bookTicker", "ethusdt@bookTicker"], "id": 2}


async def test_combined_stream_url_wraps_each_payload() -> None:
    async with running(rate=100) as (srv, http):
        url = f"ws://127.0.0.1:{srv.port}/binance/stream?streams=btcusdt@bookTicker/ethusdt@bookTicker"
        async with http.ws_connect(url) as ws:
            seen = set()
            for _ in range(6):
                frame = await recv_json(ws)
                assert list(frame) == ["stream", "data"]
                sym = check_book_ticker(frame["data"])
                assert frame["stream"] == f"{sym.lower()}@bookTicker"
                seen.add(sym)
            assert seen == set(SYMBOLS)


async def test_raw_stream_named_in_the_path() -> None:
    async with running(rate=100) as (srv, http):
        url = f"ws://127.0.0.1:{srv.port}/binance/ws/ethusdt@bookTicker"
        async with http.ws_connect(url) as ws:
            assert check_book_ticker(await recv_json(ws)) == "ETHUSDT"


async def test_set_property_combined_switches_to_wrapped_frames() -> None:
    async with (
        running(rate=100) as (srv, http),
        http.ws_connect(srv.urls(Venue.BINANCE).ws_url) as ws,
    ):
        await ws.send_str('{"method":"SET_PROPERTY","params":["combined",true],"id":5}')
        assert await recv_json(ws) == {"result": None, "id": 5}
        await ws.send_str('{"method":"GET_PROPERTY","params":["combined"],"id":6}')
        assert await recv_json(ws) == {"result": True, "id": 6}
        await ws.send_str(json.dumps(SUBSCRIBE))
        await recv_until(ws, lambda f: f == {"result": None, "id": 1})
        frame = await recv_json(ws)
        assert frame["stream"].endswith("@bookTicker")


async def test_unknown_symbol_is_acked_and_then_silent() -> None:
    async with (
        running(rate=200) as (srv, http),
        http.ws_connect(srv.urls(Venue.BINANCE).ws_url) as ws,
    ):
        await ws.send_str('{"method":"SUBSCRIBE","params":["nopeusdt@bookTicker",'
                          '"BTCUSDT@bookTicker"],"id":7}')
        assert await recv_json(ws) == {"result": None, "id": 7}
        with pytest.raises(asyncio.TimeoutError):
            await ws.receive(timeout=0.4)
        assert srv.stats[Venue.BINANCE].frames == 0


@pytest.mark.parametrize(("text", "reply"), [
    ("{not json", {"code": 3, "msg": "Invalid JSON: expected value at line 1 column 1"}),
    ('{"params":[],"id":1}', {"code": 2, "msg": "Invalid request: missing field `method`"}),
    ('{"method":"SUBSCRIBE","params":[],"id":1.5}',
     {"code": 2, "msg": "Invalid request: request ID must be an unsigned integer"}),
    ('{"method":"SUBSCRIBE","params":[]}',
     {"code": 2, "msg": "Invalid request: request ID must be an unsigned integer"}),
    ('{"method":"GET_PROPERTY","params":["speed"],"id":9}',
     {"code": 0, "msg": "Unknown property", "id": 9}),
    ('{"method":"SET_PROPERTY","params":["combined","yes"],"id":9}',
     {"code": 1, "msg": "Invalid value type: expected Boolean", "id": 9}),
])
async def test_bad_requests_get_the_documented_errors(text: str, reply: object) -> None:
    async with running() as (srv, http), http.ws_connect(srv.urls(Venue.BINANCE).ws_url) as ws:
        await ws.send_str(text)
        assert await recv_json(ws) == reply
        assert srv.stats[Venue.BINANCE].sub_errors == 1


async def test_unknown_method_names_the_variants() -> None:
    async with running() as (srv, http), http.ws_connect(srv.urls(Venue.BINANCE).ws_url) as ws:
        await ws.send_str('{"method":"SUBSCRIBEE","params":[],"id":3}')
        reply = await recv_json(ws)
        assert reply["code"] == 2 and reply["id"] == 3
        assert reply["msg"].startswith("Invalid request: unknown variant `SUBSCRIBEE`")
        # binary and odd frames are ignored; the connection keeps working
        await ws.send_bytes(b"\x00\x01")
        await ws.send_str(json.dumps(SUBSCRIBE))
        assert await recv_json(ws) == {"result": None, "id": 1}


async def test_unsubscribe_stops_the_stream() -> None:
    async with (
        running(rate=200) as (srv, http),
        http.ws_connect(srv.urls(Venue.BINANCE).ws_url) as ws,
    ):
        await ws.send_str(json.dumps(SUBSCRIBE))
        await recv_json(ws)
        await ws.send_str('{"method":"UNSUBSCRIBE","params":["btcusdt@bookTicker"],"id":4}')
        await recv_until(ws, lambda f: f == {"result": None, "id": 4})
        await recv_json(ws)  # at most one frame may already be on its way
        for _ in range(10):
            assert (await recv_json(ws))["s"] == "ETHUSDT"


async def test_close_from_client_is_clean() -> None:
    async with running() as (srv, http):
        ws = await http.ws_connect(srv.urls(Venue.BINANCE).ws_url)
        await ws.close()
        assert ws.close_code == aiohttp.WSCloseCode.OK
