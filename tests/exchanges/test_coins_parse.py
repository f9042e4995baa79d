"""Each venue's coin-information answer parsed from its documentation example (see
tests/fixtures/SOURCES.md: Binance Wallet "All Coins' Information", Bybit
`v5/asset/coin-info`, OKX "Get currencies", Bitget "Get Coin List"), and bad answers
(a field missing, text where a number goes, a flag that is not one) refused whole."""

from __future__ import annotations

import json

import pytest

from arbot.coininfo import chain_key
from arbot.domain import Venue
from arbot.exchanges import adapter_for
from tests.exchanges import FIXTURES

FILES = {Venue.BINANCE: "DOCS_capital_config_getall.json",
         Venue.BYBIT: "DOCS_coin_query_info.json",
         Venue.OKX: "DOCS_asset_currencies.json",
         Venue.BITGET: "DOCS_public_coins.json"}


def body(venue: Venue) -> bytes:
    return (FIXTURES / venue.value / "private" / FILES[venue]).read_bytes()


def test_binance_networks_of_the_documented_coin() -> None:
    rows = adapter_for(Venue.BINANCE).parse_coins(body(Venue.BINANCE))
    bsc, eth = rows
    assert (bsc.coin, bsc.network, bsc.chain) == ("1MBABYDOGE", "BSC", "BSC")
    assert (bsc.withdraw_fee, bsc.withdraw_min, bsc.confirmations) == (10.0, 20.0, 5)
    assert bsc.contract == "0xc748673057861a797275cd8a068abb95a902e8de"
    assert (eth.chain, eth.withdraw_fee, eth.minutes) == ("ETH", 1511.0, 2.0)
    assert bsc.movable and eth.movable


def test_bybit_text_flags_and_an_empty_contract() -> None:
    eth, mantle = adapter_for(Venue.BYBIT).parse_coins(body(Venue.BYBIT))
    assert (eth.coin, eth.chain, eth.withdraw_fee, eth.withdraw_min) == ("MNT", "ETH", 3.0, 3.0)
    assert eth.contract == "0x3c3a81e81dc49a522a592e7622a7e711c06bf354"
    assert (mantle.chain, mantle.contract, mantle.confirmations) == ("MANTLE", "", 100)
    assert mantle.deposit_open and mantle.withdraw_open


def test_bybit_empty_fee_means_no_withdrawals() -> None:
    obj = json.loads(body(Venue.BYBIT))
    obj["result"]["rows"][0]["chains"][0]["withdrawFee"] = ""
    eth = adapter_for(Venue.BYBIT).parse_coins(json.dumps(obj).encode())[0]
    assert not eth.withdraw_open and eth.deposit_open


def test_okx_chain_names_drop_the_currency_prefix() -> None:
    (btc,) = adapter_for(Venue.OKX).parse_coins(body(Venue.OKX))
    assert (btc.coin, btc.network, btc.chain) == ("BTC", "BTC-Bitcoin", "BTC")
    assert (btc.withdraw_fee, btc.withdraw_min, btc.confirmations) == (0.00005, 0.0005, 1)
    assert btc.contract == "" and btc.movable


def test_bitget_flags_as_text() -> None:
    (btc,) = adapter_for(Venue.BITGET).parse_coins(body(Venue.BITGET))
    assert (btc.coin, btc.chain, btc.withdraw_fee, btc.withdraw_min) == ("BTC", "BTC", 0.005,
                                                                          0.001)
    assert btc.deposit_open and btc.withdraw_open and btc.confirmations == 1


@pytest.mark.parametrize(("name", "coin", "key"), [
    ("Ethereum (ERC20)", "", "ETH"), ("USDT-ERC20", "USDT", "ETH"), ("ERC20", "", "ETH"),
    ("TRC20", "", "TRX"), ("BNB Smart Chain (BEP20)", "", "BSC"), ("ARBI", "", "ARBITRUM"),
    ("ETH-Arbitrum One", "ETH", "ARBITRUM"), ("BTC-Bitcoin", "BTC", "BTC")])
def test_the_venues_names_of_one_network_meet(name: str, coin: str, key: str) -> None:
    assert chain_key(name, coin) == key


def _first_network(venue: Venue, obj: object) -> dict[str, object]:
    if venue is Venue.BINANCE:
        return obj[0]["networkList"][0]  # type: ignore[index,no-any-return]
    if venue is Venue.BYBIT:
        return obj["result"]["rows"][0]["chains"][0]  # type: ignore[index,no-any-return]
    if venue is Venue.OKX:
        return obj["data"][0]  # type: ignore[index,no-any-return]
    return obj["data"][0]["chains"][0]  # type: ignore[index,no-any-return]


FEE = {Venue.BINANCE: "withdrawFee", Venue.BYBIT: "withdrawFee", Venue.OKX: "fee",
       Venue.BITGET: "withdrawFee"}
FLAG = {Venue.BINANCE: "depositEnable", Venue.BYBIT: "chainDeposit", Venue.OKX: "canDep",
        Venue.BITGET: "rechargeable"}


@pytest.mark.parametrize("venue", list(Venue))
@pytest.mark.parametrize("bad", ["missing fee", "fee not a number", "fee a number",
                                 "negative fee", "flag not a flag", "not json", "no list"])
def test_bad_answers_are_refused_whole(venue: Venue, bad: str) -> None:
    obj = json.loads(body(venue))
    net = _first_network(venue, obj)
    if bad == "missing fee":
        del net[FEE[venue]]
    elif bad == "fee not a number":
        net[FEE[venue]] = "ten"
    elif bad == "fee a number":  # the venues send text; a JSON number is not their shape
        net[FEE[venue]] = 10
    elif bad == "negative fee":
        net[FEE[venue]] = "-1"
    elif bad == "flag not a flag":
        net[FLAG[venue]] = "maybe"
    raw = (b"<html>502</html>" if bad == "not json" else
           b'{"code":"0"}' if bad == "no list" else json.dumps(obj).encode())
    with pytest.raises(ValueError):
        adapter_for(venue).parse_coins(raw)
