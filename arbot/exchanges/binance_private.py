"""Binance spot signed-REST answers: wire Structs and their parsers.

Shapes from the official docs (`binance/binance-spot-api-docs` `rest-api.md`: "New order",
"Query order", "Cancel order", "Account information", "Query Commission Rates";
`faqs/commission_faq.md`) and ccxt's recorded responses (`ccxt/ccxt`
`ts/src/test/static/response/binance.json`, which records ids and times as strings).
Numbers arrive as decimal strings (ids and times as JSON numbers on the real venue), so
every decoder here is non-strict: both forms read the same.
"""

from __future__ import annotations

from decimal import Decimal

import msgspec

from arbot.domain import Balance, FeeRates, OrderReport, OrderStatus
from arbot.exchanges.orderwire import OrderRef, status_of

# `enums.md` "Order status". PENDING_CANCEL is documented as unused; EXPIRED_IN_MATCH is
# an order expired by self-trade prevention. An IOC order's unfilled rest EXPIREs.
_STATUS = {
    "NEW": OrderStatus.NEW,
    "PENDING_NEW": OrderStatus.NEW,
    "PARTIALLY_FILLED": OrderStatus.PARTIALLY_FILLED,
    "FILLED": OrderStatus.FILLED,
    "CANCELED": OrderStatus.CANCELED,
    "PENDING_CANCEL": OrderStatus.NEW,
    "REJECTED": OrderStatus.REJECTED,
    "EXPIRED": OrderStatus.EXPIRED,
    "EXPIRED_IN_MATCH": OrderStatus.EXPIRED,
}


class _Fill(msgspec.Struct):
    """Decimal, so sums and the average come out as the venue's decimals (65003.26, not
    65003.259999999995); the report converts to float once, at the end."""

    price: Decimal
    qty: Decimal
    commission: Decimal = Decimal(0)
    commissionAsset: str = ""


class _Order(msgspec.Struct):
    """The FULL new-order answer, the query-order answer and the cancel answer share these.

    A cancel answer's `clientOrderId` is the cancel request's own id; the order's is
    `origClientOrderId`.
    """

    status: str
    orderId: int | str = ""
    clientOrderId: str = ""
    origClientOrderId: str = ""
    executedQty: Decimal = Decimal(0)
    cummulativeQuoteQty: Decimal = Decimal(0)
    fills: list[_Fill] = []


_order = msgspec.json.Decoder(_Order, strict=False)


def parse_order(body: bytes, ref: OrderRef) -> OrderReport:
    """Any of the three order answers (a missing order is an error answer, -2013 or
    -2011, never an empty success, so this never returns None). FULL new-order answer
    from the docs::

        {"symbol":"BTCUSDT","orderId":28,"orderListId":-1,"clientOrderId":
         "6gCrw2kRUAF9CvJDGP16IP","transactTime":1507725176595,"price":"0.00000000",
         "origQty":"10.00000000","executedQty":"10.00000000","cummulativeQuoteQty":
         "10.00000000","status":"FILLED","timeInForce":"GTC","type":"MARKET","side":"SELL",
         "fills":[{"price":"4000.00000000","qty":"1.00000000","commission":"4.00000000",
         "commissionAsset":"USDT","tradeId":56}, ...]}

    Fees come only with `fills` (the FULL answer); the query and cancel answers carry no
    commission, so their fee is 0 with no asset. With fills, the average price is their
    weighted mean (the doc example's `cummulativeQuoteQty` does not match its own
    fills); without, `cummulativeQuoteQty / executedQty`. Fills charged in more than one
    asset (BNB ran out mid-order) are summed in the first fill's asset only.
    """
    o = _order.decode(body)
    client_id = o.origClientOrderId or o.clientOrderId or ref.client_id
    qty = o.executedQty
    if o.fills:
        quote_qty, base_qty = sum(f.price * f.qty for f in o.fills), sum(f.qty for f in o.fills)
    else:  # cummulativeQuoteQty < 0 means "not available" (very old orders)
        quote_qty, base_qty = max(o.cummulativeQuoteQty, Decimal(0)), qty
    fee_asset = o.fills[0].commissionAsset if o.fills else ""
    fee = sum((f.commission for f in o.fills if f.commissionAsset == fee_asset), Decimal(0))
    avg = float(quote_qty / base_qty) if base_qty > 0 else 0.0
    return OrderReport(client_id, str(o.orderId), status_of(_STATUS, o.status),
                       filled_qty=float(qty), avg_price=avg, fee=float(fee),
                       fee_asset=fee_asset)


class _Asset(msgspec.Struct):
    asset: str
    free: float
    locked: float = 0.0


class _Account(msgspec.Struct):
    balances: list[_Asset]


_account = msgspec.json.Decoder(_Account, strict=False)


def parse_balances(body: bytes) -> dict[str, Balance]:
    """`GET /api/v3/account`: `{"makerCommission":15,...,"balances":[{"asset":"BTC",
    "free":"4723846.89208129","locked":"0.00000000"},...],"permissions":["SPOT"]}`."""
    return {a.asset.upper(): Balance(a.asset.upper(), a.free, a.locked)
            for a in _account.decode(body).balances}


class _Rates(msgspec.Struct):
    maker: float = 0.0
    taker: float = 0.0
    buyer: float = 0.0
    seller: float = 0.0


class _Commission(msgspec.Struct):
    standardCommission: _Rates
    taxCommission: _Rates | None = None
    specialCommission: _Rates | None = None


_commission = msgspec.json.Decoder(_Commission, strict=False)


def parse_fee_rates(body: bytes, venue_symbol: str = "") -> FeeRates:
    """`GET /api/v3/account/commission`::

        {"symbol":"BTCUSDT","standardCommission":{"maker":"0.00000010","taker":"0.00000020",
         "buyer":"0.00000030","seller":"0.00000040"},"taxCommission":{"maker":"0.00000112",
         "taker":"0.00000114","buyer":"0.00000118","seller":"0.00000116"},"discount":{...}}

    The commission FAQ charges standard + tax + special (the last "in specific
    circumstances", often absent), each rate plus the order side's buyer/seller rate.
    FeeRates has no side, so the dearer side is added. The BNB discount is left out: it
    applies only while the account pays in BNB and holds enough of it.
    """
    c = _commission.decode(body)
    parts = [r for r in (c.standardCommission, c.taxCommission, c.specialCommission) if r]
    side = max(sum(r.buyer for r in parts), sum(r.seller for r in parts))
    return FeeRates(maker=sum(r.maker for r in parts) + side,
                    taker=sum(r.taker for r in parts) + side)
