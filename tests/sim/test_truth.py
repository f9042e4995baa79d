"""Ground truth: `GET /sim/truth` serves exactly the dislocations the market profile made,
each as it was on the wire (the venues to buy and sell on, the net after both fees)."""

from __future__ import annotations

import aiohttp
import msgspec

from arbot.domain import Venue
from arbot.sim import SimConfig, sim_banner
from arbot.sim.market import Market
from arbot.sim.truth import Dislocation
from tests.conftest import until
from tests.sim import recv_until, running

CALM = Market(dislocations_per_s=0.0)


async def served(http: aiohttp.ClientSession, url: str) -> list[Dislocation]:
    async with http.get(url) as resp:
        assert resp.status == 200
        body = await resp.json()
    return msgspec.convert(body["dislocations"], list[Dislocation])


async def test_truth_serves_a_forced_dislocation_as_it_was_on_the_wire() -> None:
    async with running(SimConfig(profile="market", market=CALM)) as (srv, http):
        okx = await http.ws_connect(srv.urls(Venue.OKX).ws_url)
        await okx.send_str('{"op":"subscribe","args":[{"channel":"bbo-tbt",'
                           '"instId":"SOL-USDT"}]}')
        srv.dislocate("SOL-USDT", Venue.OKX, 60.0, life_s=0.5)
        moved = await recv_until(okx, lambda f: "data" in f and float(
            f["data"][0]["bids"][0][0]) > srv.model.fair("SOL-USDT") * 1.004)
        await until(lambda: srv.truth.dislocations[0].end_ms is not None, "the end")
        [d] = await served(http, srv.truth_url)
        assert d == srv.truth.dislocations[0]
        assert (d.symbol, d.venue, d.sell_venue) == ("SOL-USDT", Venue.OKX, Venue.OKX)
        assert d.buy_venue is not Venue.OKX and d.offset_bps == 60.0
        assert d.end_ms is not None and d.end_ms >= d.start_ms + 500 - 1
        assert d.net_bps > 20.0 and d.size > 0  # 60 bps less two 10 bps fees and spreads
        assert int(moved["data"][0]["ts"]) >= d.start_ms  # stamped when it was made
        await okx.close()


async def test_injected_dislocations_net_what_was_asked_and_are_all_served() -> None:
    market = Market(dislocations_per_s=20.0, dislocation_life_s=0.2, settle_s=0.0,
                    truth_net_bps=7.0)
    async with running(SimConfig(profile="market", market=market, seed=3)) as (srv, http):
        await until(lambda: sum(d.end_ms is not None for d in srv.truth.dislocations) >= 6,
                    "six injected dislocations")
        got = await served(http, srv.truth_url)
    assert got[:6] == srv.truth.dislocations[:6]
    for d in got[:6]:
        assert d.net_bps >= 7.0 - 1e-9  # fitted to the ask, in whole ticks
        assert d.venue in (d.buy_venue, d.sell_venue) and d.buy_venue is not d.sell_venue
        assert d.min_net_bps <= d.net_bps
    ids = [d.id for d in got]
    assert ids == sorted(set(ids))
    open_at_once = {}
    for d in got:  # one cause per symbol at a time
        assert d.start_ms >= open_at_once.get(d.symbol, 0)
        open_at_once[d.symbol] = d.end_ms or 2**62


async def test_steady_serves_no_truth_and_the_banner_says_where_it_is() -> None:
    async with running(SimConfig()) as (srv, http):
        assert await served(http, srv.truth_url) == []
        assert srv.truth_url in sim_banner(srv)


async def test_a_dislocation_made_over_an_open_one_keeps_its_own_life() -> None:
    async with running(SimConfig(profile="market", market=CALM)) as (srv, _):
        srv.dislocate("ETH-USDT", Venue.BYBIT, 50.0, life_s=0.2)
        srv.dislocate("ETH-USDT", Venue.BYBIT, -50.0, life_s=60.0)
        first, second = srv.truth.dislocations
        assert first.end_ms is not None and second.end_ms is None  # the second ended it
        ticks = srv.model.ticks  # the market's clock passes the first one's planned end
        await until(lambda: srv.model.ticks >= ticks + 10, "half a second of market time")
        assert second.end_ms is None and srv.truth.open["ETH-USDT"] is second
        assert srv.model.dislocation_bps("ETH-USDT", Venue.BYBIT) == -50.0
