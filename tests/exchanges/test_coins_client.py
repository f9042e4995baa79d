"""The coin information read by the real clients (signed on Binance, Bybit and OKX,
public on Bitget) from the simulator over real sockets, in each venue's own answer
shape; the simulator's knobs (a faked coin, a closed network); and reads that fail (a
venue down, an unreadable answer) keeping the last known costs and saying so."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

from arbot.coininfo import CoinNetwork
from arbot.domain import Venue
from arbot.exchanges import adapter_for
from arbot.exchanges.coins import CoinBook, CoinReader, coin_reader, read_once
from arbot.exchanges.private import PrivateClient
from arbot.exchanges.rest import RestClient
from arbot.exchanges.resttiming import RestTiming
from arbot.exchanges.signing import Credentials
from arbot.sim import SimConfig, SimServer
from arbot.sim.coins import CoinTweaks

SIM = SimConfig(symbols=("BTC-USDT", "ETH-USDT"),
                coins=CoinTweaks(fake={Venue.OKX: frozenset({"ETH"})},
                                 closed={Venue.BYBIT: frozenset({("USDT", "TRX")})}))


@pytest.fixture
async def sim() -> AsyncIterator[SimServer]:
    async with SimServer(SIM) as srv:
        yield srv


def reader(srv: SimServer, http: aiohttp.ClientSession, venue: Venue) -> CoinReader:
    adapter = adapter_for(venue)
    url = srv.urls(venue).rest_url
    c = srv.credentials(venue)
    timing = RestTiming(retries=0)
    private = PrivateClient(adapter, url, Credentials(c.key, c.secret, c.passphrase), http,
                            timing=timing)
    found = coin_reader(adapter, RestClient(adapter, url, http, timing=timing), private)
    assert not isinstance(found, str)
    return found


def by_chain(rows: list[CoinNetwork], coin: str) -> dict[str, CoinNetwork]:
    return {r.chain: r for r in rows if r.coin == coin}


@pytest.mark.parametrize("venue", list(Venue))
async def test_each_venue_answers_in_its_shape_and_the_client_reads_it(
        sim: SimServer, venue: Venue) -> None:
    async with aiohttp.ClientSession() as http:
        rows = await reader(sim, http, venue)()
    usdt = by_chain(rows, "USDT")
    assert set(usdt) == {"ETH", "TRX", "SOL"}  # each venue's own names, one shared name
    assert usdt["ETH"].contract == "0xdac17f958d2ee523a2206206994597c13d831ec7"
    assert set(by_chain(rows, "ETH")) == {"ETH", "ARBITRUM"}
    assert by_chain(rows, "BTC")["BTC"].contract == ""
    assert all(r.withdraw_fee > 0 and r.withdraw_min > 0 for r in rows)


async def test_the_knobs_fake_a_coin_and_close_a_network(sim: SimServer) -> None:
    async with aiohttp.ClientSession() as http:
        okx = await reader(sim, http, Venue.OKX)()
        bybit = await reader(sim, http, Venue.BYBIT)()
        binance = await reader(sim, http, Venue.BINANCE)()
        assert by_chain(okx, "ETH")["ETH"].contract != ""  # native ETH served as a token
        assert by_chain(binance, "ETH")["ETH"].contract == ""
        trx = by_chain(bybit, "USDT")["TRX"]
        assert not trx.deposit_open and not trx.withdraw_open
        sim.coins.close_network(Venue.BYBIT, "USDT", "TRX", closed=False)
        sim.coins.fake_coin(Venue.BINANCE, "BTC")
        assert by_chain(await reader(sim, http, Venue.BYBIT)(), "USDT")["TRX"].movable
        assert by_chain(await reader(sim, http, Venue.BINANCE)(), "BTC")["BTC"].contract


@pytest.mark.parametrize("fault", [{"status": 503}, {"status": 200, "body": {"data": "x"}}])
async def test_a_failed_read_keeps_the_last_known_costs_and_says_so(
        sim: SimServer, fault: dict[str, object]) -> None:
    book = CoinBook()
    stored: list[int] = []
    async with aiohttp.ClientSession() as http:
        read = reader(sim, http, Venue.BITGET)
        await read_once(book, Venue.BITGET, read, lambda v, rows, ts: stored.append(len(rows)))
        known = book.tables[Venue.BITGET]
        assert known and book.problems[Venue.BITGET] == "" and stored
        sim.set_rest_fault(Venue.BITGET, **fault)
        await read_once(book, Venue.BITGET, read, lambda v, rows, ts: stored.append(0))
    assert book.tables[Venue.BITGET] is known and stored == stored[:1]
    assert "coin information not read" in book.problems[Venue.BITGET]
    assert "keeping the costs read 0 min ago" in book.problems[Venue.BITGET]


def test_a_signed_venue_without_keys_says_why() -> None:
    adapter = adapter_for(Venue.OKX)
    why = coin_reader(adapter, RestClient(adapter), None)
    assert isinstance(why, str) and "needs API keys" in why
