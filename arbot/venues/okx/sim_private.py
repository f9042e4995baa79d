"""OKX v5 spot private REST as the simulator serves it (cash trading, spot mode).

Sources: okx.com/docs-v5/en (read from public copies): `#overview-rest-authentication`
(signing), `#order-book-trading-trade-post-place-order`, `-get-order-details`,
`-post-cancel-order` (acks with `sCode`/`sMsg` per order; the outer `code` is "1" when
the order failed), `#trading-account-rest-api-get-balance`,
`#trading-account-rest-api-get-fee-rates` (negative rates are fees paid),
`#error-code-rest-api-public` (codes and HTTP statuses: 50011/429, 501xx/401, 51xxx/200).
Auth errors carry `code` and `msg` only, as recorded from the live venue (pyted/okx #1).

Signing: OK-ACCESS-KEY, OK-ACCESS-PASSPHRASE, OK-ACCESS-TIMESTAMP (ISO 8601 UTC with
ms) and OK-ACCESS-SIGN = base64 HMAC-SHA256 of timestamp + METHOD + requestPath (with
"?query" for GET) + body; a request more than 30 s from server time has expired.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from arbot.domain import Venue
from arbot.sim.account import CancelError, Forced, Reject, Side, SimOrder, State, Tif
from arbot.sim.auth import (
    AuthFailure,
    AuthScheme,
    header,
    parse_iso_ms,
    ts_method_target_body,
    within,
)
from arbot.sim.instruments import format_decimal
from arbot.sim.limits import Usage
from arbot.sim.private import Call, Handler, PrivateApi, Reply, to_decimal
from arbot.sim.wire import JsonObj, RestRequest
from arbot.venues.okx import sim_coins
from arbot.venues.okx.sim import OkxProtocol

SIDES = {"buy": Side.BUY, "sell": Side.SELL}
ORD_TYPES = {"limit": Tif.GTC, "ioc": Tif.IOC, "fok": Tif.FOK}
NAMES = {tif: name for name, tif in ORD_TYPES.items()}
STATES = {State.NEW: "live", State.PARTIALLY_FILLED: "partially_filled",
          State.FILLED: "filled", State.CANCELED: "canceled", State.EXPIRED: "canceled"}
MIN_SIZE = ("51020", "Your order should meet or exceed the minimum order amount.")
REJECTS: Mapping[Reject, tuple[str, str]] = {
    Reject.PRICE_TICK: ("51000", "Parameter px error"),
    Reject.LOT_SIZE: ("51121", "Order quantity must be a multiple of the lot size."),
    Reject.MIN_QTY: MIN_SIZE,
    Reject.MIN_NOTIONAL: MIN_SIZE,
    Reject.DUPLICATE: ("51016", "Client order ID already exists."),
    Reject.INSUFFICIENT: ("51008", "Order failed. Insufficient {asset} balance in account"),
}
AUTH: Mapping[AuthFailure, tuple[str, str]] = {
    AuthFailure.MISSING_KEY: ("50103", 'Request header "OK-ACCESS-KEY" cannot be empty.'),
    AuthFailure.MISSING_PASSPHRASE: (
        "50104", 'Request header "OK-ACCESS-PASSPHRASE" cannot be empty.'),
    AuthFailure.BAD_PASSPHRASE: ("50105", 'Request header "OK-ACCESS-PASSPHRASE" incorrect.'),
    AuthFailure.MISSING_SIGNATURE: ("50106", 'Request header "OK-ACCESS-SIGN" cannot be empty.'),
    AuthFailure.MISSING_TIMESTAMP: (
        "50107", 'Request header "OK-ACCESS-TIMESTAMP" cannot be empty.'),
    AuthFailure.UNKNOWN_KEY: ("50111", "Invalid OK-ACCESS-KEY."),
    AuthFailure.BAD_TIMESTAMP: ("50112", "Invalid OK-ACCESS-TIMESTAMP."),
    AuthFailure.EXPIRED: ("50102", "Timestamp request expired."),
    AuthFailure.BAD_SIGNATURE: ("50113", "Invalid signature."),
}
CANCEL_FAILED = ("51400", "Order cancellation failed as the order has been filled, "
                          "canceled or does not exist.")

SCHEME = AuthScheme(
    key=header("OK-ACCESS-KEY"), signature=header("OK-ACCESS-SIGN"),
    timestamp=header("OK-ACCESS-TIMESTAMP"), passphrase=header("OK-ACCESS-PASSPHRASE"),
    prehash=ts_method_target_body,
    parse_ms=parse_iso_ms, fresh=within(30_000), encoding="base64")


def _n(value: Decimal) -> str:
    return format_decimal(value, "trim")


def _ok(data: list[JsonObj], call: Call, *, timed: bool = False, code: str = "0",
        msg: str = "") -> Reply:
    body: JsonObj = {"code": code, "msg": msg, "data": data}
    if timed:  # order endpoints report gateway in/out times in µs
        body |= {"inTime": str(call.now_ms * 1000), "outTime": str(call.now_ms * 1000 + 150)}
    return Reply(200, body)


def _failed(call: Call, code: str, msg: str, cl_ord_id: str = "", ord_id: str = "") -> Reply:
    """One order failed: outer code "1", the reason in data[0].sCode/sMsg."""
    item = {"clOrdId": cl_ord_id, "ordId": ord_id, "tag": "", "ts": str(call.now_ms),
            "sCode": code, "sMsg": msg, "subCode": ""}
    return _ok([item], call, timed=True, code="1", msg="All operations failed")


def _plain_error(code: str, msg: str, status: int = 400) -> Reply:
    return Reply(status, {"code": code, "msg": msg, "data": []})


class OkxPrivate(PrivateApi):
    venue = Venue.OKX
    scheme = SCHEME
    first_order_id = 600_000_000_000_000_001

    def routes(self) -> Mapping[tuple[str, str], Handler]:
        return {("POST", "/api/v5/trade/order"): _place, ("GET", "/api/v5/trade/order"): _query,
                ("POST", "/api/v5/trade/cancel-order"): _cancel,
                ("GET", "/api/v5/account/balance"): _balance,
                ("GET", "/api/v5/account/trade-fee"): _trade_fee,
                ("GET", sim_coins.PATH): sim_coins.coins}

    def auth_error(self, failure: AuthFailure, req: RestRequest) -> Reply:
        code, msg = AUTH[failure]
        return Reply(401, {"msg": msg, "code": code})

    def too_many(self, usage: Usage, req: RestRequest) -> Reply:
        return Reply(429, {"msg": "Too Many Requests", "code": "50011"})

    def bad_request(self, req: RestRequest, detail: str) -> Reply:
        return _plain_error("50002", "JSON syntax error")


def _place(call: Call) -> Reply:
    p = call.text
    cl = p("clOrdId") or ""
    for name in ("instId", "tdMode", "side", "ordType", "sz"):
        if p(name) is None:
            return _plain_error("50014", f"Parameter {name} can not be empty.")
    side, tif = SIDES.get(p("side") or ""), ORD_TYPES.get(p("ordType") or "")
    if side is None or tif is None or p("tdMode") != "cash":
        bad = "side" if side is None else "ordType" if tif is None else "tdMode"
        return _plain_error("51000", f"Parameter {bad} error")
    spec = call.lookup.get(p("instId") or "")
    if spec is None:
        return _failed(call, "51001", "Instrument ID, Instrument ID code or Spread ID "
                                      "doesn't exist.", cl)
    price, qty = to_decimal(p("px")), to_decimal(p("sz"))
    if price is None or qty is None:
        return _plain_error("51000", f"Parameter {'px' if price is None else 'sz'} error")
    result = call.account.place(spec, side, price, qty, tif, cl)
    if isinstance(result, Forced):
        return _failed(call, str(result.code), result.msg, cl)
    if isinstance(result, Reject):
        code, msg = REJECTS[result]
        asset = spec.quote if side is Side.BUY else spec.base
        return _failed(call, code, msg.format(asset=asset), cl)
    return _ok([{"clOrdId": cl, "ordId": str(result.order_id), "tag": "",
                 "ts": str(result.created_ms), "sCode": "0", "sMsg": "", "subCode": ""}],
               call, timed=True)


def _row(o: SimOrder) -> JsonObj:
    last = o.fills[-1] if o.fills else None
    avg = o.avg_price
    return {
        "accFillSz": _n(o.filled), "algoClOrdId": "", "algoId": "", "attachAlgoClOrdId": "",
        "attachAlgoOrds": [], "avgPx": "" if avg is None else _n(avg),
        "cTime": str(o.created_ms), "cancelSource": "", "cancelSourceReason": "",
        "category": "normal", "ccy": "", "clOrdId": o.client_id, "fee": _n(-o.fee),
        "feeCcy": o.fee_asset, "fillPx": "" if last is None else _n(last.price),
        "fillSz": "0" if last is None else _n(last.qty),
        "fillTime": "" if last is None else str(o.updated_ms),
        "instId": OkxProtocol.venue_id(o.spec), "instType": "SPOT", "isTpLimit": "false",
        "lever": "", "linkedAlgoOrd": {"algoId": ""}, "ordId": str(o.order_id),
        "ordType": NAMES[o.tif], "pnl": "0", "posSide": "net", "px": _n(o.price),
        "pxType": "", "pxUsd": "", "pxVol": "", "quickMgnType": "", "rebate": "0",
        "rebateCcy": o.spec.quote, "reduceOnly": "false", "side": o.side.value,
        "slOrdPx": "", "slTriggerPx": "", "slTriggerPxType": "", "source": "",
        "state": STATES[o.state], "stpId": "", "stpMode": "", "sz": _n(o.qty), "tag": "",
        "tdMode": "cash", "tgtCcy": "", "tpOrdPx": "", "tpTriggerPx": "",
        "tpTriggerPxType": "", "tradeId": "" if last is None else str(last.trade_id),
        "tradeQuoteCcy": o.spec.quote, "uTime": str(o.updated_ms)}


def _find(call: Call) -> SimOrder | Reply | None:
    """The order named by instId + ordId/clOrdId (None if there is none), or the error."""
    inst = call.text("instId")
    if inst is None:
        return _plain_error("50014", "Parameter instId can not be empty.")
    ord_id, cl = call.text("ordId"), call.text("clOrdId")
    if ord_id is None and cl is None:
        return Reply(200, {"code": "51003", "msg": "Either client order ID or order ID is "
                                                   "required.", "data": []})
    if ord_id is not None and not ord_id.isdigit():
        return None
    found = call.account.find(client_id=None if ord_id else cl,
                              order_id=None if ord_id is None else int(ord_id))
    return found if found is not None and OkxProtocol.venue_id(found.spec) == inst else None


def _query(call: Call) -> Reply:
    found = _find(call)
    if found is None:
        return Reply(200, {"code": "51603", "msg": "Order does not exist.", "data": []})
    return found if isinstance(found, Reply) else _ok([_row(found)], call)


def _cancel(call: Call) -> Reply:
    found = _find(call)
    if isinstance(found, Reply):
        return found
    cl, ord_id = call.text("clOrdId") or "", call.text("ordId") or ""
    done = CancelError.NOT_FOUND if found is None else call.account.cancel(
        order_id=found.order_id)
    if isinstance(done, CancelError):
        return _failed(call, *CANCEL_FAILED, cl, ord_id)
    return _ok([{"clOrdId": done.client_id, "ordId": str(done.order_id),
                 "ts": str(call.now_ms), "sCode": "0", "sMsg": "", "subCode": ""}],
               call, timed=True)


def _balance(call: Call) -> Reply:
    wanted = set((call.text("ccy") or "").split(",")) - {""}
    details, total = [], Decimal(0)
    for asset, b in sorted(call.account.view().balances.items()):
        usd = round(b.total * call.usd(asset), 8)
        total += usd
        if b.total == 0 or (wanted and asset not in wanted):
            continue
        details.append({
            "autoLendStatus": "off", "autoLendMtAmt": "0", "availBal": _n(b.free),
            "availEq": "", "borrowFroz": "", "cashBal": _n(b.total), "ccy": asset,
            "crossLiab": "", "colRes": "0", "collateralEnabled": False,
            "collateralRestrict": False, "colBorrAutoConversion": "0", "disEq": _n(usd),
            "eq": _n(b.total), "eqUsd": _n(usd), "smtSyncEq": "0", "spotCopyTradingEq": "0",
            "fixedBal": "0", "frozenBal": _n(b.locked), "frpType": "0", "imr": "",
            "interest": "", "isoEq": "", "isoLiab": "", "isoUpl": "", "liab": "",
            "maxLoan": "", "mgnRatio": "", "mmr": "", "notionalLever": "",
            "ordFrozen": _n(b.locked), "rewardBal": "0", "spotInUseAmt": "",
            "clSpotInUseAmt": "", "maxSpotInUse": "", "spotIsoBal": "0", "stgyEq": "0",
            "twap": "0", "uTime": str(call.now_ms), "upl": "", "uplLiab": "", "spotBal": "",
            "openAvgPx": "", "accAvgPx": "", "spotUpl": "", "spotUplRatio": "",
            "totalPnl": "", "totalPnlRatio": ""})
    account = {"adjEq": "", "availEq": "", "borrowFroz": "", "delta": "", "deltaLever": "",
               "deltaNeutralStatus": "0", "details": details, "imr": "", "isoEq": "",
               "mgnRatio": "", "mmr": "", "notionalUsd": "", "notionalUsdForBorrow": "",
               "notionalUsdForFutures": "", "notionalUsdForOption": "",
               "notionalUsdForSwap": "", "ordFroz": "", "totalEq": _n(total),
               "uTime": str(call.now_ms), "upl": ""}
    return _ok([account], call)


def _trade_fee(call: Call) -> Reply:
    if call.text("instType") is None:
        return _plain_error("50014", "Parameter instType can not be empty.")
    if call.text("instType") != "SPOT":
        return _plain_error("51000", "Parameter instType error")
    inst = call.text("instId")
    if inst is not None and inst not in call.lookup:
        return Reply(200, {"code": "51001", "msg": "Instrument ID, Instrument ID code or "
                                                   "Spread ID doesn't exist.", "data": []})
    maker, taker = _n(-call.account.fees.maker), _n(-call.account.fees.taker)
    return _ok([{"category": "1", "delivery": "", "exercise": "",
                 "feeGroup": [{"groupId": "1", "maker": maker, "taker": taker}],
                 "fiat": [], "instType": "SPOT", "level": "Lv1", "maker": maker,
                 "makerU": "", "makerUSDC": "", "ruleType": "normal", "taker": taker,
                 "takerU": "", "takerUSDC": "", "ts": str(call.now_ms)}], call)


PRIVATE = OkxPrivate
