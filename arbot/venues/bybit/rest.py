"""Bybit v5 spot signed REST: requests, signing, and the answers parsed.

Shapes from the official docs (`bybit-exchange/docs` `docs/v5/order/{create-order,
cancel-order,open-order,order-list}.mdx`, `docs/v5/account/{wallet-balance,fee-rate}.mdx`,
`docs/v5/enum.mdx` for `orderStatus` and the "Spot Fee Currency Instruction"). Every
answer is `{"retCode":0,"retMsg":"OK","result":{..},"retExtInfo":{},"time":..}`; a
non-zero retCode never reaches these parsers (the adapter's ErrorTable turns it into a
RestError first). Numbers are strings, "" where the
docs say so (`avgPrice` on a unified account before any fill).
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
    num,
    received_asset,
    side_of,
    status_of,
)
from arbot.exchanges.restspec import Endpoint, ErrorTable, RateLimit, RestLimits
from arbot.exchanges.restspec import RestErrorKind as K
from arbot.exchanges.signing import (
    Credentials,
    SignedRequest,
    hmac_hex,
    split_fields,
    with_query,
)

# `enum.mdx` orderStatus. PartiallyFilledCanceled ("only spot has this order status") is
# an IOC order's usual end after a partial fill.
_STATUS = {
    "New": OrderStatus.NEW,
    "PartiallyFilled": OrderStatus.PARTIALLY_FILLED,
    "Untriggered": OrderStatus.NEW,
    "Triggered": OrderStatus.NEW,
    "Rejected": OrderStatus.REJECTED,
    "PartiallyFilledCanceled": OrderStatus.CANCELED,
    "Filled": OrderStatus.FILLED,
    "Cancelled": OrderStatus.CANCELED,
    "Deactivated": OrderStatus.CANCELED,
}
_NO_REASON = ("", "EC_NoError")


class _Ack(msgspec.Struct):
    orderId: str = ""
    orderLinkId: str = ""


class _AckResponse(msgspec.Struct):
    result: _Ack


_ack = msgspec.json.Decoder(_AckResponse)


def parse_ack(body: bytes, ref: OrderRef) -> OrderReport:
    """Place and cancel answer alike, with ids only ("please use the websocket to confirm
    the order status")::

        {"retCode":0,"retMsg":"OK","result":{"orderId":"1321003749386327552",
         "orderLinkId":"spot-test-postonly"},"retExtInfo":{},"time":1672211918471}
    """
    r = _ack.decode(body).result
    return acknowledged(ref, r.orderId, r.orderLinkId)


parse_place = parse_cancel = parse_ack  # both answered by an acknowledgement


class _Order(msgspec.Struct):
    orderStatus: str
    orderId: str = ""
    orderLinkId: str = ""
    side: str = ""
    avgPrice: Num = ""
    cumExecQty: Num = ""
    cumExecFee: Num = ""
    rejectReason: str = ""


class _Orders(msgspec.Struct):
    items: list[_Order] = msgspec.field(name="list")


class _OrdersResponse(msgspec.Struct):
    result: _Orders


_orders = msgspec.json.Decoder(_OrdersResponse)


def parse_status(body: bytes, ref: OrderRef) -> OrderReport | None:
    """`GET /v5/order/realtime?category=spot&orderLinkId=..` (doc example, trimmed)::

        {"retCode":0,"retMsg":"OK","result":{"list":[{"orderId":"fd4300ae-...",
         "orderLinkId":"test-000005","symbol":"ETHUSDT","price":"1600.00","qty":"0.10",
         "side":"Buy","orderStatus":"New","rejectReason":"EC_NoError","avgPrice":"0",
         "cumExecQty":"0.00","cumExecValue":"0","cumExecFee":"0","timeInForce":"GTC",
         "orderType":"Limit",...}],"nextPageCursor":"...","category":"linear"},...}

    An empty list is no such order. The fee's asset is not in the answer: Bybit charges
    a taker (an IOC order always is one) in the asset it receives.
    """
    items = _orders.decode(body).result.items
    match = [o for o in items if o.orderLinkId in ("", ref.client_id)]
    if not match:
        return None
    o = match[0]
    status = status_of(_STATUS, o.orderStatus)
    qty = num(o.cumExecQty)
    fee = num(o.cumExecFee)
    error = o.rejectReason if status is OrderStatus.REJECTED and \
        o.rejectReason not in _NO_REASON else ""
    return OrderReport(client_id=o.orderLinkId or ref.client_id, venue_order_id=o.orderId,
                       status=status, filled_qty=qty, avg_price=num(o.avgPrice) if qty > 0 else 0.0,
                       fee=fee, fee_asset=received_asset(side_of(o.side), ref) if fee else "",
                       error=error)


class _Coin(msgspec.Struct):
    coin: str
    walletBalance: Num = ""
    locked: Num = ""


class _Wallet(msgspec.Struct):
    coin: list[_Coin] = []


class _Wallets(msgspec.Struct):
    items: list[_Wallet] = msgspec.field(name="list")


class _WalletResponse(msgspec.Struct):
    result: _Wallets


_wallet = msgspec.json.Decoder(_WalletResponse)


def parse_balances(body: bytes) -> dict[str, Balance]:
    """`GET /v5/account/wallet-balance?accountType=UNIFIED`: `result.list[0].coin[]` with
    `walletBalance` and `locked` ("Locked balance due to the Spot open order"); free is
    their difference (`free` and `availableToWithdraw` are deprecated)."""
    out: dict[str, Balance] = {}
    for wallet in _wallet.decode(body).result.items:
        for c in wallet.coin:
            locked = num(c.locked)
            out[c.coin.upper()] = Balance(asset=c.coin.upper(), free=num(c.walletBalance) - locked,
                                          locked=locked)
    return out


class _Fee(msgspec.Struct):
    takerFeeRate: Num
    makerFeeRate: Num
    symbol: str = ""


class _Fees(msgspec.Struct):
    items: list[_Fee] = msgspec.field(name="list")


class _FeeResponse(msgspec.Struct):
    result: _Fees


_fees = msgspec.json.Decoder(_FeeResponse)


def parse_fee_rates(body: bytes, venue_symbol: str) -> FeeRates:
    """`GET /v5/account/fee-rate?category=spot&symbol=..`: `{"retCode":0,"retMsg":"OK",
    "result":{"list":[{"symbol":"ETHUSDT","takerFeeRate":"0.0006","makerFeeRate":
    "0.0001"}]},...}`; rates are charged fractions already (a maker rebate is negative)."""
    rates = [f for f in _fees.decode(body).result.items if f.symbol in ("", venue_symbol)]
    if not rates:
        raise ValueError(f"bybit fee-rate: no rates for {venue_symbol}")
    return FeeRates(maker=num(rates[0].makerFeeRate), taker=num(rates[0].takerFeeRate))


# "600 requests within a 5-second window per IP", every request counting one; private
# endpoints also have per-UID limits (spot, `rate-limit.mdx`): create and cancel 20/s,
# wallet-balance 50/s, fee-rate 5/s; realtime and history orders 50/s.
LIMITS = RestLimits(overall=RateLimit(600, 5.0), endpoints={
    "/v5/order/create": Endpoint(limit=RateLimit(20, 1.0)),
    "/v5/order/cancel": Endpoint(limit=RateLimit(20, 1.0)),
    "/v5/order/realtime": Endpoint(limit=RateLimit(50, 1.0)),
    "/v5/order/history": Endpoint(limit=RateLimit(50, 1.0)),
    "/v5/account/wallet-balance": Endpoint(limit=RateLimit(50, 1.0)),
    "/v5/account/fee-rate": Endpoint(limit=RateLimit(5, 1.0)),
})
# `retCode` 0 is success, errors often come with HTTP 200. Breaking the IP limit
# answers "403, access too frequent": "wait for at least 10 minutes"; 401 is an
# invalid key or missing headers. Codes from `error.mdx`.
ERRORS = ErrorTable(
    "retCode", "retMsg", "0",
    codes={10006: K.RATE_LIMITED, 10002: K.TIMESTAMP, 10001: K.BAD_REQUEST,
           10016: K.SERVER, 170121: K.BAD_REQUEST,
           10003: K.AUTH, 10004: K.AUTH, 10005: K.AUTH,
           170131: K.INSUFFICIENT_BALANCE,
           170134: K.ORDER_RULES, 170136: K.ORDER_RULES, 170137: K.ORDER_RULES,
           170140: K.ORDER_RULES,
           170213: K.NO_SUCH_ORDER, 110001: K.NO_SUCH_ORDER},
    statuses={403: K.RATE_LIMITED, 401: K.AUTH},
    penalty_s={403: 600.0},
)
RECV_WINDOW_MS = 5000
ORDER_WINDOW_MS = RECV_WINDOW_MS  # guide.mdx: server_time - recv_window <= timestamp


def prehash(ts_ms: int, key: str, recv_window_ms: int, payload: bytes) -> bytes:
    """`guide.mdx`: "timestamp + API key + recv_window + queryString" for GET,
    "... + jsonBodyString" for POST; the body exactly as sent."""
    return f"{ts_ms}{key}{recv_window_ms}".encode() + payload


# Signed REST: X-BAPI-* headers over the query (GET) or the JSON body (POST)

def _signed(creds: Credentials, method: str, path: str,
            fields: Mapping[str, str], ts_ms: int) -> SignedRequest:
    query, body = split_fields(method, fields)
    sig = hmac_hex(creds.secret, prehash(ts_ms, creds.key, RECV_WINDOW_MS,
                                         body or query.encode()))
    headers = {"X-BAPI-API-KEY": creds.key, "X-BAPI-TIMESTAMP": str(ts_ms),
               "X-BAPI-SIGN": sig, "X-BAPI-RECV-WINDOW": str(RECV_WINDOW_MS)}
    if body:
        headers["Content-Type"] = "application/json"
    return SignedRequest(method, with_query(path, query), headers, body, sig)


def sign_place(creds: Credentials, order: OrderRequest, ts_ms: int) -> SignedRequest:
    """`POST /v5/order/create`, a spot Limit IOC order; `qty` is in base coin."""
    return _signed(creds, "POST", "/v5/order/create", {
        "category": "spot", "symbol": order.venue_symbol,
        "side": order.side.capitalize(), "orderType": "Limit", "qty": order.qty,
        "price": order.price, "timeInForce": "IOC", "orderLinkId": order.client_id},
        ts_ms)


def sign_status(creds: Credentials, ref: OrderRef, ts_ms: int) -> SignedRequest:
    return _signed(creds, "GET", "/v5/order/realtime", {
        "category": "spot", "symbol": ref.venue_symbol, "orderLinkId": ref.client_id},
        ts_ms)


def sign_status_history(creds: Credentials, ref: OrderRef, ts_ms: int) -> SignedRequest:
    """`GET /v5/order/history` (`order/order-list.mdx`), answered like realtime (`list`
    of the same order rows). `open-order.mdx`: "After a server release or restart,
    filled, cancelled, and rejected orders of Unified account should only be queried
    through order history"."""
    return _signed(creds, "GET", "/v5/order/history", {
        "category": "spot", "symbol": ref.venue_symbol, "orderLinkId": ref.client_id},
        ts_ms)


def sign_cancel(creds: Credentials, ref: OrderRef, ts_ms: int) -> SignedRequest:
    return _signed(creds, "POST", "/v5/order/cancel", {
        "category": "spot", "symbol": ref.venue_symbol, "orderLinkId": ref.client_id},
        ts_ms)


def sign_balances(creds: Credentials, ts_ms: int) -> SignedRequest:
    return _signed(creds, "GET", "/v5/account/wallet-balance",
                   {"accountType": "UNIFIED"}, ts_ms)


def sign_fee_rates(creds: Credentials, venue_symbol: str, ts_ms: int
                   ) -> SignedRequest:
    return _signed(creds, "GET", "/v5/account/fee-rate",
                   {"category": "spot", "symbol": venue_symbol}, ts_ms)
