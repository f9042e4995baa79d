"""Keep-alive rules: clients that ping stay, clients that stop are dropped and counted;
Binance clients must echo the server's WebSocket pings."""

from __future__ import annotations

import aiohttp
import pytest

from arbot.domain import Venue
from arbot.sim import Heartbeat, SimConfig
from tests.conftest import until
from tests.sim import recv_json, running, stays_open, wait_closed

TIMEOUT_S = 0.3
PINGS = {Venue.BYBIT: '{"op":"ping"}', Venue.OKX: "ping", Venue.BITGET: "ping"}
SUBSCRIBE = {
    Venue.BYBIT: '{"op":"subscribe","args":["orderbook.1.BTCUSDT"]}',
    Venue.OKX: '{"op":"subscribe","args":[{"channel":"bbo-tbt","instId":"BTC-USDT"}]}',
    Venue.BITGET: '{"op":"subscribe","args":[{"instType":"SPOT","channel":"books1",'
                  '"instId":"BTCUSDT"}]}',
}


def config(venue: Venue, data_keeps_alive: bool) -> SimConfig:
    hb = Heartbeat(idle_timeout_s=TIMEOUT_S, data_keeps_alive=data_keeps_alive)
    return SimConfig(rate=50, heartbeats={venue: hb})


@pytest.mark.parametrize("venue", list(PINGS))
async def test_a_pinging_client_outlives_the_timeout_a_silent_one_is_dropped(
        venue: Venue) -> None:
    async with running(config(venue, data_keeps_alive=False)) as (srv, http):
        url = srv.urls(venue).ws_url
        async with http.ws_connect(url) as pinger, http.ws_connect(url) as silent:
            await stays_open(pinger, 2.5 * TIMEOUT_S, ping=PINGS[venue])
            await wait_closed(silent)
            assert srv.stats[venue].heartbeat_drops == 1
            assert srv.stats[venue].pings >= 4
            await pinger.send_str(PINGS[venue])  # still answered after the other's drop
            assert (await pinger.receive(timeout=5)).type == aiohttp.WSMsgType.TEXT


async def test_okx_closes_an_idle_connection_with_4004() -> None:
    async with (
        running(config(Venue.OKX, data_keeps_alive=True)) as (srv, http),
        http.ws_connect(srv.urls(Venue.OKX).ws_url) as ws,
    ):
        await wait_closed(ws)
        assert ws.close_code == 4004


@pytest.mark.parametrize("venue", [Venue.BYBIT, Venue.OKX])
async def test_pushed_data_keeps_bybit_and_okx_alive_without_pings(venue: Venue) -> None:
    """Bybit and OKX only cut lines with neither pings nor pushed data (their docs)."""
    async with (
        running(config(venue, data_keeps_alive=True)) as (srv, http),
        http.ws_connect(srv.urls(venue).ws_url) as ws,
    ):
        await ws.send_str(SUBSCRIBE[venue])
        assert await stays_open(ws, 2.5 * TIMEOUT_S) > 10
        assert srv.stats[venue].heartbeat_drops == 0


async def test_bitget_drops_a_subscribed_client_that_never_pings() -> None:
    """Bitget: "disconnect the connection if there is no string 'ping' received"."""
    async with (
        running(config(Venue.BITGET, data_keeps_alive=False)) as (srv, http),
        http.ws_connect(srv.urls(Venue.BITGET).ws_url) as ws,
    ):
        await ws.send_str(SUBSCRIBE[Venue.BITGET])
        frames = await wait_closed(ws)
        assert len(frames) > 2  # data flowed, and still the line was cut
        assert srv.stats[Venue.BITGET].heartbeat_drops == 1


def binance(ping_s: float = 0.15, pong_s: float = 0.4) -> SimConfig:
    hb = Heartbeat(ping_interval_s=ping_s, pong_timeout_s=pong_s)
    return SimConfig(rate=20, heartbeats={Venue.BINANCE: hb})


async def test_binance_client_answering_pings_stays_connected() -> None:
    async with (
        running(binance()) as (srv, http),
        http.ws_connect(srv.urls(Venue.BINANCE).ws_url) as ws,  # autoping on
    ):
        await ws.send_str('{"method":"SUBSCRIBE","params":["btcusdt@bookTicker"],"id":1}')
        assert await recv_json(ws) == {"result": None, "id": 1}
        await stays_open(ws, 0.8)
        stats = srv.stats[Venue.BINANCE]
        assert stats.ws_pings >= 3 and stats.ws_pongs >= 3
        assert stats.heartbeat_drops == 0


async def test_binance_client_that_never_pongs_is_dropped() -> None:
    async with running(binance()) as (srv, http):
        ws = await http.ws_connect(srv.urls(Venue.BINANCE).ws_url, autoping=False)
        seen = await wait_closed(ws)
        assert any(m.type == aiohttp.WSMsgType.PING for m in seen)
        await until(lambda: srv.stats[Venue.BINANCE].heartbeat_drops == 1)
        assert srv.stats[Venue.BINANCE].ws_pongs == 0
        await ws.close()


async def test_binance_pong_must_echo_the_ping_payload() -> None:
    """Unsolicited or wrong pongs do not count (Binance: they "will not prevent
    disconnection")."""
    async with running(binance()) as (srv, http):
        ws = await http.ws_connect(srv.urls(Venue.BINANCE).ws_url, autoping=False)
        while (msg := await ws.receive(timeout=5)).type == aiohttp.WSMsgType.PING:
            await ws.pong(b"not-the-payload")
        assert msg.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)
        assert srv.stats[Venue.BINANCE].heartbeat_drops == 1
        await ws.close()
