"""Flood mode: pre-framed chunks written straight to the socket must still be exactly
the venue's frames, interleave cleanly with control frames, and carry garbage when asked."""

from __future__ import annotations

import asyncio
import json

import aiohttp

from arbot.domain import Venue
from arbot.sim import Faults, SimConfig
from tests.sim import recv_json, recv_until, running, wait_closed


async def test_flood_frames_are_whole_valid_book_tickers() -> None:
    async with running(SimConfig(flood=True)) as (srv, http):
        ws = await http.ws_connect(srv.urls(Venue.BINANCE).ws_url)
        await ws.send_str('{"method":"SUBSCRIBE","params":["btcusdt@bookTicker",'
                          '"xrpusdt@bookTicker"],"id":1}')
        assert await recv_json(ws) == {"result": None, "id": 1}
        seen = set()
        for _ in range(5000):
            frame = await recv_json(ws)
            assert list(frame) == ["u", "s", "b", "B", "a", "A"]
            assert float(frame["b"]) < float(frame["a"])
            seen.add(frame["s"])
        assert seen == {"BTCUSDT", "XRPUSDT"}
        await ws.send_str('{"method":"LIST_SUBSCRIPTIONS","id":2}')  # replies still get through
        assert (await recv_until(ws, lambda f: f.get("id") == 2))["result"]
        await ws.close()


async def test_flood_answers_pings_and_drops_by_the_rules() -> None:
    faults = {Venue.OKX: Faults(garbage_rate=0.2, drop_every_s=0.5)}
    async with running(SimConfig(flood=True, faults=faults)) as (srv, http):
        ws = await http.ws_connect(srv.urls(Venue.OKX).ws_url)
        await ws.send_str('{"op":"subscribe","args":[{"channel":"bbo-tbt","instId":"ETH-USDT"}]}')
        await ws.send_str("ping")
        got_pong = bad = 0
        for _ in range(3000):
            msg = await ws.receive(timeout=5)
            assert msg.type == aiohttp.WSMsgType.TEXT
            if msg.data == "pong":
                got_pong += 1
                continue
            try:
                json.loads(msg.data)["data"][0]["bids"][0][0].encode()
            except (ValueError, KeyError, IndexError, TypeError, AttributeError):
                bad += 1
        assert got_pong == 1 and bad > 0
        await wait_closed(ws, wait_s=10)
        assert srv.stats[Venue.OKX].fault_drops == 1 and srv.stats[Venue.OKX].garbage > 0


async def test_server_stays_responsive_after_clients_abandon_a_flood() -> None:
    """A client that vanishes mid-flood must not leave the server spinning on its socket."""
    async with running(SimConfig(flood=True)) as (srv, http):
        url = srv.urls(Venue.BINANCE)
        for _ in range(10):
            ws = await http.ws_connect(url.ws_url)
            await ws.send_str('{"method":"SUBSCRIBE","params":["btcusdt@bookTicker"],"id":1}')
            for _ in range(200):  # the flood is under way
                await ws.receive(timeout=5)
            transport = ws._response.connection.transport  # type: ignore[union-attr]
            transport.abort()  # gone, no close frame
            await ws.close()
        async with asyncio.timeout(10):  # the server still serves new requests
            async with http.get(url.rest_url + "/api/v3/time") as resp:
                assert resp.status == 200
