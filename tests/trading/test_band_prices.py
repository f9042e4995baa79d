"""Binance's PERCENT_PRICE_BY_SIDE measured from Binance's own average price
(`GET /api/v3/avgPrice`) when ArBot has a fresh one, from the book's mid otherwise:
the answer read (and bad answers refused), the average read from the simulator over a
real socket, and pre-flight following it."""

from __future__ import annotations

import aiohttp
import msgspec
import pytest

from arbot.domain import PriceBand, Side, Venue
from arbot.exchanges import adapter_for
from arbot.exchanges.rest import RestClient
from arbot.sim import SimServer
from arbot.trading.bandprices import MAX_AGE_S, BandPrices
from arbot.trading.preflight import Rejection, TradePlan, preflight
from arbot.trading.priceband import band_problem
from arbot.trading.quantize import to_decimal
from arbot.venues.binance.avgprice import parse_avg_price
from tests.exchanges.test_venue_details import QUIET, instrument
from tests.trading.helpers import SYMBOL, inst, ledger, opportunity, walked

DOC_EXAMPLE = b'{"mins": 5, "price": "9.35751834", "closeTime": 1694061154503}'


def test_the_documented_answer_is_read() -> None:
    assert parse_avg_price(DOC_EXAMPLE) == pytest.approx(9.35751834)


@pytest.mark.parametrize("body", [b"", b"[]", b'{"mins": 5}', b'{"mins": 5, "price": "x"}',
                                  b'{"mins": 5, "price": "0"}', b'{"mins": 5, "price": "-1"}',
                                  b'{"mins": 5, "price": "nan"}', b'{"mins": 5, "price": 9}'])
def test_a_bad_answer_is_refused(body: bytes) -> None:
    with pytest.raises(ValueError):
        parse_avg_price(body)


def test_the_band_is_around_the_average_when_there_is_one() -> None:
    book = opportunity(100.0, 101.0, size=0.5).buy  # mid 99.95
    band = PriceBand(buy_down="0.2", buy_up="1.2", sell_down="0.8", sell_up="5",
                     avg_minutes=5)
    price = to_decimal(115.0)  # inside 1.2 x the mid, outside 1.2 x an average of 90
    assert band_problem(band, Side.BUY, price, book) == ""
    why = band_problem(band, Side.BUY, price, book, 90.0)
    assert "buy limit 115 is above 1.2 x the average 90" in why


async def test_the_average_is_read_from_the_venue_and_kept_fresh() -> None:
    now = [0.0]
    async with SimServer(QUIET) as sim, aiohttp.ClientSession() as http:
        binance = await instrument(sim, http, Venue.BINANCE)
        okx = await instrument(sim, http, Venue.OKX)
        clients = {v: RestClient(adapter_for(v), sim.urls(v).rest_url, http)
                   for v in (Venue.BINANCE, Venue.OKX)}
        prices = BandPrices(clock=lambda: now[0])
        okx_before = sim.stats[Venue.OKX].rest_requests
        await prices.read_once(clients, {(Venue.BINANCE, SYMBOL): binance,
                                         (Venue.OKX, SYMBOL): okx})
        top = sim.desk.top(Venue.BINANCE, sim.catalog.by_symbol[SYMBOL])
        got = prices.get(Venue.BINANCE, SYMBOL)
        assert got is not None
        assert float(top.bid) <= got <= float(top.ask)  # the simulator's average: its mid
        assert prices.get(Venue.OKX, SYMBOL) is None  # OKX has no such band
        assert sim.stats[Venue.OKX].rest_requests == okx_before  # and is not asked
        now[0] += MAX_AGE_S + 1
        assert prices.get(Venue.BINANCE, SYMBOL) is None  # too old to measure from


@pytest.mark.parametrize(("average", "passes"), [(None, True), (99.95, True), (80.0, False)])
async def test_preflight_measures_the_band_from_the_venues_average(
        average: float | None, passes: bool) -> None:
    """A buy walked to 110 on Binance: inside 1.2 x the mid (99.95) or the same average,
    outside 1.2 x an average of 80 (the market fell in the last minutes)."""
    async with SimServer(QUIET) as sim, aiohttp.ClientSession() as http:
        binance = msgspec.structs.replace(await instrument(sim, http, Venue.BINANCE),
                                          tick_size="0.01", min_notional="1")
    opp = walked(opportunity(100.0, 111.0, size=0.5), 0.5, 100.0, 111.0, 110.0, 111.0)
    instruments = {(Venue.BINANCE, SYMBOL): binance, (Venue.OKX, SYMBOL): inst(Venue.OKX)}

    def band_price(venue: Venue, symbol: str) -> float | None:
        return average if venue is Venue.BINANCE else None

    r = preflight(opp, "ep", "tr", instruments, ledger(), 0.0, band_price)
    if passes:
        assert isinstance(r, TradePlan), r
    else:
        assert isinstance(r, Rejection) and r.step == "price_band", r
        assert "above 1.2 x the average 80" in r.reason
