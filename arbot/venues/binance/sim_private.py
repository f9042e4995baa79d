"""Binance spot private REST as the simulator serves it.

Sources: binance-spot-api-docs `rest-api.md` ("SIGNED (TRADE and USER_DATA) endpoint
security", "New order (TRADE)" ACK/RESULT/FULL, "Query order", "Cancel order",
"Account information", "Query Commission Rates"), `errors.md` (codes and messages,
"Filter failure: ..." and "Order Rejection Issues"), `filters.md`; the 401 for -2015
as recorded in binance-connector-python issue #155.

Signing: X-MBX-APIKEY header; `signature` = hex HMAC-SHA256 of the query string
concatenated without separator to the body (both as sent, minus the signature pair);
valid when `timestamp < serverTime + 1000` and `serverTime - timestamp <= recvWindow`
(default 5000). Parameters may come in the query string, an urlencoded body or both;
the query string wins on a clash.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from decimal import Decimal
from urllib.parse import parse_qsl

from arbot.domain import Venue
from arbot.sim.account import CancelError, Forced, Reject, Side, SimOrder, Tif, Top
from arbot.sim.auth import AuthFailure, AuthScheme, header, parse_int_ms
from arbot.sim.instruments import format_decimal
from arbot.sim.limits import Usage
from arbot.sim.private import Call, Handler, PrivateApi, Reply, to_decimal
from arbot.sim.wire import JsonObj, RestRequest
from arbot.venues.binance import sim_coins
from arbot.venues.binance.sim import PRICE_BAND, BinanceProtocol

SIDES = {"BUY": Side.BUY, "SELL": Side.SELL}
TIFS = {"GTC": Tif.GTC, "IOC": Tif.IOC, "FOK": Tif.FOK}
STATUS = {"new": "NEW", "partially_filled": "PARTIALLY_FILLED", "filled": "FILLED",
          "canceled": "CANCELED", "expired": "EXPIRED"}
REJECTS: Mapping[Reject, tuple[int, str]] = {
    Reject.PRICE_TICK: (-1013, "Filter failure: PRICE_FILTER"),
    Reject.LOT_SIZE: (-1013, "Filter failure: LOT_SIZE"),
    Reject.MIN_QTY: (-1013, "Filter failure: LOT_SIZE"),
    Reject.MIN_NOTIONAL: (-1013, "Filter failure: NOTIONAL"),
    Reject.DUPLICATE: (-2010, "Duplicate order sent."),
    Reject.INSUFFICIENT: (-2010, "Account has insufficient balance for requested action."),
}
ZERO8 = "0.00000000"


def _error(code: int, msg: str, status: int = 400) -> Reply:
    return Reply(status, {"code": code, "msg": msg})


def _mandatory(name: str) -> Reply:
    return _error(-1102, f"Mandatory parameter '{name}' was not sent, was empty/null, "
                         "or malformed.")


def _split(text: str) -> tuple[str, str | None]:
    """`text` without its `signature=` pair, and the signature."""
    kept, sig = [], None
    for part in text.split("&") if text else []:
        if part.startswith("signature="):
            sig = part.removeprefix("signature=")
        else:
            kept.append(part)
    return "&".join(kept), sig


def params_of(req: RestRequest) -> dict[str, str]:
    """Body parameters overlaid with query parameters (the query string wins)."""
    body = req.body.decode("utf-8", "replace")
    return {**dict(parse_qsl(body, keep_blank_values=True)),
            **dict(parse_qsl(req.raw_query, keep_blank_values=True))}


def _signature(req: RestRequest) -> str | None:
    return _split(req.raw_query)[1] or _split(req.body.decode("utf-8", "surrogateescape"))[1]


def _payload(req: RestRequest, ts: str) -> bytes:
    query = _split(req.raw_query)[0]
    body = _split(req.body.decode("utf-8", "surrogateescape"))[0]
    return (query + body).encode("utf-8", "surrogateescape")


def _parse_ts(text: str) -> int | None:
    value = parse_int_ms(text)
    return value // 1000 if value is not None and value >= 10**14 else value  # µs


def _fresh(ts_ms: int, now_ms: int, req: RestRequest) -> bool:
    recv = to_decimal(params_of(req).get("recvWindow")) or Decimal(5000)
    return ts_ms < now_ms + 1000 and now_ms - ts_ms <= recv


SCHEME = AuthScheme(key=header("X-MBX-APIKEY"), signature=_signature,
                    timestamp=lambda r: params_of(r).get("timestamp") or None,
                    prehash=_payload, parse_ms=_parse_ts, fresh=_fresh, encoding="hex")


def _n(value: Decimal) -> str:
    return format_decimal(value, "pad8")


class BinancePrivate(PrivateApi):
    venue = Venue.BINANCE
    scheme = SCHEME
    first_order_id = 1_000_001
    unique_among_open = True

    def routes(self) -> Mapping[tuple[str, str], Handler]:
        return {("POST", "/api/v3/order"): _place, ("GET", "/api/v3/order"): _query,
                ("DELETE", "/api/v3/order"): _cancel, ("GET", "/api/v3/account"): _account,
                ("GET", "/api/v3/account/commission"): _commission,
                ("GET", sim_coins.PATH): sim_coins.coins}

    def params(self, req: RestRequest) -> Mapping[str, object] | Reply:
        return params_of(req)

    def auth_error(self, failure: AuthFailure, req: RestRequest) -> Reply:
        if failure is AuthFailure.MISSING_KEY:
            return _error(-2014, "API-key format invalid.", 401)
        if failure is AuthFailure.UNKNOWN_KEY:
            return _error(-2015, "Invalid API-key, IP, or permissions for action.", 401)
        if failure is AuthFailure.EXPIRED:
            ts = _parse_ts(params_of(req)["timestamp"]) or 0
            if ts >= req.now_ms + 1000:
                return _error(-1021, "Timestamp for this request was 1000ms ahead of the "
                                     "server's time.")
            return _error(-1021, "Timestamp for this request is outside of the recvWindow.")
        if failure is AuthFailure.BAD_SIGNATURE:
            return _error(-1022, "Signature for this request is not valid.")
        missing = "signature" if failure is AuthFailure.MISSING_SIGNATURE else "timestamp"
        return _mandatory(missing)

    def too_many(self, usage: Usage, req: RestRequest) -> Reply:
        seconds = round(usage.window_s)
        window = f"{seconds // 60} MINUTE" if seconds % 60 == 0 else f"{seconds} SECOND"
        msg = (f"Too much request weight used; current limit is {usage.limit} request "
               f"weight per {window}. Please use WebSocket Streams for live updates to "
               "avoid polling the API.")
        return Reply(429, {"code": -1003, "msg": msg},
                     {"Retry-After": str(usage.retry_after_s)})

    def bad_request(self, req: RestRequest, detail: str) -> Reply:
        return _mandatory(detail)

    def usage_headers(self, usage: Usage, req: RestRequest) -> Mapping[str, str]:
        return {"X-MBX-USED-WEIGHT-1M": str(usage.used)}


def _order_core(o: SimOrder) -> JsonObj:
    return {"price": _n(o.price), "origQty": _n(o.qty), "executedQty": _n(o.filled),
            "origQuoteOrderQty": ZERO8, "cummulativeQuoteQty": _n(o.quote),
            "status": STATUS[o.state], "timeInForce": o.tif.value, "type": "LIMIT",
            "side": o.side.value.upper()}


def _head(o: SimOrder) -> JsonObj:
    return {"symbol": BinanceProtocol.venue_id(o.spec), "orderId": o.order_id,
            "orderListId": -1, "clientOrderId": o.client_id}


def _in_band(side: Side, price: Decimal, top: Top) -> bool:
    """PERCENT_PRICE_BY_SIDE around the displayed mid (`sim.PRICE_BAND`)."""
    mid = (top.bid + top.ask) / 2
    low, high = (("bidMultiplierDown", "bidMultiplierUp") if side is Side.BUY
                 else ("askMultiplierDown", "askMultiplierUp"))
    return mid * Decimal(PRICE_BAND[low]) <= price <= mid * Decimal(PRICE_BAND[high])


def _place(call: Call) -> Reply:
    p = call.text
    for name in ("symbol", "side", "type"):
        if p(name) is None:
            return _mandatory(name)
    spec = call.lookup.get(p("symbol") or "")
    if spec is None:
        return _error(-1121, "Invalid symbol.")
    side = SIDES.get(p("side") or "")
    if side is None:
        return _error(-1117, "Invalid side.")
    if p("type") != "LIMIT":
        return _error(-1116, "Invalid orderType.")
    for name in ("timeInForce", "quantity", "price"):
        if p(name) is None:
            return _mandatory(name)
    tif = TIFS.get(p("timeInForce") or "")
    if tif is None:
        return _error(-1115, "Invalid timeInForce.")
    resp_type = p("newOrderRespType") or "FULL"
    if resp_type not in ("ACK", "RESULT", "FULL"):
        return _error(-1136, "Invalid newOrderRespType.")
    price, qty = to_decimal(p("price")), to_decimal(p("quantity"))
    if price is None or qty is None:
        bad = "price" if price is None else "quantity"
        return _error(-1100, f"Illegal characters found in parameter '{bad}'; legal range "
                             "is '^([0-9]{1,20})(\\.[0-9]{1,20})?$'.")
    if not _in_band(side, price, call.account.top(spec)):
        return _error(-1013, "Filter failure: PERCENT_PRICE_BY_SIDE")
    client_id = p("newClientOrderId") or secrets.token_urlsafe(16)[:22]
    result = call.account.place(spec, side, price, qty, tif, client_id)
    if isinstance(result, Forced):
        return _error(int(result.code), result.msg, result.status or 400)
    if isinstance(result, Reject):
        return _error(*REJECTS[result])
    body = {**_head(result), "transactTime": result.created_ms}
    if resp_type != "ACK":
        body |= _order_core(result) | {"workingTime": result.created_ms}
        if resp_type == "FULL":
            body["fills"] = [{"price": _n(f.price), "qty": _n(f.qty),
                              "commission": _n(f.fee), "commissionAsset": result.fee_asset,
                              "tradeId": f.trade_id} for f in result.fills]
        body["selfTradePreventionMode"] = "NONE"
    return Reply(200, body)


def _lookup(call: Call) -> tuple[str | None, int | None] | Reply:
    """(origClientOrderId, orderId) of a query or cancel, or the error."""
    if call.text("symbol") is None:
        return _mandatory("symbol")
    if call.text("symbol") not in call.lookup:
        return _error(-1121, "Invalid symbol.")
    client_id, order_id = call.text("origClientOrderId"), call.text("orderId")
    if client_id is None and order_id is None:
        return _error(-1102, "Param 'origClientOrderId' or 'orderId' must be sent, but "
                             "both were empty/null!")
    if order_id is not None and not order_id.isdigit():
        return _error(-1100, "Illegal characters found in parameter 'orderId'; legal "
                             "range is '^[0-9]{1,20}$'.")
    return client_id, None if order_id is None else int(order_id)


def _query(call: Call) -> Reply:
    ids = _lookup(call)
    if isinstance(ids, Reply):
        return ids
    o = call.account.find(client_id=ids[0], order_id=ids[1])
    if o is None or BinanceProtocol.venue_id(o.spec) != call.text("symbol"):
        return _error(-2013, "Order does not exist.")
    return Reply(200, _head(o) | _order_core(o) | {
        "stopPrice": ZERO8, "icebergQty": ZERO8, "time": o.created_ms,
        "updateTime": o.updated_ms, "isWorking": True, "workingTime": o.created_ms,
        "origQuoteOrderQty": ZERO8, "selfTradePreventionMode": "NONE"})


def _cancel(call: Call) -> Reply:
    ids = _lookup(call)
    if isinstance(ids, Reply):
        return ids
    found = call.account.find(client_id=ids[0], order_id=ids[1])
    if found is None or BinanceProtocol.venue_id(found.spec) != call.text("symbol"):
        return _error(-2011, "Unknown order sent.")
    o = call.account.cancel(order_id=found.order_id)
    if isinstance(o, CancelError):
        return _error(-2011, "Unknown order sent.")
    head = _head(o)
    cancel_id = call.text("newClientOrderId") or secrets.token_urlsafe(16)[:22]
    return Reply(200, {"symbol": head["symbol"], "origClientOrderId": o.client_id,
                       "orderId": o.order_id, "orderListId": -1, "clientOrderId": cancel_id,
                       "transactTime": o.updated_ms} | _order_core(o)
                 | {"selfTradePreventionMode": "NONE"})


def _rates(call: Call) -> JsonObj:
    fees = call.account.fees
    return {"maker": _n(fees.maker), "taker": _n(fees.taker), "buyer": ZERO8,
            "seller": ZERO8}


def _account(call: Call) -> Reply:
    view = call.account.view()
    omit = call.text("omitZeroBalances") == "true"
    balances = [{"asset": a, "free": _n(b.free), "locked": _n(b.locked)}
                for a, b in sorted(view.balances.items()) if not (omit and b.total == 0)]
    bps = {k: int(Decimal(v) * 10_000) for k, v in _rates(call).items()}
    return Reply(200, {
        "makerCommission": bps["maker"], "takerCommission": bps["taker"],
        "buyerCommission": 0, "sellerCommission": 0, "commissionRates": _rates(call),
        "canTrade": True, "canWithdraw": True, "canDeposit": True, "brokered": False,
        "requireSelfTradePrevention": False, "preventSor": False,
        "updateTime": call.now_ms, "accountType": "SPOT", "balances": balances,
        "permissions": ["SPOT"], "uid": 354937868})


def _commission(call: Call) -> Reply:
    symbol = call.text("symbol")
    if symbol is None:
        return _mandatory("symbol")
    if symbol not in call.lookup:
        return _error(-1121, "Invalid symbol.")
    zeros = {"maker": ZERO8, "taker": ZERO8, "buyer": ZERO8, "seller": ZERO8}
    return Reply(200, {
        "symbol": symbol, "standardCommission": _rates(call),
        "specialCommission": dict(zeros), "taxCommission": dict(zeros),
        "discount": {"enabledForAccount": False, "enabledForSymbol": False,
                     "discountAsset": "BNB", "discount": "0.75000000"}})


PRIVATE = BinancePrivate
