"""Binance spot signed REST: requests, signing, and the answers parsed.

Shapes from the official docs (`binance/binance-spot-api-docs` `rest-api.md`: "New order",
"Query order", "Cancel order", "Account information", "Query Commission Rates";
`faqs/commission_faq.md`) and ccxt's recorded responses (`ccxt/ccxt`
`ts/src/test/static/response/binance.json`, which records ids and times as strings).
Numbers arrive as decimal strings (ids and times as JSON numbers on the real venue), so
every decoder here is non-strict: both forms read the same.
"""


from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

import msgspec

from arbot.domain import (
    Balance,
    FeeRates,
    OrderReport,
    OrderRequest,
    OrderStatus,
)
from arbot.exchanges.orderwire import OrderRef, finite, status_of
from arbot.exchanges.restspec import Endpoint, ErrorTable, RateLimit, RestLimits
from arbot.exchanges.restspec import RestErrorKind as K
from arbot.exchanges.signing import Credentials, SignedRequest, encode_query, hmac_hex
from arbot.venues.binance import depth

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
    numbers = [o.executedQty, o.cummulativeQuoteQty,
               *(d for f in o.fills for d in (f.price, f.qty, f.commission))]
    if not all(d.is_finite() for d in numbers):  # before any comparison: NaN would raise
        raise ValueError("order answer with a number that is not finite")
    client_id = o.origClientOrderId or o.clientOrderId or ref.client_id
    qty = o.executedQty
    if o.fills:
        quote_qty, base_qty = sum(f.price * f.qty for f in o.fills), sum(f.qty for f in o.fills)
    else:  # cummulativeQuoteQty < 0 means "not available" (very old orders)
        quote_qty, base_qty = max(o.cummulativeQuoteQty, Decimal(0)), qty
    fee_asset = o.fills[0].commissionAsset if o.fills else ""
    fee = sum((f.commission for f in o.fills if f.commissionAsset == fee_asset), Decimal(0))
    avg = float(quote_qty / base_qty) if base_qty > 0 else 0.0
    return OrderReport(client_id=client_id, venue_order_id=str(o.orderId),
                       status=status_of(_STATUS, o.status), filled_qty=finite(float(qty)),
                       avg_price=finite(avg), fee=finite(float(fee)), fee_asset=fee_asset)


parse_place = parse_status = parse_cancel = parse_order  # each answered with the order


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
    return {a.asset.upper(): Balance(asset=a.asset.upper(), free=finite(a.free),
                                     locked=finite(a.locked))
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
    return FeeRates(maker=finite(sum(r.maker for r in parts) + side),
                    taker=finite(sum(r.taker for r in parts) + side))


_ORDER_MESSAGES = [("insufficient balance", K.INSUFFICIENT_BALANCE),
                   ("filter failure", K.ORDER_RULES),
                   ("price * qty is zero or less", K.ORDER_RULES)]
_ORDER = "/api/v3/order"


def signature(secret: str, query: str, body: bytes = b"") -> str:
    """`rest-api.md`: "The signature payload of your request is the query string
    concatenated without separator to the HTTP body", HMAC-SHA256 of it as hex."""
    return hmac_hex(secret, query.encode() + body)


# REQUEST_WEIGHT 6000 per minute per IP (exchangeInfo's `rateLimits` has the live
# value); exchangeInfo weighs 20, time 1; new order and cancel 1, query order 4,
# account and commission 20. New orders also count against ORDERS, 50 per 10 s per
# account in the recorded exchangeInfo (read the live value from `rateLimits`).
LIMITS = RestLimits(
    overall=RateLimit(6000, 60.0),
    endpoints={"/api/v3/exchangeInfo": Endpoint(weight=20), "/api/v3/time": Endpoint(),
               "POST /api/v3/order": Endpoint(weight=1, limit=RateLimit(50, 10.0)),
               "GET /api/v3/order": Endpoint(weight=4),
               "DELETE /api/v3/order": Endpoint(weight=1),
               "/api/v3/account": Endpoint(weight=20),
               "/api/v3/account/commission": Endpoint(weight=20),
               "/api/v3/depth": Endpoint(weight=depth.SNAPSHOT_WEIGHT),
               # "Current average price": "Weight: 2".
               "/api/v3/avgPrice": Endpoint(weight=2),
               # Wallet "All Coins' Information": "Request Weight(IP) 10".
               "/sapi/v1/capital/config/getall": Endpoint(weight=10)},
)
# Errors are `{"code":-1121,"msg":"Invalid symbol."}` with a 4xx/5xx status; 418 is
# the IP ban that follows ignored 429s. -1007 is a backend timeout: status unknown.
# -2010 NEW_ORDER_REJECTED and -1013 INVALID_MESSAGE carry several causes told apart
# by the message (`errors.md`: "Account has insufficient balance for requested
# action.", "Filter failure: LOT_SIZE" / PRICE_FILTER / NOTIONAL / MIN_NOTIONAL);
# -2011 CANCEL_REJECTED with "Unknown order sent." is a missing order.
ERRORS = ErrorTable(
    "code", "msg", None,
    codes={-1003: K.RATE_LIMITED, -1015: K.RATE_LIMITED, -1021: K.TIMESTAMP,
           -1007: K.SERVER, -1013: K.BAD_REQUEST, -1111: K.ORDER_RULES,
           -2010: K.BAD_REQUEST, -2011: K.BAD_REQUEST, -2013: K.NO_SUCH_ORDER,
           -1022: K.AUTH, -2014: K.AUTH, -2015: K.AUTH},
    statuses={418: K.RATE_LIMITED},
    messages={-2010: _ORDER_MESSAGES, -1013: _ORDER_MESSAGES,
              -2011: [("unknown order", K.NO_SUCH_ORDER)]},
)
RECV_WINDOW_MS = 5000
ORDER_WINDOW_MS = RECV_WINDOW_MS  # rest-api.md "Timing security": serverTime - timestamp


# Signed REST: every parameter in the signed query string, no body

def _signed(creds: Credentials, method: str, path: str,
            params: Mapping[str, str], ts_ms: int) -> SignedRequest:
    """`timestamp` and `recvWindow` join the parameters; `signature` goes last."""
    query = encode_query({**params, "recvWindow": str(RECV_WINDOW_MS),
                          "timestamp": str(ts_ms)})
    sig = signature(creds.secret, query)
    return SignedRequest(method, f"{path}?{query}&signature={sig}",
                         {"X-MBX-APIKEY": creds.key}, b"", sig)


def sign_place(creds: Credentials, order: OrderRequest, ts_ms: int) -> SignedRequest:
    """`POST /api/v3/order` LIMIT IOC; FULL asks for the fills in the answer."""
    return _signed(creds, "POST", _ORDER, {
        "symbol": order.venue_symbol, "side": order.side.upper(), "type": "LIMIT",
        "timeInForce": "IOC", "quantity": order.qty, "price": order.price,
        "newClientOrderId": order.client_id, "newOrderRespType": "FULL"}, ts_ms)


def sign_status(creds: Credentials, ref: OrderRef, ts_ms: int) -> SignedRequest:
    return _signed(creds, "GET", _ORDER, {
        "symbol": ref.venue_symbol, "origClientOrderId": ref.client_id}, ts_ms)


def sign_cancel(creds: Credentials, ref: OrderRef, ts_ms: int) -> SignedRequest:
    return _signed(creds, "DELETE", _ORDER, {
        "symbol": ref.venue_symbol, "origClientOrderId": ref.client_id}, ts_ms)


def sign_balances(creds: Credentials, ts_ms: int) -> SignedRequest:
    return _signed(creds, "GET", "/api/v3/account", {"omitZeroBalances": "true"},
                   ts_ms)


def sign_fee_rates(creds: Credentials, venue_symbol: str, ts_ms: int
                   ) -> SignedRequest:
    return _signed(creds, "GET", "/api/v3/account/commission",
                   {"symbol": venue_symbol}, ts_ms)
