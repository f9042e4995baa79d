"""Bitget v2 spot private REST as the simulator serves it.

A classic account's endpoints; a unified account's are in `sim_uta`, and each mode
refuses the other's (`WRONG_MODE`). Sources: bitget.com/api-doc (read from public copies
of the pages): `common/signature`
(signing), `spot/trade/Place-Order`, `spot/trade/Get-Order-Info` (`feeDetail` is a JSON
text, fees negative), `spot/trade/Cancel-Order`, `spot/account/Get-Account-Assets`,
`common/public/Get-Trade-Rate`, `spot/error-code/restapi` (400xx auth, 40786 duplicate
clientOid, 43001/43004 orders, 43012 balance, 45110/45111 minimums) and
`common/quick-start` ("429 status when the access exceeds the frequency limit"); the
envelope is `sim_reply`'s. Coins are upper case as the live venue writes them.

Signing: ACCESS-KEY, ACCESS-PASSPHRASE, ACCESS-TIMESTAMP (ms) and ACCESS-SIGN = base64
HMAC-SHA256 of timestamp + METHOD + requestPath + ("?" + queryString) + body; a
timestamp more than 30 s from server time has expired.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping

from arbot.domain import Venue
from arbot.sim.account import CancelError, Forced, Reject, SimOrder, State
from arbot.sim.auth import (
    AuthFailure,
    AuthScheme,
    header,
    parse_int_ms,
    ts_method_target_body,
    within,
)
from arbot.sim.limits import Usage
from arbot.sim.private import Call, Handler, PrivateApi, Reply, to_decimal
from arbot.sim.wire import RestRequest
from arbot.venues import VENUES
from arbot.venues.bitget import sim_uta
from arbot.venues.bitget.sim import BitgetProtocol
from arbot.venues.bitget.sim_reply import FORCES, SIDES, USER_ID, error, n, ok, required

STATUS = {State.NEW: "live", State.PARTIALLY_FILLED: "partially_filled",
          State.FILLED: "filled", State.CANCELED: "cancelled", State.EXPIRED: "cancelled"}
REJECTS: Mapping[Reject, tuple[str, str]] = {
    Reject.PRICE_TICK: ("40020", "Parameter price error"),
    Reject.LOT_SIZE: ("40020", "Parameter size error"),
    Reject.MIN_QTY: ("45111", "less than the minimum order quantity"),
    Reject.MIN_NOTIONAL: ("45110", "less than the minimum amount {notional} {quote}"),
    Reject.DUPLICATE: ("40786", "Duplicate clientOid"),
    Reject.INSUFFICIENT: ("43012", "Insufficient balance"),
}
CLASSIC, UTA = VENUES[Venue.BITGET].account_modes
# An endpoint of the other mode, by the account's mode. 40084 as live clients quote it
# for a classic account calling /api/v3 (the UTA error page also lists 25245 "The
# account is not the unified account mode"); 40085 is the reverse, its wording the
# mirror of 40084 as clients quote it (not on any Bitget page found).
WRONG_MODE: Mapping[str, tuple[str, str]] = {
    CLASSIC: ("40084", "You are in Classic Account mode, and the Unified Account API is "
                       "not supported at this time"),
    UTA: ("40085", "You are in Unified Account mode, and the Classic Account API is not "
                   "supported at this time"),
}
AUTH: Mapping[AuthFailure, tuple[str, str]] = {
    AuthFailure.MISSING_KEY: ("40001", "ACCESS_KEY cannot be empty"),
    AuthFailure.UNKNOWN_KEY: ("40006", "Invalid ACCESS_KEY"),
    AuthFailure.MISSING_PASSPHRASE: ("40011", "ACCESS_PASSPHRASE cannot be empty"),
    AuthFailure.BAD_PASSPHRASE: ("40012", "apikey/password is incorrect"),
    AuthFailure.MISSING_TIMESTAMP: ("40005", "Invalid ACCESS_TIMESTAMP"),
    AuthFailure.BAD_TIMESTAMP: ("40005", "Invalid ACCESS_TIMESTAMP"),
    AuthFailure.EXPIRED: ("40008", "Request timestamp expired"),
    AuthFailure.MISSING_SIGNATURE: ("40002", "ACCESS_SIGN cannot be empty"),
    AuthFailure.BAD_SIGNATURE: ("40009", "sign signature error"),
}

SCHEME = AuthScheme(
    key=header("ACCESS-KEY"), signature=header("ACCESS-SIGN"),
    timestamp=header("ACCESS-TIMESTAMP"), passphrase=header("ACCESS-PASSPHRASE"),
    prehash=ts_method_target_body, parse_ms=parse_int_ms, fresh=within(30_000),
    encoding="base64")


class BitgetPrivate(PrivateApi):
    venue = Venue.BITGET
    scheme = SCHEME
    first_order_id = 1_100_000_000_000_000_001

    def routes(self) -> Mapping[tuple[str, str], Handler]:
        """The classic endpoints and the unified ones (`sim_uta`), each answering only
        while the account is in its mode."""
        classic = {("POST", "/api/v2/spot/trade/place-order"): _place,
                   ("GET", "/api/v2/spot/trade/orderInfo"): _query,
                   ("POST", "/api/v2/spot/trade/cancel-order"): _cancel,
                   ("GET", "/api/v2/spot/account/assets"): _assets,
                   ("GET", "/api/v2/common/trade-rate"): _trade_rate}
        return {**{k: self._only(CLASSIC, h) for k, h in classic.items()},
                **{k: self._only(UTA, h) for k, h in sim_uta.routes().items()}}

    def _only(self, mode: str, handler: Handler) -> Handler:
        def guarded(call: Call) -> Reply:
            if self.account_mode != mode:
                return error(call.now_ms, *WRONG_MODE[self.account_mode])
            return handler(call)
        return guarded

    def auth_error(self, failure: AuthFailure, req: RestRequest) -> Reply:
        return error(req.now_ms, *AUTH[failure])

    def too_many(self, usage: Usage, req: RestRequest) -> Reply:
        return error(req.now_ms, "429", "Too Many Requests", 429)

    def bad_request(self, req: RestRequest, detail: str) -> Reply:
        return error(req.now_ms, "40017", f"Parameter verification failed {detail}")


def _place(call: Call) -> Reply:
    p = call.text
    if (bad := required(call, "symbol", "side", "orderType", "force", "size")) is not None:
        return bad
    spec = call.lookup.get(p("symbol") or "")
    if spec is None:
        return error(call.now_ms, "40034", f"Parameter {p('symbol')} does not exist")
    side, tif = SIDES.get(p("side") or ""), FORCES.get(p("force") or "")
    if side is None or tif is None or p("orderType") != "limit":
        name = "side" if side is None else "force" if tif is None else "orderType"
        return error(call.now_ms, "40020", f"Parameter {name} error")
    price, qty = to_decimal(p("price")), to_decimal(p("size"))
    if price is None or qty is None:
        return error(call.now_ms, "40020", f"Parameter {'price' if price is None else 'size'}"
                                            " error")
    client_id = p("clientOid") or secrets.token_hex(16)
    result = call.account.place(spec, side, price, qty, tif, client_id)
    if isinstance(result, Forced):
        return error(call.now_ms, str(result.code), result.msg, result.status or 400)
    if isinstance(result, Reject):
        code, msg = REJECTS[result]
        notional = spec.rules[Venue.BITGET].min_notional
        return error(call.now_ms, code, msg.format(notional=notional, quote=spec.quote))
    return ok({"orderId": str(result.order_id), "clientOid": result.client_id}, call.now_ms)


def _fee_detail(o: SimOrder) -> str:
    """The documented `feeDetail` text: "newFees" with r (paid in the received coin) and
    t (total), both negative, as numbers."""
    if not o.fills:
        return ""
    fee = n(-o.fee)  # written as a JSON number with the exact digits
    return (f'{{"newFees":{{"c":0,"d":0,"deduction":false,"r":{fee},"t":{fee},'
            f'"totalDeductionFee":0}}}}')


def _row(o: SimOrder) -> dict[str, object]:
    avg = o.avg_price
    return {
        "userId": USER_ID, "symbol": BitgetProtocol.venue_id(o.spec),
        "orderId": str(o.order_id), "clientOid": o.client_id, "price": n(o.price),
        "size": n(o.qty), "orderType": "limit", "side": o.side.value,
        "status": STATUS[o.state], "priceAvg": "0" if avg is None else n(avg),
        "baseVolume": n(o.filled), "quoteVolume": n(o.quote), "enterPointSource": "API",
        "feeDetail": _fee_detail(o), "orderSource": "normal",
        "cancelReason": "normal_cancel" if o.state is State.CANCELED else "",
        "cTime": str(o.created_ms), "uTime": str(o.updated_ms)}


def _find(call: Call) -> SimOrder | Reply:
    order_id, cl = call.text("orderId"), call.text("clientOid")
    if order_id is None and cl is None:
        return error(call.now_ms, "40019", "Parameter orderId cannot be empty")
    found = None if order_id is not None and not order_id.isdigit() else call.account.find(
        client_id=None if order_id else cl, order_id=None if order_id is None else int(order_id))
    symbol = call.text("symbol")
    if found is None or symbol not in (None, BitgetProtocol.venue_id(found.spec)):
        return error(call.now_ms, "43001", "The order does not exist")
    return found


def _query(call: Call) -> Reply:
    found = _find(call)
    return found if isinstance(found, Reply) else ok([_row(found)], call.now_ms)


def _cancel(call: Call) -> Reply:
    if (bad := required(call, "symbol")) is not None:
        return bad
    found = _find(call)
    if isinstance(found, Reply):
        return found
    done = call.account.cancel(order_id=found.order_id)
    if isinstance(done, CancelError):
        return error(call.now_ms, "43004", "There is no order to cancel")
    return ok({"orderId": str(done.order_id), "clientOid": done.client_id}, call.now_ms)


def _assets(call: Call) -> Reply:
    coin, everything = call.text("coin"), call.text("assetType") == "all"
    rows = [{"coin": asset, "available": n(b.free), "frozen": n(b.locked), "locked": "0",
             "limitAvailable": "0", "uTime": str(call.now_ms)}
            for asset, b in sorted(call.account.view().balances.items())
            if (asset == coin if coin else everything or b.total != 0)]
    return ok(rows, call.now_ms)


def _trade_rate(call: Call) -> Reply:
    if (bad := required(call, "symbol")) is not None:
        return bad
    if call.text("businessType") is None and call.text("business") is None:
        return error(call.now_ms, "40019", "Parameter businessType cannot be empty")
    if call.text("symbol") not in call.lookup:
        return error(call.now_ms, "40034", f"Parameter {call.text('symbol')} does not exist")
    fees = call.account.fees
    return ok({"makerFeeRate": n(fees.maker), "takerFeeRate": n(fees.taker)}, call.now_ms)


PRIVATE = BitgetPrivate
