"""ArBot's own adapters understand everything the simulator sends.

Kept apart from the other simulator tests: it is the one place that imports the client
side, so a broken adapter fails here and nowhere else.
"""

from __future__ import annotations

import time

import aiohttp
import pytest

from arbot.domain import FeedEvent, Pong, Quote, SubscribeAck, Venue, VenueError
from arbot.exchanges import adapter_for
from arbot.exchanges.drops import DropCounter
from arbot.exchanges.frameparser import FrameParser
from arbot.exchanges.symbols import SymbolMap
from arbot.sim import SimConfig
from tests.sim import running


@pytest.mark.parametrize("venue", list(Venue))
async def test_arbot_adapters_parse_the_simulator(venue: Venue) -> None:
    """Instruments, subscribe frames, acks, quotes, heartbeat and garbage, through the
    real adapter code, so the simulator and the clients agree on the wire."""
    adapter = adapter_for(venue)
    async with running(SimConfig(rate=2000)) as (srv, http):
        urls = srv.urls(venue)
        async with http.get(urls.rest_url + adapter.instruments_path) as resp:
            instruments = adapter.parse_instruments(await resp.read())
        assert {i.symbol for i in instruments} >= {"BTC-USDT", "ETH-USDT"}
        smap = SymbolMap.from_instruments(venue, instruments)
        drops = DropCounter()
        parser = adapter.new_parser(smap.to_canonical, drops)
        async with http.ws_connect(urls.ws_url) as ws:
            ids = [smap.to_venue(s) for s in ("BTC-USDT", "ETH-USDT")]
            for frame in adapter.subscribe_frames(ids):
                await ws.send_str(frame)
            if adapter.heartbeat.frame is not None:
                await ws.send_str(adapter.heartbeat.frame)
            events = await read(ws, parser, 200)
            assert not [e for e in events if isinstance(e, VenueError)]
            assert any(isinstance(e, SubscribeAck) for e in events)
            assert (adapter.heartbeat.frame is None) or any(isinstance(e, Pong) for e in events)
            quotes = [e for e in events if isinstance(e, Quote)]
            assert {q.symbol for q in quotes} == {"BTC-USDT", "ETH-USDT"}
            assert drops.total() == 0
            srv.set_faults(venue, garbage_rate=0.5)
            quotes = [e for e in await read(ws, parser, 300) if isinstance(e, Quote)]
            assert quotes and all(0 < q.bid < q.ask for q in quotes)
            assert drops.total() > 50


async def read(ws: aiohttp.ClientWebSocketResponse, parser: FrameParser, n: int
               ) -> list[FeedEvent]:
    out: list[FeedEvent] = []
    for _ in range(n):
        msg = await ws.receive(timeout=5)
        assert msg.type == aiohttp.WSMsgType.TEXT
        out.extend(parser.parse(msg.data, time.time_ns()))
    return out
