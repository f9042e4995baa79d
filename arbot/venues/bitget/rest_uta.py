"""Bitget unified trading account (UTA, v3) signed REST: requests and their answers.

Bitget refuses the classic `/api/v2/spot/*` endpoints for a unified account ("UTA
Account API Keys are not compatible with Classic Account API endpoints"), and new
accounts are unified only. Shapes from the official pages
(`https://www.bitget.com/api-doc/uta/trade/Place-Order`, `.../uta/trade/Get-Order-Details`,
`.../uta/trade/Cancel-Order`, `.../uta/account/Get-Account`,
`.../uta/account/Get-Account-Fee-Rate`); signing, the envelope, the limits and the error
table are the classic ones (`rest`), as are the answers to place and cancel (ids only) and
the fee rates' parser, so they are this module's too; `mode` picks this module or that one.
"""

from __future__ import annotations

import msgspec

from arbot.domain import Balance, OrderReport, OrderRequest, OrderStatus
from arbot.exchanges.orderwire import (
    Num,
    OrderRef,
    num,
    received_asset,
    side_of,
    status_of,
)
from arbot.exchanges.signing import Credentials, SignedRequest
from arbot.venues.bitget.rest import ERRORS as ERRORS
from arbot.venues.bitget.rest import LIMITS as LIMITS
from arbot.venues.bitget.rest import ORDER_WINDOW_MS as ORDER_WINDOW_MS
from arbot.venues.bitget.rest import parse_cancel as parse_cancel
from arbot.venues.bitget.rest import parse_fee_rates as parse_fee_rates
from arbot.venues.bitget.rest import parse_place as parse_place
from arbot.venues.bitget.rest import signed

# "Get Order Details" `orderStatus`: "`live` Order created. `new` Order matching.
# `partially_filled` Partially filled `filled` Fully filled `cancelled` Cancelled".
_STATUS = {
    "live": OrderStatus.NEW,
    "new": OrderStatus.NEW,
    "partially_filled": OrderStatus.PARTIALLY_FILLED,
    "filled": OrderStatus.FILLED,
    "cancelled": OrderStatus.CANCELED,
}


class _Fee(msgspec.Struct):
    feeCoin: str = ""
    fee: Num = ""


class _Order(msgspec.Struct):
    orderStatus: str
    orderId: str = ""
    clientOid: str = ""
    side: str = ""
    avgPrice: Num = ""
    cumExecQty: Num = ""
    feeDetail: list[_Fee] = []


class _OrderResponse(msgspec.Struct):
    data: _Order | None = None


_order = msgspec.json.Decoder(_OrderResponse)


def parse_status(body: bytes, ref: OrderRef) -> OrderReport | None:
    """`GET /api/v3/trade/order-info?clientOid=..` (doc example, trimmed)::

        {"code":"00000","msg":"success","requestTime":1730369201783,"data":{"orderId":
         "111111111111111111","clientOid":"111111111111111111","category":"SPOT",
         "symbol":"ETHUSDT","orderType":"market","side":"buy","price":"0","qty":"0",
         "amount":"100","cumExecQty":"0.0372","cumExecValue":"99.853356","avgPrice":
         "2684.23","timeInForce":"gtc","orderStatus":"filled","feeDetail":[{"feeCoin":
         "ETH","fee":"0.00000744"}],...}}

    One object, not a list; an unknown order is error 25204 "Order does not exist"
    (`uta/error-code/restapi`), a missing `data` no order either.
    """
    o = _order.decode(body).data
    if o is None:
        return None
    qty = num(o.cumExecQty)
    fee, fee_asset = _fee(o.feeDetail, o.side, ref)
    return OrderReport(client_id=o.clientOid or ref.client_id, venue_order_id=o.orderId,
                       status=status_of(_STATUS, o.orderStatus), filled_qty=qty,
                       avg_price=num(o.avgPrice) if qty > 0 else 0.0, fee=fee,
                       fee_asset=fee_asset)


def _fee(detail: list[_Fee], side: str, ref: OrderRef) -> tuple[float, str]:
    """(fee charged, asset). The page's `fee` is "Total fee", positive in its examples
    where the classic pages write charges negative, so either sign is a charge. The
    entry in the asset the order received comes first (a taker pays in it); another
    coin (a BGB deduction) only when that is all there is."""
    received = received_asset(side_of(side), ref)
    charged = [(abs(num(f.fee)), f.feeCoin.upper()) for f in detail if num(f.fee)]
    for fee, coin in charged:
        if coin == received:
            return fee, coin
    return charged[0] if charged else (0.0, "")


class _Asset(msgspec.Struct):
    coin: str
    balance: Num = ""
    available: Num = ""


class _Assets(msgspec.Struct):
    assets: list[_Asset] = []


class _AssetsResponse(msgspec.Struct):
    data: _Assets


_assets = msgspec.json.Decoder(_AssetsResponse)


def parse_balances(body: bytes) -> dict[str, Balance]:
    """`GET /api/v3/account/assets` ("only non-zero balances being returned"):
    `data.assets[]` with `coin`, `balance`, `available`, `locked`, `debt`, `equity`.
    Free is `available`; everything else of the balance (open orders, other holds) is
    not free, so locked is the difference."""
    out: dict[str, Balance] = {}
    for a in _assets.decode(body).data.assets:
        free = num(a.available)
        out[a.coin.upper()] = Balance(asset=a.coin.upper(), free=free,
                                      locked=max(num(a.balance) - free, 0.0))
    return out


def sign_place(creds: Credentials, order: OrderRequest, ts_ms: int) -> SignedRequest:
    """`POST /api/v3/trade/place-order`, a SPOT limit IOC order; for a limit order "the
    unit is base coin"."""
    return signed(creds, "POST", "/api/v3/trade/place-order", {
        "category": "SPOT", "symbol": order.venue_symbol, "side": order.side.value,
        "orderType": "limit", "qty": order.qty, "price": order.price,
        "timeInForce": "ioc", "clientOid": order.client_id}, ts_ms)


def sign_status(creds: Credentials, ref: OrderRef, ts_ms: int) -> SignedRequest:
    return signed(creds, "GET", "/api/v3/trade/order-info", {"clientOid": ref.client_id},
                  ts_ms)


def sign_cancel(creds: Credentials, ref: OrderRef, ts_ms: int) -> SignedRequest:
    return signed(creds, "POST", "/api/v3/trade/cancel-order",
                  {"category": "SPOT", "clientOid": ref.client_id}, ts_ms)


def sign_balances(creds: Credentials, ts_ms: int) -> SignedRequest:
    return signed(creds, "GET", "/api/v3/account/assets", {}, ts_ms)


def sign_fee_rates(creds: Credentials, venue_symbol: str, ts_ms: int) -> SignedRequest:
    """`GET /api/v3/account/fee-rate`: `symbol` and `category` both required; the answer
    is the classic one's (`{"makerFeeRate":"0.0008","takerFeeRate":"0.0008"}`)."""
    return signed(creds, "GET", "/api/v3/account/fee-rate",
                  {"symbol": venue_symbol, "category": "SPOT"}, ts_ms)
