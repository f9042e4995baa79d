"""Bitget v2 spot signed REST: requests, signing, and the answers parsed.

Shapes from the official docs (`https://www.bitget.com/api-doc/spot/trade/Place-Order`,
`.../Cancel-Order`, `.../Get-Order-Info`, `.../spot/account/Get-Account-Assets`,
`.../common/public/Get-Trade-Rate`; notes in docs/venues/bitget.md). Classic
accounts only; unified ones use `rest_uta`, chosen by `mode`. Every
answer is `{"code":"00000","msg":"success","requestTime":..,"data":..}` (the assets page
says `message` instead of `msg`; neither is read here). Numbers are strings.
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
from arbot.exchanges.orderwire import (
    Num,
    OrderRef,
    acknowledged,
    charged,
    num,
    received_asset,
    side_of,
    status_of,
)
from arbot.exchanges.restspec import Endpoint, ErrorTable, RateLimit, RestLimits
from arbot.exchanges.restspec import RestErrorKind as K
from arbot.exchanges.signing import Credentials, HeaderNames, SignedRequest, sign_prehash

# Get-Order-Info `status`; `init`/`new` are the names older v2 pages list for an open order.
_STATUS = {
    "live": OrderStatus.NEW,
    "new": OrderStatus.NEW,
    "init": OrderStatus.NEW,
    "partially_filled": OrderStatus.PARTIALLY_FILLED,
    "filled": OrderStatus.FILLED,
    "cancelled": OrderStatus.CANCELED,
}


class _Ack(msgspec.Struct):
    orderId: str = ""
    clientOid: str = ""


class _AckResponse(msgspec.Struct):
    data: _Ack


_ack = msgspec.json.Decoder(_AckResponse)


def parse_ack(body: bytes, ref: OrderRef) -> OrderReport:
    """Place and cancel answer alike: `{"code":"00000","msg":"success","requestTime":
    1695808949356,"data":{"orderId":"1001","clientOid":"121211212122"}}`."""
    d = _ack.decode(body).data
    return acknowledged(ref, d.orderId, d.clientOid)


parse_place = parse_cancel = parse_ack  # both answered by an acknowledgement


class _FeeEntry(msgspec.Struct):
    """One value of the `feeDetail` object: `newFees` has `t` ("The total fee amount to
    be paid, unit: currency obtained from the transaction"), negative for a charge;
    entries keyed by a coin (older orders only) have `feeCoinCode` and `totalFee`. The
    amounts come as JSON numbers here, where the rest of the answer sends text."""

    t: Num | None = None
    feeCoinCode: str = ""
    totalFee: Num | None = None


_fee_detail = msgspec.json.Decoder(dict[str, _FeeEntry])


class _Order(msgspec.Struct):
    status: str
    orderId: str = ""
    clientOid: str = ""
    side: str = ""
    priceAvg: Num = ""
    baseVolume: Num = ""
    feeDetail: str = ""


class _OrdersResponse(msgspec.Struct):
    data: list[_Order] | None = None


_orders = msgspec.json.Decoder(_OrdersResponse)


def parse_status(body: bytes, ref: OrderRef) -> OrderReport | None:
    """`GET /api/v2/spot/trade/orderInfo?clientOid=..` (doc example, trimmed)::

        {"code":"00000","msg":"success","requestTime":1695865476577,"data":[{"userId":
         "**********","symbol":"BTCUSDT","orderId":"121211212122","clientOid":
         "121211212122","price":"0","size":"10.0000000000000000","orderType":"market",
         "side":"buy","status":"filled","priceAvg":"13000.0000000000000000","baseVolume":
         "0.0007000000000000","quoteVolume":"9.1000000000000000","feeDetail":"{\\"BGB\\":
         {\\"deduction\\":true,\\"feeCoinCode\\":\\"BGB\\",\\"totalDeductionFee\\":-0.0041,
         \\"totalFee\\":-0.0041},\\"newFees\\":{\\"c\\":0,\\"d\\":0,\\"deduction\\":false,
         \\"r\\":-0.112079256,\\"t\\":-0.112079256,\\"totalDeductionFee\\":0}}",...}]}

    An empty `data` is no such order. `feeDetail` is JSON inside a string.
    """
    data = _orders.decode(body).data
    if not data:
        return None
    o = data[0]
    qty = num(o.baseVolume)
    fee, fee_asset = _fee(o.feeDetail, o.side, ref)
    return OrderReport(client_id=o.clientOid or ref.client_id, venue_order_id=o.orderId,
                       status=status_of(_STATUS, o.status), filled_qty=qty,
                       avg_price=num(o.priceAvg) if qty > 0 else 0.0, fee=fee, fee_asset=fee_asset)


def _fee(detail: str, side: str, ref: OrderRef) -> tuple[float, str]:
    """(fee charged, asset) from `feeDetail`. `newFees` is the current form: its total
    `t` is in the currency the order received (part of it may have been paid in BGB, `d`).
    Without it ("earlier historical data") the coin-keyed entry names its own coin."""
    if not detail:
        return 0.0, ""
    entries = _fee_detail.decode(detail)
    new = entries.get("newFees")
    if new is not None and new.t is not None:
        fee = charged(new.t)
        return fee, received_asset(side_of(side), ref) if fee else ""
    for coin, entry in entries.items():
        if coin != "newFees" and entry.totalFee is not None:
            return charged(entry.totalFee), entry.feeCoinCode or coin
    return 0.0, ""


class _Asset(msgspec.Struct):
    coin: str
    available: Num = ""
    frozen: Num = ""
    locked: Num = ""


class _AssetsResponse(msgspec.Struct):
    data: list[_Asset]


_assets = msgspec.json.Decoder(_AssetsResponse)


def parse_balances(body: bytes) -> dict[str, Balance]:
    """`GET /api/v2/spot/account/assets`: `{"code":"00000","message":"success",
    "requestTime":1695808949356,"data":[{"coin":"usdt","available":"0","frozen":"0",
    "locked":"0","limitAvailable":"0","uTime":"1622697148"}]}`. `frozen` is held by open
    orders, `locked` by other programmes (fiat merchants); both are not free. Coin names
    can be lower case (the doc example is), so they are upper-cased."""
    return {a.coin.upper(): Balance(asset=a.coin.upper(), free=num(a.available),
                                    locked=num(a.frozen) + num(a.locked))
            for a in _assets.decode(body).data}


class _Rates(msgspec.Struct):
    makerFeeRate: Num
    takerFeeRate: Num


class _RatesResponse(msgspec.Struct):
    data: _Rates


_rates = msgspec.json.Decoder(_RatesResponse)


def parse_fee_rates(body: bytes, venue_symbol: str) -> FeeRates:
    """`GET /api/v2/common/trade-rate?businessType=spot&symbol=..`: `{"code":"00000",
    "msg":"success","requestTime":1683875302853,"data":{"makerFeeRate":"0.0002",
    "takerFeeRate":"0.0006"}}`, "Fractional form", charged."""
    r = _rates.decode(body).data
    return FeeRates(maker=num(r.makerFeeRate), taker=num(r.takerFeeRate))


ORDER_WINDOW_MS = 30_000  # signature page: the ACCESS-TIMESTAMP "will expire in 30 seconds"
# "The overall rate limit is 6000/IP/Min", and each endpoint has its own: symbols
# 20 requests/s; time 20/s as well (from the endpoint page, unverified here); per UID
# place and cancel 10/s, orderInfo 20/s, assets and trade-rate 10/s. Unified accounts
# (`rest_uta`, the `uta/` pages): place and cancel 10/s, order-info, assets and
# settings 20/s, fee-rate 3/s.
LIMITS = RestLimits(overall=RateLimit(6000, 60.0), endpoints={
    "/api/v2/spot/public/symbols": Endpoint(limit=RateLimit(20, 1.0)),
    "/api/v2/public/time": Endpoint(limit=RateLimit(20, 1.0)),
    "/api/v2/spot/trade/place-order": Endpoint(limit=RateLimit(10, 1.0)),
    "/api/v2/spot/trade/cancel-order": Endpoint(limit=RateLimit(10, 1.0)),
    "/api/v2/spot/trade/orderInfo": Endpoint(limit=RateLimit(20, 1.0)),
    "/api/v2/spot/account/assets": Endpoint(limit=RateLimit(10, 1.0)),
    "/api/v2/common/trade-rate": Endpoint(limit=RateLimit(10, 1.0)),
    "/api/v3/trade/place-order": Endpoint(limit=RateLimit(10, 1.0)),
    "/api/v3/trade/cancel-order": Endpoint(limit=RateLimit(10, 1.0)),
    "/api/v3/trade/order-info": Endpoint(limit=RateLimit(20, 1.0)),
    "/api/v3/account/assets": Endpoint(limit=RateLimit(20, 1.0)),
    "/api/v3/account/fee-rate": Endpoint(limit=RateLimit(3, 1.0)),
    "/api/v3/account/settings": Endpoint(limit=RateLimit(20, 1.0)),
})
# `code` "00000" is success; 429 comes as HTTP status and as code. 400xx are the
# request and its authentication (`spot/error-code/restapi`; docs/venues/bitget.md,
# "Errors ArBot maps"), 43xxx/45xxx orders, 25xxx the unified account's
# (`uta/error-code/restapi`). An endpoint of the other account mode is refused with
# 40084, 40085 or 25245 "The account is not the unified account mode".
ERRORS = ErrorTable(
    "code", "msg", "00000",
    codes={429: K.RATE_LIMITED, 40008: K.TIMESTAMP, 40005: K.TIMESTAMP,
           40034: K.BAD_REQUEST,
           40001: K.AUTH, 40002: K.AUTH, 40006: K.AUTH, 40009: K.AUTH, 40011: K.AUTH,
           40012: K.AUTH, 40014: K.AUTH, 40018: K.AUTH, 40037: K.AUTH,
           43012: K.INSUFFICIENT_BALANCE,
           43027: K.ORDER_RULES, 45110: K.ORDER_RULES, 45111: K.ORDER_RULES,
           43001: K.NO_SUCH_ORDER, 43004: K.NO_SUCH_ORDER,
           40084: K.ACCOUNT_MODE, 40085: K.ACCOUNT_MODE, 25245: K.ACCOUNT_MODE,
           25202: K.INSUFFICIENT_BALANCE, 25204: K.NO_SUCH_ORDER, 25100: K.BAD_REQUEST,
           25205: K.ORDER_RULES, 25206: K.ORDER_RULES, 25207: K.ORDER_RULES,
           25244: K.ORDER_RULES, 25611: K.ORDER_RULES},
)


_HEADERS = HeaderNames(key="ACCESS-KEY", sign="ACCESS-SIGN", timestamp="ACCESS-TIMESTAMP",
                       passphrase="ACCESS-PASSPHRASE")


# Signed REST: ACCESS-* headers, base64 HMAC of ts+METHOD+path(?query)+body

def signed(creds: Credentials, method: str, path: str,
           fields: Mapping[str, str], ts_ms: int) -> SignedRequest:
    """The timestamp is in ms ("Unix timestamp in milliseconds"); the GET query is
    sorted by key, as the HMAC sample page requires. Classic and unified alike."""
    return sign_prehash(creds, _HEADERS, method, path, fields, str(ts_ms))


def sign_place(creds: Credentials, order: OrderRequest, ts_ms: int) -> SignedRequest:
    """`POST /api/v2/spot/trade/place-order`: limit, force ioc, size in base coin."""
    return signed(creds, "POST", "/api/v2/spot/trade/place-order", {
        "symbol": order.venue_symbol, "side": order.side.value, "orderType": "limit",
        "force": "ioc", "price": order.price, "size": order.qty,
        "clientOid": order.client_id}, ts_ms)


def sign_status(creds: Credentials, ref: OrderRef, ts_ms: int) -> SignedRequest:
    return signed(creds, "GET", "/api/v2/spot/trade/orderInfo",
                   {"clientOid": ref.client_id}, ts_ms)


def sign_cancel(creds: Credentials, ref: OrderRef, ts_ms: int) -> SignedRequest:
    return signed(creds, "POST", "/api/v2/spot/trade/cancel-order",
                   {"symbol": ref.venue_symbol, "clientOid": ref.client_id}, ts_ms)


def sign_balances(creds: Credentials, ts_ms: int) -> SignedRequest:
    return signed(creds, "GET", "/api/v2/spot/account/assets", {}, ts_ms)


def sign_fee_rates(creds: Credentials, venue_symbol: str, ts_ms: int
                   ) -> SignedRequest:
    return signed(creds, "GET", "/api/v2/common/trade-rate",
                   {"symbol": venue_symbol, "businessType": "spot"}, ts_ms)
