"""Bybit v5 spot signed-REST answers: wire Structs and their parsers.

Shapes from the official docs (`bybit-exchange/docs` `docs/v5/order/{create-order,
cancel-order,open-order}.mdx`, `docs/v5/account/{wallet-balance,fee-rate}.mdx`,
`docs/v5/enum.mdx` for `orderStatus` and the "Spot Fee Currency Instruction"), as quoted
in `../shared/protocols.md` §2.6. Every answer is `{"retCode":0,"retMsg":"OK","result":
{..},"retExtInfo":{},"time":..}`; a non-zero retCode never reaches these parsers (the
adapter's ErrorTable turns it into a RestError first). Numbers are strings, "" where the
docs say so (`avgPrice` on a unified account before any fill).
"""

from __future__ import annotations

import msgspec

from arbot.domain import Balance, FeeRates, OrderReport, OrderStatus
from arbot.exchanges.orderwire import (
    OrderRef,
    acknowledged,
    num,
    received_asset,
    side_of,
    status_of,
)

Num = str | float  # decimal text, or a JSON number from a lenient server

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
    return OrderReport(o.orderLinkId or ref.client_id, o.orderId, status, filled_qty=qty,
                       avg_price=num(o.avgPrice) if qty > 0 else 0.0, fee=fee,
                       fee_asset=received_asset(side_of(o.side), ref) if fee else "",
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
            out[c.coin.upper()] = Balance(c.coin.upper(), num(c.walletBalance) - locked, locked)
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
