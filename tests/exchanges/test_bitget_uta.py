"""Bitget unified trading accounts (UTA): the v3 answers parsed from the documentation's
examples, and both account modes end to end against the simulator over real sockets:
the mode found by asking, each mode refusing the other's endpoints with Bitget's code,
and a request refused as meant for the other mode sent once more in that mode."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace
from decimal import Decimal

import aiohttp
import msgspec
import pytest

from arbot.domain import OrderRequest, OrderStatus, Side, Venue
from arbot.exchanges import adapter_for
from arbot.exchanges.orderwire import OrderRef
from arbot.exchanges.private import PrivateClient
from arbot.exchanges.restspec import RestError, RestErrorKind
from arbot.exchanges.signing import Credentials
from arbot.sim import SimConfig, SimServer
from arbot.sim.config import Accounts, Dislocations
from arbot.trading.quantize import limit_price, rule, text
from arbot.venues.bitget import mode, rest_uta
from arbot.venues.bitget.public import BitgetAdapter
from tests.exchanges import FIXTURES
from tests.sim.signed import Signed

BG = Venue.BITGET
SYMBOL = "BTC-USDT"
QUIET = SimConfig(symbols=(SYMBOL,), rate=20, dislocations=Dislocations(rate_per_s=0.0))
CLASSIC_REFUSAL = ("40084", "You are in Classic Account mode, and the Unified Account API is "
                            "not supported at this time")
UTA_REFUSAL = ("40085", "You are in Unified Account mode, and the Classic Account API is not "
                        "supported at this time")


def doc(name: str) -> bytes:
    return (FIXTURES / "bitget" / "private" / f"DOCS_uta_{name}.json").read_bytes()


# --- the v3 answers, from the documentation --------------------------------------------


def test_settings_name_the_mode() -> None:
    assert mode.parse_probe(doc("settings")) == mode.UTA  # "hybrid" trades unified
    for word, found in (("unified", mode.UTA), ("upgrading", "upgrading"),
                        ("switching", "switching")):
        body = b'{"code":"00000","data":{"accountMode":"%s"}}' % word.encode()
        assert mode.parse_probe(body) == found
    with pytest.raises(ValueError):
        mode.parse_probe(b'{"code":"00000","data":{}}')


def test_order_info_is_one_object_with_a_positive_fee_list() -> None:
    ref = OrderRef("ETHUSDT", "111111111111111111", "ETH", "USDT")
    r = rest_uta.parse_status(doc("order_info"), ref)
    assert r is not None
    assert (r.status, r.filled_qty, r.avg_price, r.fee, r.fee_asset) == (
        OrderStatus.FILLED, 0.0372, 2684.23, 0.00000744, "ETH")
    assert rest_uta.parse_status(b'{"code":"00000","data":null}', ref) is None


def test_a_fee_in_another_coin_counts_only_when_alone() -> None:
    ref = OrderRef("BTCUSDT", "c1", "BTC", "USDT")
    body = (b'{"code":"00000","data":{"orderStatus":"filled","side":"sell","cumExecQty":"1",'
            b'"avgPrice":"10","feeDetail":[{"feeCoin":"BGB","fee":"-0.5"},'
            b'{"feeCoin":"USDT","fee":"-0.01"}]}}')
    r = rest_uta.parse_status(body, ref)
    assert r is not None and (r.fee, r.fee_asset) == (0.01, "USDT")
    only_bgb = body.replace(b',{"feeCoin":"USDT","fee":"-0.01"}', b"")
    r = rest_uta.parse_status(only_bgb, ref)
    assert r is not None and (r.fee, r.fee_asset) == (0.5, "BGB")


def test_assets_free_is_available_and_the_rest_is_locked() -> None:
    b = rest_uta.parse_balances(doc("assets"))
    assert (b["USDT"].free, b["USDT"].locked, b["BGB"].free) == (6.19300826, 0.0, 1.15582129)
    body = (b'{"code":"00000","data":{"assets":[{"coin":"btc","balance":"1.5",'
            b'"available":"1.25","locked":"0.25"}]}}')
    assert rest_uta.parse_balances(body)["BTC"].locked == 0.25


def test_the_unified_adapter_shares_the_ack_and_fee_rate_answers() -> None:
    uta = BitgetAdapter().for_mode(mode.UTA)
    ref = OrderRef("BTCUSDT", "121211212122")
    assert uta.parse_place(doc("place_order"), ref).venue_order_id == "121211212122"
    assert uta.parse_cancel(doc("cancel_order"), ref).venue_order_id == "111111111111111111"
    assert uta.parse_fee_rates(doc("fee_rate"), "BTCUSDT").taker == 0.0008
    assert BitgetAdapter().for_mode(mode.CLASSIC).sign_balances(
        Credentials("k", "s", "p"), 1).path == "/api/v2/spot/account/assets"
    assert uta.sign_balances(Credentials("k", "s", "p"), 1).path == "/api/v3/account/assets"


# --- against the simulator --------------------------------------------------------------


def config(account_mode: str) -> SimConfig:
    return replace(QUIET, accounts=Accounts(modes={BG: account_mode}))


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


def client(sim: SimServer, http: aiohttp.ClientSession) -> PrivateClient:
    c = sim.credentials(BG)
    return PrivateClient(adapter_for(BG), sim.urls(BG).rest_url,
                         Credentials(c.key, c.secret, c.passphrase), http)


def marketable(sim: SimServer, client_id: str, side: Side = Side.BUY) -> OrderRequest:
    top = sim.desk.top(BG, sim.catalog.by_symbol[SYMBOL])
    market = float(top.ask if side is Side.BUY else top.bid)
    px = limit_price(market, rule("0.01"), side, 50.0)
    qty = (Decimal(50) / px).quantize(rule("0.000001"))
    return OrderRequest(client_id=client_id, venue=BG, symbol=SYMBOL, venue_symbol="BTCUSDT",
                        side=side, price=text(px), qty=text(qty))


@pytest.mark.parametrize("account_mode", ["classic", "uta"])
async def test_each_mode_trades_end_to_end(account_mode: str,
                                           http: aiohttp.ClientSession) -> None:
    async with SimServer(config(account_mode)) as sim:
        bitget = client(sim, http)
        assert bitget.account_mode is None
        start = await bitget.balances()
        assert bitget.account_mode == account_mode
        assert start["USDT"].free == 100_000
        order = marketable(sim, f"e2e-{account_mode}")
        ack = await bitget.place(order)
        assert ack.status is OrderStatus.NEW and ack.venue_order_id
        done = await bitget.order_status(order)
        held = sim.account(BG).order(order.client_id)
        assert held is not None and done.venue_order_id == str(held.order_id)
        assert (done.status, done.filled_qty, done.fee_asset) == (
            OrderStatus.FILLED, float(held.filled), "BTC")
        assert done.fee == pytest.approx(float(held.fee))
        assert (await bitget.balances())["BTC"].free == pytest.approx(
            start["BTC"].free + float(held.filled - held.fee))
        assert (await bitget.fee_rates("BTCUSDT")).taker == 0.001
        with pytest.raises(RestError) as err:  # finished: nothing to cancel
            await bitget.cancel(order)
        assert err.value.kind is RestErrorKind.NO_SUCH_ORDER
        with pytest.raises(RestError) as err:
            await bitget.order_status(msgspec.structs.replace(order, client_id="never-sent"))
        assert err.value.kind is RestErrorKind.NO_SUCH_ORDER


@pytest.mark.parametrize(("account_mode", "path", "refusal"), [
    ("classic", "/api/v3/account/assets", CLASSIC_REFUSAL),
    ("classic", "/api/v3/account/settings", CLASSIC_REFUSAL),
    ("uta", "/api/v2/spot/account/assets", UTA_REFUSAL)])
async def test_each_mode_refuses_the_others_endpoints_in_bitgets_words(
        account_mode: str, path: str, refusal: tuple[str, str],
        http: aiohttp.ClientSession) -> None:
    async with SimServer(config(account_mode)) as sim:
        answer = await Signed(sim, http, BG).send("GET", path)
        assert answer.status == 400
        assert (answer.body["code"], answer.body["msg"]) == refusal
        assert answer.body["data"] is None


async def test_an_order_refused_as_unified_goes_once_more_as_classic(
        http: aiohttp.ClientSession) -> None:
    async with SimServer(config("uta")) as sim:
        bitget = client(sim, http)
        assert await bitget.detect_account_mode() == "uta"
        sim.set_account_mode(BG, "classic")  # the account moved while ArBot ran
        order = marketable(sim, "switch-1")
        await bitget.place(order)
        assert bitget.account_mode == "classic"
        placed = [o for o in sim.account(BG).orders if o.client_id == "switch-1"]
        assert len(placed) == 1  # the refused request reached no book
        assert (await bitget.order_status(order)).status is OrderStatus.FILLED


async def test_a_classic_refusal_moves_a_read_to_the_unified_endpoints(
        http: aiohttp.ClientSession) -> None:
    async with SimServer(config("classic")) as sim:
        bitget = client(sim, http)
        await bitget.balances()
        assert bitget.account_mode == "classic"
        sim.set_account_mode(BG, "uta")
        assert (await bitget.balances())["USDT"].free == 100_000
        assert bitget.account_mode == "uta"


async def test_requests_refused_together_all_land_in_the_same_new_mode(
        http: aiohttp.ClientSession) -> None:
    async with SimServer(config("uta")) as sim:
        bitget = client(sim, http)
        await bitget.detect_account_mode()
        sim.set_account_mode(BG, "classic")
        answers = await asyncio.gather(*(bitget.balances() for _ in range(4)),
                                       bitget.fee_rates("BTCUSDT"))
        assert all(answers) and bitget.account_mode == "classic"


async def test_a_second_wrong_mode_answer_is_not_chased(http: aiohttp.ClientSession) -> None:
    async with SimServer(config("uta")) as sim:
        bitget = client(sim, http)
        await bitget.detect_account_mode()
        sim.reject_orders(BG, *UTA_REFUSAL, count=2)
        with pytest.raises(RestError) as err:
            await bitget.place(marketable(sim, "twice-1"))
        assert err.value.kind is RestErrorKind.ACCOUNT_MODE
        assert not err.value.kind.outcome_unknown  # refused before acting: nothing to look up
        assert "40085" in str(err.value)
        assert sim.account(BG).order("twice-1") is None


async def test_venues_without_modes_never_ask(http: aiohttp.ClientSession) -> None:
    async with SimServer(QUIET) as sim:
        c = sim.credentials(Venue.OKX)
        okx = PrivateClient(adapter_for(Venue.OKX), sim.urls(Venue.OKX).rest_url,
                            Credentials(c.key, c.secret, c.passphrase), http)
        assert await okx.detect_account_mode() is None
        await okx.balances()
        assert okx.account_mode is None
        assert sim.account_mode(Venue.OKX) == "" and sim.account_mode(BG) == "classic"
        with pytest.raises(ValueError, match="no account mode"):
            sim.set_account_mode(Venue.OKX, "uta")
