"""Public REST: server time and spot instruments in each venue's documented shape."""

from __future__ import annotations

import time
from typing import Any

import aiohttp

from arbot.domain import Venue
from arbot.sim import SimServer
from tests.sim import running

SYMBOLS = ("BTC-USDT", "ETH-USDT", "DOGE-USDT")


async def get(srv: SimServer, http: aiohttp.ClientSession, venue: Venue, path: str
              ) -> tuple[int, Any]:
    async with http.get(srv.urls(venue).rest_url + path) as resp:
        assert resp.content_type == "application/json"
        return resp.status, await resp.json()


def near_now(ms: int) -> bool:
    return abs(ms - time.time() * 1000) < 60_000


async def test_binance_time_and_exchange_info() -> None:
    async with running(symbols=SYMBOLS) as (srv, http):
        status, body = await get(srv, http, Venue.BINANCE, "/api/v3/time")
        assert status == 200 and list(body) == ["serverTime"] and near_now(body["serverTime"])
        status, info = await get(srv, http, Venue.BINANCE, "/api/v3/exchangeInfo?permissions=SPOT")
        assert status == 200
        assert [s["symbol"] for s in info["symbols"]] == ["BTCUSDT", "ETHUSDT", "DOGEUSDT"]
        btc = info["symbols"][0]
        assert (btc["status"], btc["baseAsset"], btc["quoteAsset"]) == ("TRADING", "BTC", "USDT")
        assert btc["isSpotTradingAllowed"] is True and btc["permissions"] == ["SPOT"]
        filters = {f["filterType"]: f for f in btc["filters"]}
        assert filters["PRICE_FILTER"]["tickSize"] == "0.01000000"
        assert filters["LOT_SIZE"]["stepSize"] == "0.00001000"
        assert filters["NOTIONAL"]["minNotional"] == "5.00000000"
        status, one = await get(srv, http, Venue.BINANCE, "/api/v3/exchangeInfo?symbol=ETHUSDT")
        assert [s["symbol"] for s in one["symbols"]] == ["ETHUSDT"]
        status, err = await get(srv, http, Venue.BINANCE, "/api/v3/exchangeInfo?symbol=NOPE")
        assert status == 400 and err == {"code": -1121, "msg": "Invalid symbol."}


async def test_bybit_time_and_instruments() -> None:
    async with running(symbols=SYMBOLS) as (srv, http):
        _, body = await get(srv, http, Venue.BYBIT, "/v5/market/time")
        assert body["retCode"] == 0 and body["retMsg"] == "OK"
        assert near_now(int(body["result"]["timeSecond"]) * 1000)
        assert isinstance(body["result"]["timeNano"], str) and isinstance(body["time"], int)
        _, body = await get(srv, http, Venue.BYBIT, "/v5/market/instruments-info?category=spot")
        assert list(body) == ["retCode", "retMsg", "result", "retExtInfo", "time"]
        rows = body["result"]["list"]
        assert body["result"]["category"] == "spot" and len(rows) == 3
        btc = rows[0]
        assert (btc["symbol"], btc["status"], btc["baseCoin"]) == ("BTCUSDT", "Trading", "BTC")
        assert btc["priceFilter"]["tickSize"] == "0.1"
        lot = btc["lotSizeFilter"]
        assert (lot["basePrecision"], lot["minOrderQty"], lot["minOrderAmt"]) == (
            "0.000001", "0.000011", "5")
        _, body = await get(srv, http, Venue.BYBIT, "/v5/market/instruments-info?category=linear")
        assert body["retCode"] == 10001


async def test_okx_time_and_instruments() -> None:
    async with running(symbols=SYMBOLS) as (srv, http):
        _, body = await get(srv, http, Venue.OKX, "/api/v5/public/time")
        assert body["code"] == "0" and near_now(int(body["data"][0]["ts"]))
        _, body = await get(srv, http, Venue.OKX, "/api/v5/public/instruments?instType=SPOT")
        assert body["code"] == "0" and len(body["data"]) == 3
        btc = body["data"][0]
        assert (btc["instId"], btc["instType"], btc["baseCcy"], btc["quoteCcy"]) == (
            "BTC-USDT", "SPOT", "BTC", "USDT")
        assert (btc["tickSz"], btc["lotSz"], btc["minSz"], btc["state"]) == (
            "0.1", "0.00000001", "0.00001", "live")
        status, body = await get(srv, http, Venue.OKX, "/api/v5/public/instruments")
        assert status == 400 and body["code"] == "50014"


async def test_bitget_time_and_symbols() -> None:
    async with running(symbols=SYMBOLS) as (srv, http):
        _, body = await get(srv, http, Venue.BITGET, "/api/v2/public/time")
        assert body["code"] == "00000" and near_now(int(body["data"]["serverTime"]))
        _, body = await get(srv, http, Venue.BITGET, "/api/v2/spot/public/symbols")
        assert body["code"] == "00000" and isinstance(body["requestTime"], int)
        btc = body["data"][0]
        assert (btc["symbol"], btc["baseCoin"], btc["quoteCoin"], btc["status"]) == (
            "BTCUSDT", "BTC", "USDT", "online")
        assert (btc["pricePrecision"], btc["quantityPrecision"]) == ("2", "6")
        assert (btc["minTradeAmount"], btc["minTradeUSDT"]) == ("0", "1")
        status, body = await get(srv, http, Venue.BITGET, "/api/v2/spot/public/symbols?symbol=NO")
        assert status == 400 and body["code"] == "40034"
        assert srv.stats[Venue.BITGET].rest_requests == 3
