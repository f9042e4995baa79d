"""Bybit v5 spot private REST as the simulator serves it (unified trading account).

Sources: bybit-exchange/docs `docs/v5/guide.mdx` (signing, timestamp rule),
`order/create-order.mdx` and `order/cancel-order.mdx` (an ack of `orderId` and
`orderLinkId` only: "please use the websocket to confirm the order status"),
`order/open-order.mdx` (GET /v5/order/realtime fields; after a restart of Bybit's side
finished orders are only in history, `restart_service`), `order/order-list.mdx` (GET
/v5/order/history), `account/wallet-balance.mdx`
and `account/fee-rate.mdx`, `rate-limit/rate-limit.mdx` (retCode 10006 "Too many
visits!" with HTTP 200 and the X-Bapi-Limit* headers), `error.mdx` (10002/10003/10004
and the 1701xx spot codes); wallet coin fields as in recorded UNIFIED responses
(`locked`, `spotHedgingQty`, `collateralSwitch`, `marginCollateral`).

Signing: X-BAPI-API-KEY, X-BAPI-TIMESTAMP (ms), X-BAPI-RECV-WINDOW (default 5000) and
X-BAPI-SIGN = hex HMAC-SHA256 of timestamp + key + recv_window + (query string for GET
| raw JSON body for POST); valid when server_time - recv_window <= timestamp <
server_time + 1000. Errors are HTTP 200 with a non-zero retCode (the error table's 401
row is for requests that reach no key at all; the simulator answers those with 10003 too).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from arbot.domain import Venue
from arbot.sim.account import CancelError, Forced, Reject, Side, SimOrder, State, Tif
from arbot.sim.auth import AuthFailure, AuthScheme, header, parse_int_ms
from arbot.sim.instruments import format_decimal
from arbot.sim.limits import Usage
from arbot.sim.private import Call, Handler, PrivateApi, Reply, to_decimal
from arbot.sim.wire import JsonObj, RestRequest
from arbot.venues.bybit import sim_coins
from arbot.venues.bybit.sim import BybitProtocol

SIDES = {"Buy": Side.BUY, "Sell": Side.SELL}
TIFS = {"GTC": Tif.GTC, "IOC": Tif.IOC, "FOK": Tif.FOK}
REJECTS: Mapping[Reject, tuple[int, str]] = {
    Reject.PRICE_TICK: (170134, "Order price decimal too long."),
    Reject.LOT_SIZE: (170137, "Order volume decimal too long"),
    Reject.MIN_QTY: (170136, "Order quantity lower than the minimum."),
    Reject.MIN_NOTIONAL: (170140, "Order value exceeded lower limit"),
    Reject.DUPLICATE: (170141, "Duplicate clientOrderId"),
    Reject.INSUFFICIENT: (170131, "Balance insufficient"),
}


def _recv(req: RestRequest) -> str:
    return req.headers.get("X-BAPI-RECV-WINDOW", "")


def _prehash(req: RestRequest, ts: str) -> bytes:
    key = req.headers.get("X-BAPI-API-KEY", "")
    signed = req.raw_query.encode() if req.method == "GET" else req.body
    return f"{ts}{key}{_recv(req)}".encode() + signed


def _fresh(ts_ms: int, now_ms: int, req: RestRequest) -> bool:
    recv = to_decimal(_recv(req) or None) or Decimal(5000)
    return now_ms - recv <= ts_ms < now_ms + 1000


SCHEME = AuthScheme(key=header("X-BAPI-API-KEY"), signature=header("X-BAPI-SIGN"),
                    timestamp=header("X-BAPI-TIMESTAMP"), prehash=_prehash,
                    parse_ms=parse_int_ms, fresh=_fresh, encoding="hex")


def _n(value: Decimal) -> str:
    return format_decimal(value, "trim")


def _envelope(result: object, now_ms: int, code: int | str = 0, msg: str = "OK") -> JsonObj:
    return {"retCode": code, "retMsg": msg, "result": result, "retExtInfo": {},
            "time": now_ms}


def _error(call_or_req: Call | RestRequest, code: int | str, msg: str,
           status: int = 200) -> Reply:
    now = call_or_req.now_ms
    return Reply(status, _envelope({}, now, code, msg))


class BybitPrivate(PrivateApi):
    venue = Venue.BYBIT
    scheme = SCHEME
    first_order_id = 1_900_000_000_000_000_001
    # `market/instrument.mdx`: minOrderQty is "deprecated, no longer check minOrderQty,
    # check minOrderAmt instead".
    checks_min_qty = False

    def routes(self) -> Mapping[tuple[str, str], Handler]:
        return {("POST", "/v5/order/create"): _place, ("GET", "/v5/order/realtime"): _query,
                ("GET", "/v5/order/history"): _history,
                ("POST", "/v5/order/cancel"): _cancel,
                ("GET", "/v5/account/wallet-balance"): _wallet,
                ("GET", "/v5/account/fee-rate"): _fee_rate,
                ("GET", sim_coins.PATH): sim_coins.coins}

    def auth_error(self, failure: AuthFailure, req: RestRequest) -> Reply:
        if failure in (AuthFailure.MISSING_KEY, AuthFailure.UNKNOWN_KEY):
            return _error(req, 10003, "API key is invalid.")
        if failure in (AuthFailure.MISSING_SIGNATURE, AuthFailure.BAD_SIGNATURE):
            return _error(req, 10004, "Error sign, please check your signature generation "
                                      "algorithm.")
        ts = req.headers.get("X-BAPI-TIMESTAMP", "")
        return _error(req, 10002, "invalid request, please check your server timestamp or "
                                  f"recv_window param. req_timestamp[{ts}],server_timestamp"
                                  f"[{req.now_ms}],recv_window[{_recv(req) or 5000}]")

    def too_many(self, usage: Usage, req: RestRequest) -> Reply:
        return _error(req, 10006, "Too many visits!")

    def bad_request(self, req: RestRequest, detail: str) -> Reply:
        return _error(req, 10001, f"params error: {detail} invalid")

    def usage_headers(self, usage: Usage, req: RestRequest) -> Mapping[str, str]:
        reset = req.now_ms + usage.retry_after_s * 1000
        return {"X-Bapi-Limit": str(usage.limit),
                "X-Bapi-Limit-Status": str(max(0, usage.limit - usage.used)),
                "X-Bapi-Limit-Reset-Timestamp": str(reset)}


def _spot(call: Call) -> Reply | None:
    if call.text("category") != "spot":
        return _error(call, 10001, "params error: Category is invalid")
    return None


def _place(call: Call) -> Reply:
    p = call.text
    if (bad := _spot(call)) is not None:
        return bad
    spec = call.lookup.get(p("symbol") or "")
    if spec is None:
        return _error(call, 170121, "Invalid symbol.")
    side = SIDES.get(p("side") or "")
    if side is None:
        return _error(call, 170117, "Invalid side.")
    if p("orderType") != "Limit":
        return _error(call, 170116, "Invalid orderType.")
    tif = TIFS.get(p("timeInForce") or "GTC")
    if tif is None:
        return _error(call, 170115, "Invalid timeInForce.")
    price, qty = to_decimal(p("price")), to_decimal(p("qty"))
    if price is None or qty is None:
        bad_name = "price" if price is None else "qty"
        return _error(call, 170130, f"Data sent for paramter '{bad_name}' is not valid.")
    result = call.account.place(spec, side, price, qty, tif, p("orderLinkId") or "")
    if isinstance(result, Forced):
        return _error(call, result.code, result.msg, result.status or 200)
    if isinstance(result, Reject):
        return _error(call, *REJECTS[result])
    return Reply(200, _envelope({"orderId": str(result.order_id),
                                 "orderLinkId": result.client_id}, call.now_ms))


def _status(o: SimOrder) -> str:
    if o.state in (State.CANCELED, State.EXPIRED):
        return "PartiallyFilledCanceled" if o.filled else "Cancelled"
    return {State.NEW: "New", State.PARTIALLY_FILLED: "PartiallyFilled"}.get(o.state, "Filled")


def _row(o: SimOrder) -> JsonObj:
    leaves = o.remaining if o.is_open else Decimal(0)
    avg = o.avg_price
    return {
        "orderId": str(o.order_id), "orderLinkId": o.client_id, "blockTradeId": "",
        "symbol": BybitProtocol.venue_id(o.spec), "price": _n(o.price), "qty": _n(o.qty),
        "side": o.side.value.capitalize(), "isLeverage": "0", "positionIdx": 0,
        "orderStatus": _status(o),
        "cancelType": "CancelByUser" if o.state is State.CANCELED else "UNKNOWN",
        "rejectReason": "EC_NoError", "avgPrice": "" if avg is None else _n(avg),
        "leavesQty": _n(leaves), "leavesValue": _n(leaves * o.price),
        "cumExecQty": _n(o.filled), "cumExecValue": _n(o.quote), "cumExecFee": _n(o.fee),
        "timeInForce": o.tif.value, "orderType": "Limit", "stopOrderType": "",
        "orderIv": "", "marketUnit": "", "triggerPrice": "0", "takeProfit": "0",
        "stopLoss": "0", "tpslMode": "", "ocoTriggerBy": "", "tpLimitPrice": "",
        "slLimitPrice": "", "tpTriggerBy": "", "slTriggerBy": "", "triggerDirection": 0,
        "triggerBy": "", "lastPriceOnCreated": "", "reduceOnly": False,
        "closeOnTrigger": False, "placeType": "", "smpType": "None", "smpGroup": 0,
        "smpOrderId": "", "createdTime": str(o.created_ms), "updatedTime": str(o.updated_ms)}


def _ids(call: Call) -> tuple[str | None, int | None] | None:
    order_id = call.text("orderId")
    if order_id is not None and not order_id.isdigit():
        return None
    return call.text("orderLinkId"), None if order_id is None else int(order_id)


def _query(call: Call) -> Reply:
    if (bad := _spot(call)) is not None:
        return bad
    ids = _ids(call)
    symbol = call.text("symbol")
    if ids is None:
        orders: list[SimOrder] = []
    elif ids != (None, None):
        found = call.account.find(client_id=ids[0], order_id=ids[1])
        # "After a server release or restart, filled, cancelled, and rejected orders of
        # Unified account should only be queried through order history."
        orders = [] if found is None or call.account.history_only(found) else [found]
    else:
        orders = [o for o in reversed(call.account.view().orders) if o.is_open
                  and symbol in (None, BybitProtocol.venue_id(o.spec))]
    result = {"list": [_row(o) for o in orders], "nextPageCursor": "", "category": "spot"}
    return Reply(200, _envelope(result, call.now_ms))


def _history(call: Call) -> Reply:
    """`GET /v5/order/history` (`order/order-list.mdx`): finished orders, newest first,
    by `orderId`, `orderLinkId` or `symbol`, at most `limit` ([1, 50], default 20). The
    simulator's clock never runs past the 24 hours a cancelled order stays listed."""
    if (bad := _spot(call)) is not None:
        return bad
    raw = call.text("limit") or "20"
    if not raw.isdigit() or not 1 <= int(raw) <= 50:
        return _error(call, 10001, "params error: limit invalid")
    ids = _ids(call)
    symbol = call.text("symbol")
    orders = [] if ids is None else [
        o for o in reversed(call.account.view().orders) if not o.is_open
        and ids[0] in (None, o.client_id) and ids[1] in (None, o.order_id)
        and symbol in (None, BybitProtocol.venue_id(o.spec))][: int(raw)]
    result = {"list": [_row(o) for o in orders], "nextPageCursor": "", "category": "spot"}
    return Reply(200, _envelope(result, call.now_ms))


def _cancel(call: Call) -> Reply:
    if (bad := _spot(call)) is not None:
        return bad
    ids = _ids(call)
    if ids == (None, None):
        return _error(call, 10001, "params error: orderId or orderLinkId is required")
    found = None if ids is None else call.account.find(client_id=ids[0], order_id=ids[1])
    if found is None or BybitProtocol.venue_id(found.spec) != call.text("symbol"):
        return _error(call, 170213, "Order does not exist.")
    o = call.account.cancel(order_id=found.order_id)
    if isinstance(o, CancelError):
        return _error(call, 170213, "Order does not exist.")
    return Reply(200, _envelope({"orderId": str(o.order_id), "orderLinkId": o.client_id},
                                call.now_ms))


def _usd(value: Decimal) -> str:
    return _n(round(value, 8))


def _wallet(call: Call) -> Reply:
    if call.text("accountType") != "UNIFIED":
        return _error(call, 10001, "accountType only support UNIFIED.")
    wanted = set((call.text("coin") or "").split(",")) - {""}
    balances = call.account.view().balances
    coins, total = [], Decimal(0)
    for asset, b in sorted(balances.items()):
        value = b.total * call.usd(asset)
        total += value
        if (wanted and asset not in wanted) or (not wanted and b.total == 0):
            continue
        coins.append({
            "availableToBorrow": "", "bonus": "0", "accruedInterest": "0",
            "availableToWithdraw": _n(b.free), "totalOrderIM": "0", "equity": _n(b.total),
            "totalPositionMM": "0", "usdValue": _usd(value), "unrealisedPnl": "0",
            "collateralSwitch": True, "spotHedgingQty": "0", "borrowAmount": "0",
            "totalPositionIM": "0", "walletBalance": _n(b.total), "cumRealisedPnl": "0",
            "locked": _n(b.locked), "marginCollateral": True, "coin": asset})
    account = {"totalEquity": _usd(total), "accountIMRate": "0",
               "totalMarginBalance": _usd(total), "totalInitialMargin": "0",
               "accountType": "UNIFIED", "totalAvailableBalance": _usd(total),
               "accountMMRate": "0", "totalPerpUPL": "0", "totalWalletBalance": _usd(total),
               "accountLTV": "0", "totalMaintenanceMargin": "0", "coin": coins}
    return Reply(200, _envelope({"list": [account]}, call.now_ms))


def _fee_rate(call: Call) -> Reply:
    if (bad := _spot(call)) is not None:
        return bad
    symbol = call.text("symbol")
    if symbol is not None and symbol not in call.lookup:
        return _error(call, 170121, "Invalid symbol.")
    fees = call.account.fees
    rows = [{"symbol": s, "takerFeeRate": _n(fees.taker), "makerFeeRate": _n(fees.maker)}
            for s in call.lookup if symbol in (None, s)]
    return Reply(200, _envelope({"category": "spot", "list": rows}, call.now_ms))


PRIVATE = BybitPrivate
