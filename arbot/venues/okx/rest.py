"""OKX v5 spot signed REST: requests, signing, and the answers parsed.

Shapes from the official docs (`https://www.okx.com/docs-v5/en/`: "POST / Place order",
"POST / Cancel order", "GET / Order details", "Get balance", "Get fee rates"; notes in
docs/venues/okx.md); ccxt's recorded answers (`ccxt/ccxt`
`ts/src/test/static/response/okx.json`) have the same fields. Every answer is
`{"code":"0","msg":"","data":[..]}` with all numbers as strings, "" where there is none
yet (`avgPx` before a fill). A refused order comes as `code` "1" with the cause in
`data[0].sCode`; the adapter's ErrorTable turns that into a RestError before these
parsers run.
"""


from __future__ import annotations

from collections.abc import Mapping

import msgspec

from arbot.domain import (
    Balance,
    FeeRates,
    OrderReport,
    OrderRequest,
    OrderStatus,
)
from arbot.exchanges.orderwire import Num, OrderRef, acknowledged, charged, num, status_of
from arbot.exchanges.restspec import Endpoint, ErrorTable, RateLimit, RestLimits
from arbot.exchanges.restspec import RestErrorKind as K
from arbot.exchanges.signing import Credentials, HeaderNames, SignedRequest, iso_ms, sign_prehash

# "GET / Order details" `state`.
_STATUS = {
    "live": OrderStatus.NEW,
    "partially_filled": OrderStatus.PARTIALLY_FILLED,
    "filled": OrderStatus.FILLED,
    "canceled": OrderStatus.CANCELED,
    "mmp_canceled": OrderStatus.CANCELED,
}


class _Ack(msgspec.Struct):
    ordId: str = ""
    clOrdId: str = ""


class _AckResponse(msgspec.Struct):
    data: list[_Ack]


_ack = msgspec.json.Decoder(_AckResponse)


def parse_ack(body: bytes, ref: OrderRef) -> OrderReport:
    """Place and cancel answer alike; cancel's sCode 0 means "accepted", not yet canceled::

        {"code":"0","msg":"","data":[{"clOrdId":"oktswap6","ordId":"312269865356374016",
         "tag":"","ts":"1695190491421","sCode":"0","sMsg":"","subCode":""}],
         "inTime":"1695190491421339","outTime":"1695190491423240"}
    """
    data = _ack.decode(body).data
    if not data:
        raise ValueError("okx order answer: empty data")
    return acknowledged(ref, data[0].ordId, data[0].clOrdId)


parse_place = parse_cancel = parse_ack  # both answered by an acknowledgement


class _Order(msgspec.Struct):
    state: str
    ordId: str = ""
    clOrdId: str = ""
    accFillSz: Num = ""
    avgPx: Num = ""
    fee: Num = ""
    feeCcy: str = ""


class _OrdersResponse(msgspec.Struct):
    data: list[_Order]


_orders = msgspec.json.Decoder(_OrdersResponse)


def parse_status(body: bytes, ref: OrderRef) -> OrderReport | None:
    """`GET /api/v5/trade/order?clOrdId=..&instId=..` (doc example, trimmed)::

        {"code":"0","data":[{"accFillSz":"0.00192834","avgPx":"51858","clOrdId":"",
         "fee":"-0.00000192834","feeCcy":"BTC","instId":"BTC-USDT","instType":"SPOT",
         "ordId":"680800019749904384","ordType":"market","side":"buy","state":"filled",
         "sz":"100","tdMode":"cash",...}],"msg":""}

    `fee` "is always negative" for a spot charge (positive is a rebate), so the report's
    fee is its negation: a charge is positive, a rebate negative.
    """
    data = _orders.decode(body).data
    if not data:
        return None
    o = data[0]
    qty = num(o.accFillSz)
    fee = charged(o.fee)
    return OrderReport(client_id=o.clOrdId or ref.client_id, venue_order_id=o.ordId,
                       status=status_of(_STATUS, o.state), filled_qty=qty,
                       avg_price=num(o.avgPx) if qty > 0 else 0.0, fee=fee,
                       fee_asset=o.feeCcy if fee else "")


class _Detail(msgspec.Struct):
    ccy: str
    availBal: Num = ""
    frozenBal: Num = ""


class _Account(msgspec.Struct):
    details: list[_Detail] = []


class _BalanceResponse(msgspec.Struct):
    data: list[_Account]


_balance = msgspec.json.Decoder(_BalanceResponse)


def parse_balances(body: bytes) -> dict[str, Balance]:
    """`GET /api/v5/account/balance`: `data[0].details[]` with `ccy`, `availBal` (free)
    and `frozenBal` (held by orders), among many others (`cashBal`, `eq`, ...)."""
    return {d.ccy.upper(): Balance(asset=d.ccy.upper(), free=num(d.availBal),
                                   locked=num(d.frozenBal))
            for account in _balance.decode(body).data for d in account.details}


class _Fee(msgspec.Struct):
    maker: Num = ""
    taker: Num = ""
    makerUSDC: Num = ""
    takerUSDC: Num = ""
    instType: str = ""


class _FeeResponse(msgspec.Struct):
    data: list[_Fee]


_fees = msgspec.json.Decoder(_FeeResponse)


def parse_fee_rates(body: bytes, venue_symbol: str) -> FeeRates:
    """`GET /api/v5/account/trade-fee?instId=..&instType=SPOT`::

        {"code":"0","msg":"","data":[{"category":"1","delivery":"","exercise":"",
         "instType":"SPOT","level":"lv1","maker":"-0.0008","makerU":"","makerUSDC":"",
         "taker":"-0.001","takerU":"","takerUSDC":"","ts":"1608623351857","fiat":[]}]}

    For SPOT, `maker`/`taker` are "the USDT trading pairs" and `makerUSDC`/`takerUSDC`
    "the USDⓈ&Crypto trading pairs" (every other quote). "positive number, which means
    the rate of rebate; negative number, which means the rate of commission", so the
    sign is flipped into FeeRates' fractions charged.
    """
    data = _fees.decode(body).data
    if not data:
        raise ValueError(f"okx trade-fee: no rates for {venue_symbol}")
    f = data[0]
    maker, taker = f.maker, f.taker
    if venue_symbol.rpartition("-")[2] != "USDT" and f.makerUSDC != "" and f.takerUSDC != "":
        maker, taker = f.makerUSDC, f.takerUSDC
    if maker == "" or taker == "":
        raise ValueError(f"okx trade-fee: empty rate for {venue_symbol}")
    return FeeRates(maker=charged(maker), taker=charged(taker))


ORDER_WINDOW_MS = 30_000  # REST authentication: 50102 "Timestamp request expired" (30 s)
# Public limits are per endpoint and IP: instruments 20 requests / 2 s, time 10 / 2 s.
# Private ones per User ID: place, order details and cancel 60 / 2 s (place also per
# instrument), balance 10 / 2 s, trade-fee 5 / 2 s.
LIMITS = RestLimits(endpoints={
    "/api/v5/public/instruments": Endpoint(limit=RateLimit(20, 2.0)),
    "/api/v5/public/time": Endpoint(limit=RateLimit(10, 2.0)),
    "POST /api/v5/trade/order": Endpoint(limit=RateLimit(60, 2.0)),
    "GET /api/v5/trade/order": Endpoint(limit=RateLimit(60, 2.0)),
    "/api/v5/trade/cancel-order": Endpoint(limit=RateLimit(60, 2.0)),
    "/api/v5/account/balance": Endpoint(limit=RateLimit(10, 2.0)),
    "/api/v5/account/trade-fee": Endpoint(limit=RateLimit(5, 2.0)),
})
# `code` "0" is success; 50011 (rate limit) may come with HTTP 200 or 429, 50013
# "Systems are busy" with 429. 50004 is an endpoint timeout: outcome unknown. 501xx
# are authentication (50102 "Timestamp request expired" is the clock). An order's own
# result is `data[i].sCode`/`sMsg`. From the "Error Code" page (not re-verified against
# the live venue): 51008 and 51131 insufficient balance, 51020 below the minimum order
# amount, 51603 "Order does not exist", 51400 cancel failed (already filled, canceled or
# unknown).
ERRORS = ErrorTable(
    "code", "msg", "0",
    codes={50011: K.RATE_LIMITED, 50013: K.RATE_LIMITED, 50061: K.RATE_LIMITED,
           50102: K.TIMESTAMP, 50112: K.TIMESTAMP, 50004: K.SERVER,
           50014: K.BAD_REQUEST, 51000: K.BAD_REQUEST, 51001: K.BAD_REQUEST,
           50103: K.AUTH, 50104: K.AUTH, 50105: K.AUTH, 50106: K.AUTH, 50107: K.AUTH,
           50110: K.AUTH, 50111: K.AUTH, 50113: K.AUTH,
           51008: K.INSUFFICIENT_BALANCE, 51131: K.INSUFFICIENT_BALANCE,
           51121: K.ORDER_RULES, 51020: K.ORDER_RULES,
           51603: K.NO_SUCH_ORDER, 51400: K.NO_SUCH_ORDER},
    statuses={401: K.AUTH},
    items=("data", "sCode", "sMsg"),
)


_HEADERS = HeaderNames(key="OK-ACCESS-KEY", sign="OK-ACCESS-SIGN",
                       timestamp="OK-ACCESS-TIMESTAMP", passphrase="OK-ACCESS-PASSPHRASE")


# Signed REST: OK-ACCESS-* headers, base64 HMAC of ts+METHOD+path(?query)+body

def _signed(creds: Credentials, method: str, path: str,
            fields: Mapping[str, str], ts_ms: int) -> SignedRequest:
    """The timestamp is ISO-8601 UTC with milliseconds, e.g. 2020-12-08T09:08:57.715Z."""
    return sign_prehash(creds, _HEADERS, method, path, fields, iso_ms(ts_ms))


def sign_place(creds: Credentials, order: OrderRequest, ts_ms: int) -> SignedRequest:
    """`POST /api/v5/trade/order`: cash (spot) trade mode, ordType ioc, size in base."""
    return _signed(creds, "POST", "/api/v5/trade/order", {
        "instId": order.venue_symbol, "tdMode": "cash", "clOrdId": order.client_id,
        "side": order.side.value, "ordType": "ioc", "px": order.price, "sz": order.qty},
        ts_ms)


def sign_status(creds: Credentials, ref: OrderRef, ts_ms: int) -> SignedRequest:
    return _signed(creds, "GET", "/api/v5/trade/order",
                   {"instId": ref.venue_symbol, "clOrdId": ref.client_id}, ts_ms)


def sign_cancel(creds: Credentials, ref: OrderRef, ts_ms: int) -> SignedRequest:
    return _signed(creds, "POST", "/api/v5/trade/cancel-order",
                   {"instId": ref.venue_symbol, "clOrdId": ref.client_id}, ts_ms)


def sign_balances(creds: Credentials, ts_ms: int) -> SignedRequest:
    return _signed(creds, "GET", "/api/v5/account/balance", {}, ts_ms)


def sign_fee_rates(creds: Credentials, venue_symbol: str, ts_ms: int
                   ) -> SignedRequest:
    return _signed(creds, "GET", "/api/v5/account/trade-fee",
                   {"instType": "SPOT", "instId": venue_symbol}, ts_ms)
