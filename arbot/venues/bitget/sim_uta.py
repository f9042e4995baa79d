"""Bitget unified trading account (UTA, v3) private REST as the simulator serves it.

Sources: bitget.com/api-doc `uta/account/Get-Account-Setting` (`accountMode`),
`uta/trade/Place-Order`, `uta/trade/Get-Order-Details` (one object, `feeDetail` a list
with positive fees), `uta/trade/Cancel-Order`, `uta/account/Get-Account` (assets, "only
non-zero balances being returned"), `uta/account/Get-Account-Fee-Rate`, and
`uta/error-code/restapi` (25xxx). Signing, envelope and auth errors are the classic
ones; `sim_private` routes these only while the account is unified.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from decimal import Decimal

from arbot.domain import Venue
from arbot.sim.account import CancelError, Forced, Reject, SimOrder, State
from arbot.sim.instruments import decimal_text
from arbot.sim.private import Call, Handler, Reply, to_decimal
from arbot.venues.bitget.sim import BitgetProtocol
from arbot.venues.bitget.sim_reply import FORCES, SIDES, USER_ID, error, n, ok, required

STATUS = {State.NEW: "live", State.PARTIALLY_FILLED: "partially_filled",
          State.FILLED: "filled", State.CANCELED: "cancelled", State.EXPIRED: "cancelled"}
REJECTS: Mapping[Reject, tuple[str, str]] = {
    Reject.PRICE_TICK: ("25244", "Price should be a multiple of {tick}"),
    Reject.LOT_SIZE: ("25200", "qty validation error"),
    Reject.MIN_QTY: ("25207", "{symbol} trading quantity cannot be less than {min_qty} units"),
    Reject.MIN_NOTIONAL: ("25611", "Order quantity must be greater than the minimum order "
                                   "amount"),
    Reject.DUPLICATE: ("25212", "Duplicate clientOid"),
    Reject.INSUFFICIENT: ("25202", "Insufficient balance"),
}
NO_ORDER = ("25204", "Order does not exist")


def routes() -> Mapping[tuple[str, str], Handler]:
    return {("GET", "/api/v3/account/settings"): _settings,
            ("POST", "/api/v3/trade/place-order"): _place,
            ("GET", "/api/v3/trade/order-info"): _query,
            ("POST", "/api/v3/trade/cancel-order"): _cancel,
            ("GET", "/api/v3/account/assets"): _assets,
            ("GET", "/api/v3/account/fee-rate"): _fee_rate}


def _settings(call: Call) -> Reply:
    return ok({"uid": USER_ID, "accountMode": "unified", "assetMode": "multi_assets",
               "holdMode": "one_way_mode", "stpMode": "none", "symbolConfigList": [],
               "coinConfigList": []}, call.now_ms)


def _place(call: Call) -> Reply:
    p = call.text
    if (bad := required(call, "category", "symbol", "qty", "side", "orderType")) is not None:
        return bad
    if p("category") != "SPOT":
        return error(call.now_ms, "25002", "Unsupported operation")
    spec = call.lookup.get(p("symbol") or "")
    if spec is None:
        return error(call.now_ms, "25100", f"Trading pair {p('symbol')} does not exist")
    side, tif = SIDES.get(p("side") or ""), FORCES.get(p("timeInForce") or "gtc")
    if side is None or tif is None or p("orderType") != "limit":
        name = "side" if side is None else "timeInForce" if tif is None else "orderType"
        return error(call.now_ms, "25200", f"{name} validation error")
    price, qty = to_decimal(p("price")), to_decimal(p("qty"))
    if price is None or qty is None:
        return error(call.now_ms, "25200", f"{'price' if price is None else 'qty'} "
                                           "validation error")
    result = call.account.place(spec, side, price, qty, tif,
                                p("clientOid") or secrets.token_hex(16))
    if isinstance(result, Forced):
        return error(call.now_ms, str(result.code), result.msg, result.status or 400)
    if isinstance(result, Reject):
        code, msg = REJECTS[result]
        rules = spec.rules[Venue.BITGET]
        return error(call.now_ms, code, msg.format(tick=decimal_text(rules.price_dp, "trim"),
                                                   min_qty=rules.min_qty,
                                                   symbol=p("symbol")))
    return ok({"orderId": str(result.order_id), "clientOid": result.client_id}, call.now_ms)


def _row(o: SimOrder) -> dict[str, object]:
    avg = o.avg_price
    fees = [{"feeCoin": o.fee_asset, "fee": n(o.fee)}] if o.fills else []
    return {
        "orderId": str(o.order_id), "clientOid": o.client_id, "category": "SPOT",
        "symbol": BitgetProtocol.venue_id(o.spec), "orderType": "limit",
        "side": o.side.value, "price": n(o.price), "qty": n(o.qty), "amount": "0",
        "cumExecQty": n(o.filled), "cumExecValue": n(o.quote),
        "avgPrice": "0" if avg is None else n(avg), "timeInForce": o.tif.value.lower(),
        "orderStatus": STATUS[o.state], "posSide": "", "holdMode": "", "tradeSide": "",
        "reduceOnly": "NO", "feeDetail": fees,
        "cancelReason": "normal_cancel" if o.state is State.CANCELED else "",
        "execType": "normal", "createdTime": str(o.created_ms),
        "updatedTime": str(o.updated_ms)}


def _find(call: Call) -> SimOrder | Reply:
    """"Either `clientOid` or `orderId` must be provided. If both are present or do not
    match, `orderId` will take priority"."""
    order_id, cl = call.text("orderId"), call.text("clientOid")
    if order_id is None and cl is None:
        return error(call.now_ms, "40019", "Parameter orderId cannot be empty")
    if order_id is not None:
        found = call.account.find(order_id=int(order_id)) if order_id.isdigit() else None
    else:
        found = call.account.find(client_id=cl)
    return error(call.now_ms, *NO_ORDER) if found is None else found


def _query(call: Call) -> Reply:
    found = _find(call)
    return found if isinstance(found, Reply) else ok(_row(found), call.now_ms)


def _cancel(call: Call) -> Reply:
    found = _find(call)
    if isinstance(found, Reply):
        return found
    done = call.account.cancel(order_id=found.order_id)
    if isinstance(done, CancelError):
        return error(call.now_ms, *NO_ORDER)
    return ok({"orderId": str(done.order_id), "clientOid": done.client_id}, call.now_ms)


def _usd(value: Decimal) -> str:
    return n(round(value, 8))


def _assets(call: Call) -> Reply:
    rows, total = [], Decimal(0)
    for asset, b in sorted(call.account.view().balances.items()):
        value = b.total * call.usd(asset)
        total += value
        if b.total != 0:
            rows.append({"coin": asset, "equity": n(b.total), "usdValue": _usd(value),
                         "balance": n(b.total), "available": n(b.free), "debt": "0",
                         "locked": n(b.locked)})
    return ok({"accountEquity": _usd(total), "usdtEquity": _usd(total), "btcEquity": "0",
               "unrealisedPnl": "0", "usdtUnrealisedPnl": "0", "btcUnrealizedPnl": "0",
               "effEquity": _usd(total), "mmr": "0", "imr": "0", "mgnRatio": "0",
               "positionMgnRatio": "0", "assets": rows}, call.now_ms)


def _fee_rate(call: Call) -> Reply:
    if (bad := required(call, "symbol", "category")) is not None:
        return bad
    if call.text("symbol") not in call.lookup:
        return error(call.now_ms, "25100", f"Trading pair {call.text('symbol')} does not exist")
    fees = call.account.fees
    return ok({"makerFeeRate": n(fees.maker), "takerFeeRate": n(fees.taker)}, call.now_ms)
