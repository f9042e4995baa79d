"""A venue's instrument list whose tick, lot or minimum for a symbol is not a finite
positive number ("0", "-1", "NaN") gives no trading rules for it: the instrument is kept
(its quotes still show) but is not tradable, so pre-flight refuses it by name. Before,
every opportunity on it raised in pre-flight (DivisionByZero from a zero tick, ValueError
from NaN) inside the trader's inbox, and a negative step rounded prices to whole units.
The real REST client against the simulator's instruments endpoint, over 127.0.0.1."""

from __future__ import annotations

import json
import re

import aiohttp
import pytest

from arbot.domain import Venue
from arbot.sim import SimConfig, SimServer
from arbot.venues.okx.public import INSTRUMENTS_PATH
from tests.exchanges.test_ratelimit import VirtualTime
from tests.exchanges.test_rest import sim_client

SYMBOLS = ("BTC-USDT", "ETH-USDT")


@pytest.mark.parametrize("bad", ["0", "-1", "NaN", "Infinity", "abc", ""])
async def test_unreadable_steps_leave_the_instrument_untradable(bad: str) -> None:
    async with SimServer(SimConfig(symbols=SYMBOLS)) as sim, aiohttp.ClientSession() as http:
        url = sim.urls(Venue.OKX).rest_url + INSTRUMENTS_PATH
        body = await (await http.get(url)).text()
        broken = json.loads(re.sub(r'"tickSz":"[^"]*"', f'"tickSz":"{bad}"', body, count=1))
        sim.set_rest_fault(Venue.OKX, status=200, body=broken,
                           path=INSTRUMENTS_PATH.split("?")[0])
        instruments = await sim_client(sim, Venue.OKX, http, VirtualTime()).fetch_instruments()
    by_symbol = {i.symbol: i for i in instruments}
    assert set(by_symbol) == set(SYMBOLS)
    broken_one = next(i for i in instruments if i.tick_size == bad)
    assert not broken_one.trading and "tick" in broken_one.status
    assert all(i.trading for i in instruments if i is not broken_one)
