"""Venue details from review, against the simulator over real sockets: Bybit's order
history after a restart of Bybit's side, Bybit's minimum order value (minOrderAmt, not
the deprecated minOrderQty), Binance's PERCENT_PRICE_BY_SIDE in pre-flight."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal

import aiohttp
import msgspec
import pytest

from arbot.domain import Instrument, OrderRequest, OrderStatus, PriceBand, Side, Venue
from arbot.exchanges import adapter_for
from arbot.exchanges.private import PrivateClient
from arbot.exchanges.rest import RestClient
from arbot.exchanges.restspec import RestError, RestErrorKind
from arbot.exchanges.signing import Credentials
from arbot.sim import SimConfig, SimServer
from arbot.sim.config import Dislocations
from arbot.trading.ledger import Ledger
from arbot.trading.preflight import Rejection, TradePlan, preflight
from arbot.trading.quantize import limit_price, rule, text
from tests.sim.signed import Signed
from tests.trading.helpers import SYMBOL, inst, ledger, opportunity, walked

QUIET = SimConfig(symbols=(SYMBOL,), rate=20, dislocations=Dislocations(rate_per_s=0.0))


@pytest.fixture
async def sim() -> AsyncIterator[SimServer]:
    async with SimServer(QUIET) as srv:
        yield srv


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


def client(sim: SimServer, http: aiohttp.ClientSession, venue: Venue) -> PrivateClient:
    c = sim.credentials(venue)
    return PrivateClient(adapter_for(venue), sim.urls(venue).rest_url,
                         Credentials(c.key, c.secret, c.passphrase), http)


async def instrument(sim: SimServer, http: aiohttp.ClientSession, venue: Venue) -> Instrument:
    rest = RestClient(adapter_for(venue), sim.urls(venue).rest_url, http)
    return next(i for i in await rest.fetch_instruments() if i.symbol == SYMBOL)


async def marketable(sim: SimServer, http: aiohttp.ClientSession, venue: Venue, side: Side,
                     client_id: str, value: float = 50.0) -> OrderRequest:
    """An IOC order that crosses the book now, worth about `value` quote."""
    inst = await instrument(sim, http, venue)
    top = sim.desk.top(venue, sim.catalog.by_symbol[SYMBOL])
    market = float(top.ask if side is Side.BUY else top.bid)
    px = limit_price(market, rule(inst.tick_size), side, 50.0)
    qty = (Decimal(repr(value)) / px).quantize(rule(inst.lot_size))
    return OrderRequest(client_id=client_id, venue=venue, symbol=SYMBOL,
                        venue_symbol=inst.venue_id, side=side, price=text(px), qty=text(qty))


# --- Bybit: order history after Bybit's side restarted --------------------------------


async def test_bybit_finds_a_finished_order_in_history_after_its_restart(
        sim: SimServer, http: aiohttp.ClientSession) -> None:
    bybit = client(sim, http, Venue.BYBIT)
    order = await marketable(sim, http, Venue.BYBIT, Side.BUY, "hist-1")
    await bybit.place(order)
    before = await bybit.order_status(order)
    assert before.status is OrderStatus.FILLED
    sim.restart_service(Venue.BYBIT)
    # The live lookup no longer lists it, as Bybit documents; only history has it.
    signed = Signed(sim, http, Venue.BYBIT)
    query = {"category": "spot", "orderLinkId": "hist-1"}
    live = await signed.send("GET", "/v5/order/realtime", query)
    assert live.body["result"]["list"] == []
    after = await bybit.order_status(order)
    assert after == before


async def test_bybit_open_orders_stay_live_and_unknown_ones_are_missing_in_both(
        sim: SimServer, http: aiohttp.ClientSession) -> None:
    bybit = client(sim, http, Venue.BYBIT)
    order = await marketable(sim, http, Venue.BYBIT, Side.SELL, "hist-2")
    await bybit.place(order)
    sim.restart_service(Venue.BYBIT)
    ghost = msgspec.structs.replace(order, client_id="never-sent")
    with pytest.raises(RestError) as err:
        await bybit.order_status(ghost)
    assert err.value.kind is RestErrorKind.NO_SUCH_ORDER
    assert "order history" in str(err.value) and "/v5/order/history" in str(err.value)
    # An order finished after the restart is still in the live lookup.
    late = await marketable(sim, http, Venue.BYBIT, Side.SELL, "hist-3")
    await bybit.place(late)
    assert (await bybit.order_status(late)).status is OrderStatus.FILLED


async def test_bybit_history_refuses_a_bad_limit_in_bybits_words(
        sim: SimServer, http: aiohttp.ClientSession) -> None:
    signed = Signed(sim, http, Venue.BYBIT)
    bad = await signed.send("GET", "/v5/order/history", {"category": "spot", "limit": "51"})
    assert bad.body["retCode"] == 10001
    wrong = await signed.send("GET", "/v5/order/history", {"category": "linear"})
    assert wrong.body["retCode"] == 10001


# --- Bybit: minOrderAmt, not the deprecated minOrderQty ----------------------------------


async def test_bybit_checks_the_order_value_not_the_deprecated_quantity(
        sim: SimServer, http: aiohttp.ClientSession) -> None:
    bybit_inst = await instrument(sim, http, Venue.BYBIT)
    assert (bybit_inst.min_qty, bybit_inst.min_notional) == ("0", "5")
    instruments = {(Venue.BINANCE, SYMBOL): inst(Venue.BINANCE, min_notional="1"),
                   (Venue.BYBIT, SYMBOL): bybit_inst}
    opp = msgspec.structs.replace(opportunity(100.0, 101.0, size=0.04),
                                  sell=msgspec.structs.replace(
                                      opportunity().sell, venue=Venue.BYBIT))
    funds = Ledger({v: {"USDT": 10_000.0, "BTC": 1.0} for v in (Venue.BINANCE, Venue.BYBIT)})
    r = preflight(opp, "ep", "tr", instruments, funds, 0.0)
    assert isinstance(r, Rejection) and r.step == "min_notional"
    assert "bybit's minimum notional 5" in r.reason
    # The venue refuses the same order value, with its own code.
    small = await marketable(sim, http, Venue.BYBIT, Side.BUY, "tiny-1", value=3.0)
    with pytest.raises(RestError) as err:
        await client(sim, http, Venue.BYBIT).place(small)
    assert err.value.kind is RestErrorKind.ORDER_RULES and err.value.code == "170140"


# --- Binance: PERCENT_PRICE_BY_SIDE ------------------------------------------------------


async def test_binance_lists_its_price_band_and_refuses_orders_outside_it(
        sim: SimServer, http: aiohttp.ClientSession) -> None:
    binance = await instrument(sim, http, Venue.BINANCE)
    assert binance.price_band == PriceBand(buy_down="0.2", buy_up="1.2", sell_down="0.8",
                                           sell_up="5", avg_minutes=1)
    order = await marketable(sim, http, Venue.BINANCE, Side.BUY, "band-1")
    too_high = msgspec.structs.replace(order, price=text(Decimal(order.price) * 2))
    with pytest.raises(RestError) as err:
        await client(sim, http, Venue.BINANCE).place(too_high)
    assert err.value.kind is RestErrorKind.ORDER_RULES
    assert "PERCENT_PRICE_BY_SIDE" in err.value.message


@pytest.mark.parametrize(("buy_worst", "sell_worst", "names"), [
    (130.0, 101.0, "buy limit 130 is above 1.2 x the mid 99.95"),
    (100.0, 70.0, "sell limit 70 is below 0.8 x the mid 101.05")])
async def test_preflight_refuses_a_limit_outside_binances_band(
        sim: SimServer, http: aiohttp.ClientSession, buy_worst: float, sell_worst: float,
        names: str) -> None:
    binance = msgspec.structs.replace(await instrument(sim, http, Venue.BINANCE),
                                      symbol=SYMBOL, tick_size="0.01", min_notional="1")
    base = opportunity(100.0, 101.0, size=0.5)
    if sell_worst < 100:  # Binance sells: its quote is the sell side
        base = msgspec.structs.replace(
            base, buy=msgspec.structs.replace(base.buy, venue=Venue.OKX),
            sell=msgspec.structs.replace(base.sell, venue=Venue.BINANCE))
    opp = walked(base, 0.5, min(buy_worst, 100.0), max(sell_worst, 101.0), buy_worst,
                 sell_worst)
    other = Venue.OKX
    instruments = {(Venue.BINANCE, SYMBOL): binance, (other, SYMBOL): inst(other)}
    r = preflight(opp, "ep", "tr", instruments, ledger(), 0.0)
    assert isinstance(r, Rejection) and r.step == "price_band", r
    assert r.reason.startswith("binance's price band: ") and names in r.reason


async def test_preflight_passes_limits_inside_the_band(
        sim: SimServer, http: aiohttp.ClientSession) -> None:
    binance = msgspec.structs.replace(await instrument(sim, http, Venue.BINANCE),
                                      tick_size="0.01", min_notional="1")
    instruments = {(Venue.BINANCE, SYMBOL): binance, (Venue.OKX, SYMBOL): inst(Venue.OKX)}
    plan = preflight(opportunity(100.0, 101.0, size=0.5), "ep", "tr", instruments, ledger(),
                     50.0)
    assert isinstance(plan, TradePlan)
