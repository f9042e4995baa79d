"""End to end over sockets: a forced dislocation is visible as a cross-venue gap; the
banner gives the config lines."""

from __future__ import annotations

import asyncio
import json
import re

import aiohttp
import pytest

from arbot.domain import Venue
from arbot.sim import Dislocations, SimConfig, SimServer, serve_forever, sim_banner
from tests.conftest import until
from tests.sim import recv_json, running

QUIET = Dislocations(rate_per_s=0.0)


async def test_forced_dislocation_opens_and_closes_a_cross_venue_gap() -> None:
    async with running(SimConfig(rate=200, dislocations=QUIET)) as (srv, http):
        binance = await http.ws_connect(srv.urls(Venue.BINANCE).ws_url)
        await binance.send_str('{"method":"SUBSCRIBE","params":["btcusdt@bookTicker"],"id":1}')
        okx = await http.ws_connect(srv.urls(Venue.OKX).ws_url)
        await okx.send_str('{"op":"subscribe","args":[{"channel":"bbo-tbt","instId":"BTC-USDT"}]}')
        await recv_json(binance)
        await recv_json(okx)
        book: dict[str, float] = {}

        async def step() -> float:
            """Read one push from each venue: OKX bid over Binance ask, in bps."""
            b, o = await recv_json(binance), await recv_json(okx)
            book["ask"], book["bid"] = float(b["a"]), float(o["data"][0]["bids"][0][0])
            return (book["bid"] / book["ask"] - 1) * 1e4

        # Natural noise can cross the venues by a bp or two; the dislocation is 80 bps.
        for _ in range(5):
            assert await step() < 20
        srv.dislocate("BTC-USDT", Venue.OKX, 80, life_s=0.6)
        while await step() < 50:  # event-based: the recv timeouts bound the wait
            pass
        await until(lambda: srv.model.dislocation_bps("BTC-USDT", Venue.OKX) == 0)
        while await step() > 20:
            pass
        for _ in range(20):
            assert await step() < 20
        await binance.close()
        await okx.close()


async def test_banner_lists_every_venue_for_arbot_toml() -> None:
    async with SimServer(SimConfig()) as srv:
        text = sim_banner(srv)
        for venue in Venue:
            urls = srv.urls(venue)
            assert f"[exchanges.{venue.value}]" in text
            assert f'ws_url = "{urls.ws_url}"' in text and f'rest_url = "{urls.rest_url}"' in text
        assert json.dumps(srv.urls(Venue.OKX).ws_url).endswith(f'{srv.port}/okx/ws/v5/public"')


async def test_serve_forever_prints_the_banner_serves_and_stops_on_cancel(
        capsys: pytest.CaptureFixture[str]) -> None:
    config = SimConfig.from_flags(seed=3, symbols=("ETH-USDT",), rate=100, garbage_rate=0.0,
                                  drop_every=30.0)
    assert config.faults_for(Venue.BITGET).drop_every_s == 30.0
    task = asyncio.create_task(serve_forever(config), name="test-sim")
    loop = asyncio.get_running_loop()
    end = loop.time() + 5
    while 'ws_url = "' not in (out := capsys.readouterr().out):
        assert loop.time() < end
        await asyncio.sleep(0.01)
    url = re.findall(r'ws_url = "([^"]+/bybit/[^"]+)"', out)[0]
    async with aiohttp.ClientSession() as http, http.ws_connect(url) as ws:
        await ws.send_str('{"op":"subscribe","args":["orderbook.1.ETHUSDT"]}')
        assert (await recv_json(ws))["success"] is True
        assert (await recv_json(ws))["data"]["s"] == "ETHUSDT"
        task.cancel()
        await asyncio.wait([task])
    assert task.cancelled()
