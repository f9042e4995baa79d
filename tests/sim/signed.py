"""A test-side client for the simulator's private REST: each venue's signing written
out from its documentation, independent of `arbot.exchanges` (which is the client under
test elsewhere), plus the per-venue order parameters and status fields the tests read.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

import aiohttp
from yarl import URL

from arbot.domain import Venue
from arbot.sim import SimServer
from arbot.sim.instruments import SymbolSpec


def wall_ms() -> int:
    return time.time_ns() // 1_000_000


def hmac_hex(secret: str, message: bytes) -> str:
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def hmac_b64(secret: str, message: bytes) -> str:
    return base64.b64encode(hmac.new(secret.encode(), message, hashlib.sha256).digest()).decode()


def iso_ms(ms: int) -> str:
    """2020-12-08T09:08:57.715Z, as OKX wants OK-ACCESS-TIMESTAMP."""
    return datetime.fromtimestamp(ms / 1000, UTC).isoformat(timespec="milliseconds"
                                                            ).replace("+00:00", "Z")


@dataclass(frozen=True)
class Answer:
    status: int
    body: Any
    headers: Mapping[str, str]


class Signed:
    """Signs and sends private requests to one venue of a running simulator."""

    def __init__(self, srv: SimServer, http: aiohttp.ClientSession, venue: Venue) -> None:
        self.venue, self.http = venue, http
        self.base = srv.urls(venue).rest_url
        creds = srv.credentials(venue)
        self.key, self.secret, self.passphrase = creds.key, creds.secret, creds.passphrase
        self.offset_ms = 0
        """Added to our clock when stamping requests (to follow a skewed server)."""

    async def send(self, method: str, path: str, params: Mapping[str, Any] | None = None, *,
                   key: str | None = None, secret: str | None = None,
                   passphrase: str | None = None, ts_ms: int | None = None) -> Answer:
        params = dict(params or {})
        ts = wall_ms() + self.offset_ms if ts_ms is None else ts_ms
        key, secret = key or self.key, secret or self.secret
        passphrase = self.passphrase if passphrase is None else passphrase
        query, body, headers = "", b"", {}
        if self.venue is Venue.BINANCE:
            payload = urlencode([*params.items(), ("timestamp", ts)])
            signed = f"{payload}&signature={hmac_hex(secret, payload.encode())}"
            headers["X-MBX-APIKEY"] = key
            if method == "POST":  # parameters in an urlencoded body, as most clients send
                body = signed.encode()
                headers["Content-Type"] = "application/x-www-form-urlencoded"
            else:
                query = signed
        else:
            if method == "GET":
                query = urlencode(params)
            else:
                body = json.dumps(params, separators=(",", ":")).encode()
                headers["Content-Type"] = "application/json"
            target = f"{path}?{query}" if query else path
            if self.venue is Venue.BYBIT:
                prehash = f"{ts}{key}5000".encode() + (query.encode() if method == "GET"
                                                      else body)
                headers |= {"X-BAPI-API-KEY": key, "X-BAPI-TIMESTAMP": str(ts),
                            "X-BAPI-RECV-WINDOW": "5000",
                            "X-BAPI-SIGN": hmac_hex(secret, prehash)}
            else:
                stamp = iso_ms(ts) if self.venue is Venue.OKX else str(ts)
                sign = hmac_b64(secret, f"{stamp}{method}{target}".encode() + body)
                prefix = "OK-ACCESS-" if self.venue is Venue.OKX else "ACCESS-"
                headers |= {f"{prefix}KEY": key, f"{prefix}SIGN": sign,
                            f"{prefix}TIMESTAMP": stamp, f"{prefix}PASSPHRASE": passphrase}
        return await self.raw(method, path, query, body, headers)

    async def raw(self, method: str, path: str, query: str, body: bytes,
                  headers: Mapping[str, str]) -> Answer:
        """Send exactly these bytes (no re-encoding of the query string)."""
        url = URL(self.base + path + (f"?{query}" if query else ""), encoded=True)
        async with self.http.request(method, url, data=body or None, headers=headers) as resp:
            assert resp.content_type == "application/json", await resp.text()
            return Answer(resp.status, await resp.json(), dict(resp.headers))

    # --- orders, in each venue's words ---------------------------------------------

    async def place(self, spec: SymbolSpec, side: str, price: Decimal, qty: Decimal,
                    client_id: str, tif: str = "IOC", **extra: Any) -> Answer:
        method, path = ORDER_PATHS[self.venue]
        return await self.send(method, path, order_params(self.venue, spec, side, price, qty,
                                                          client_id, tif) | extra)

    async def status(self, spec: SymbolSpec, client_id: str) -> Answer:
        v = self.venue
        if v is Venue.BINANCE:
            return await self.send("GET", "/api/v3/order", {
                "symbol": venue_id(v, spec), "origClientOrderId": client_id})
        if v is Venue.BYBIT:
            return await self.send("GET", "/v5/order/realtime", {
                "category": "spot", "orderLinkId": client_id})
        if v is Venue.OKX:
            return await self.send("GET", "/api/v5/trade/order", {
                "instId": venue_id(v, spec), "clOrdId": client_id})
        return await self.send("GET", "/api/v2/spot/trade/orderInfo", {"clientOid": client_id})

    async def cancel(self, spec: SymbolSpec, client_id: str) -> Answer:
        v, sym = self.venue, venue_id(self.venue, spec)
        if v is Venue.BINANCE:
            return await self.send("DELETE", "/api/v3/order",
                                   {"symbol": sym, "origClientOrderId": client_id})
        if v is Venue.BYBIT:
            return await self.send("POST", "/v5/order/cancel", {
                "category": "spot", "symbol": sym, "orderLinkId": client_id})
        if v is Venue.OKX:
            return await self.send("POST", "/api/v5/trade/cancel-order",
                                   {"instId": sym, "clOrdId": client_id})
        return await self.send("POST", "/api/v2/spot/trade/cancel-order",
                               {"symbol": sym, "clientOid": client_id})


ORDER_PATHS = {Venue.BINANCE: ("POST", "/api/v3/order"), Venue.BYBIT: ("POST", "/v5/order/create"),
               Venue.OKX: ("POST", "/api/v5/trade/order"),
               Venue.BITGET: ("POST", "/api/v2/spot/trade/place-order")}


def venue_id(venue: Venue, spec: SymbolSpec) -> str:
    return f"{spec.base}-{spec.quote}" if venue is Venue.OKX else f"{spec.base}{spec.quote}"


def order_params(venue: Venue, spec: SymbolSpec, side: str, price: Decimal, qty: Decimal,
                 client_id: str, tif: str) -> dict[str, Any]:
    """A limit order as each venue's place-order page spells it; `side` is buy/sell."""
    sym, px, sz = venue_id(venue, spec), str(price), str(qty)
    if venue is Venue.BINANCE:
        return {"symbol": sym, "side": side.upper(), "type": "LIMIT", "timeInForce": tif,
                "quantity": sz, "price": px, "newClientOrderId": client_id}
    if venue is Venue.BYBIT:
        return {"category": "spot", "symbol": sym, "side": side.capitalize(),
                "orderType": "Limit", "qty": sz, "price": px, "timeInForce": tif,
                "orderLinkId": client_id}
    if venue is Venue.OKX:
        ord_type = {"GTC": "limit", "IOC": "ioc", "FOK": "fok"}[tif]
        return {"instId": sym, "tdMode": "cash", "clOrdId": client_id, "side": side,
                "ordType": ord_type, "px": px, "sz": sz}
    return {"symbol": sym, "side": side, "orderType": "limit", "force": tif.lower(),
            "price": px, "size": sz, "clientOid": client_id}


@dataclass(frozen=True)
class Status:
    """An order's state as read from the venue's order-status endpoint."""

    state: str
    filled: Decimal
    quote: Decimal
    fee: Decimal
    """Positive: what the account paid."""
    fee_asset: str


def read_status(venue: Venue, body: Any) -> Status:
    """Pull the documented fields out of a status answer."""
    if venue is Venue.BINANCE:
        return Status(body["status"], Decimal(body["executedQty"]),
                      Decimal(body["cummulativeQuoteQty"]), Decimal(-1), "")
    if venue is Venue.BYBIT:
        row = body["result"]["list"][0]
        return Status(row["orderStatus"], Decimal(row["cumExecQty"]),
                      Decimal(row["cumExecValue"]), Decimal(row["cumExecFee"]), "")
    if venue is Venue.OKX:
        row = body["data"][0]
        avg = Decimal(row["avgPx"] or 0)
        return Status(row["state"], Decimal(row["accFillSz"]), avg * Decimal(row["accFillSz"]),
                      -Decimal(row["fee"]), row["feeCcy"])
    row = body["data"][0]
    fee = -Decimal(str(json.loads(row["feeDetail"])["newFees"]["t"])) if row["feeDetail"] \
        else Decimal(0)
    return Status(row["status"], Decimal(row["baseVolume"]), Decimal(row["quoteVolume"]),
                  fee, "")


FINAL_NAMES = {
    # (fully filled, partly filled then expired, expired unfilled) in each venue's words
    Venue.BINANCE: ("FILLED", "EXPIRED", "EXPIRED"),
    Venue.BYBIT: ("Filled", "PartiallyFilledCanceled", "Cancelled"),
    Venue.OKX: ("filled", "canceled", "canceled"),
    Venue.BITGET: ("filled", "cancelled", "cancelled"),
}
