"""The simulator's private streams keep each venue's heartbeat rules, over real sockets:
client-ping venues cut a client that says nothing for the idle timeout, Binance pings
at the WebSocket level and cuts a client that never answers; ArBot's private feed, which
pings (or answers) as each venue asks, is never cut."""

from __future__ import annotations

import asyncio

import aiohttp
import msgspec
import pytest

from arbot.domain import Venue
from arbot.sim import SimConfig, SimServer
from arbot.sim.config import DEFAULT_HEARTBEATS, Heartbeat
from arbot.trading.execution import final_report
from tests.conftest import until
from tests.trading.streams import TIMING, crossing, streamed

CLIENT_PINGS = [Venue.BYBIT, Venue.OKX, Venue.BITGET]
FAST = {**DEFAULT_HEARTBEATS, **{v: Heartbeat(idle_timeout_s=0.6) for v in CLIENT_PINGS},
        Venue.BINANCE: Heartbeat(ping_interval_s=0.2)}
CONFIG = SimConfig(symbols=("BTC-USDT",), rate=20, heartbeats=FAST)


@pytest.mark.parametrize("venue", CLIENT_PINGS)
async def test_a_silent_client_is_cut_after_the_idle_timeout(venue: Venue) -> None:
    async with SimServer(CONFIG) as sim, aiohttp.ClientSession() as session, \
            session.ws_connect(sim.private_ws_url(venue)) as ws:
        async with asyncio.timeout(10):
            msg = await ws.receive()
        assert msg.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED), msg


async def test_binance_pings_and_cuts_a_client_that_never_answers() -> None:
    async with SimServer(CONFIG) as sim, aiohttp.ClientSession() as session, \
            session.ws_connect(sim.private_ws_url(Venue.BINANCE), autoping=False) as ws:
        async with asyncio.timeout(10):
            first = await ws.receive()
            assert first.type is aiohttp.WSMsgType.PING
            while (msg := await ws.receive()).type is aiohttp.WSMsgType.PING:
                pass
        assert msg.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED), msg


@pytest.mark.parametrize("venue", list(Venue))
async def test_the_private_feed_keeps_its_connection(venue: Venue) -> None:
    """Several idle timeouts pass on a quiet account: the feed's pings (or its answers to
    Binance's) keep the one connection it opened."""
    async with SimServer(CONFIG) as sim, aiohttp.ClientSession() as session:
        fast = msgspec.structs.replace(TIMING, heartbeat_s=0.1)
        async with streamed(sim, venue, session, timing=fast) as s:
            await asyncio.sleep(2.0)  # about three idle timeouts, nothing to push
            await until(lambda: s.feed.frames > 3, "the heartbeat's answers")
            assert s.feed.reconnects == 0 and sim.streams.connections[venue] == 1
            assert s.executor.stream_epoch(venue) == 1


async def test_okx_pushes_keep_a_quiet_client_connected() -> None:
    """OKX cuts a connection when no data went either way for 30 s: its own pushes count,
    so a client whose pings wait for silence (`idle_only`) is not cut while trading."""
    async with SimServer(CONFIG) as sim, aiohttp.ClientSession() as session, \
            streamed(sim, Venue.OKX, session) as s:  # pings only after 25 s of silence
        for i in range(8):  # each order pushes; together they span several idle timeouts
            await final_report(s.executor, crossing(sim, Venue.OKX, f"abkeep{i}b"), True)
            await asyncio.sleep(0.2)
        assert s.feed.reconnects == 0 and sim.streams.connections[Venue.OKX] == 1
