"""Bybit v5 private stream as the simulator serves it.

Sources: bybit-exchange/docs `docs/v5/websocket/wss-authentication.mdx` (the `auth` op:
args [api_key, expires, signature], signature = hex HMAC-SHA256 of "GET/realtime" +
expires, expires "greater than your current timestamp"; `{"op":"ping"}` answered with
`{"op":"pong",...}`), `docs/v5/websocket/private/{order,execution,wallet}.mdx` (topics
and fields; the wallet topic gives no snapshot on subscribing). The docs show no refused
`auth` answer: the simulator sends the success envelope with `"success":false` and a
`ret_msg` naming the problem, and keeps the connection open.
"""

from __future__ import annotations

from collections.abc import Mapping

from arbot.domain import Venue
from arbot.sim.auth import AuthFailure
from arbot.sim.orders import Balance, SimOrder
from arbot.sim.stream import Conn, Login, StreamApi, check_login, new_fills, read_object
from arbot.sim.wire import JsonObj, dumps
from arbot.venues.bybit.sim import BybitProtocol
from arbot.venues.bybit.sim_private import _n, _status

TOPICS = frozenset({"order", "execution", "wallet", "order.spot", "execution.spot"})
_REFUSALS: Mapping[AuthFailure, str] = {
    AuthFailure.UNKNOWN_KEY: "API key is invalid.",
    AuthFailure.MISSING_KEY: "API key is invalid.",
    AuthFailure.EXPIRED: "Request expired: expires is not greater than the server time",
    AuthFailure.BAD_TIMESTAMP: "Request expired: expires is not a timestamp",
}
_BAD_SIGNATURE = "Signature verification failed"


def _reply(conn: Conn, op: str, success: bool, msg: str = "", req_id: object = None
           ) -> bytes:
    out: JsonObj = {"success": success, "ret_msg": msg, "op": op, "conn_id": conn.conn_id}
    if isinstance(req_id, str):
        out["req_id"] = req_id
    return dumps(out)


def _auth(obj: JsonObj, conn: Conn) -> bytes:
    args = obj.get("args")
    if not (isinstance(args, list) and len(args) == 3):
        return _reply(conn, "auth", False, "Params Error", obj.get("req_id"))
    key, expires, signature = args
    ts = expires if isinstance(expires, int) and not isinstance(expires, bool) else None
    login = Login(str(key), ts, str(signature), f"GET/realtime{expires}".encode(), "hex")
    failure = check_login(login, conn, lambda ts_ms, now_ms: ts_ms > now_ms)
    if failure is None:
        conn.authed = True
        return _reply(conn, "auth", True, "", obj.get("req_id"))
    return _reply(conn, "auth", False, _REFUSALS.get(failure, _BAD_SIGNATURE),
                  obj.get("req_id"))


def _push(topic: str, rows: list[JsonObj], now_ms: int) -> bytes:
    return dumps({"id": f"{topic}-{now_ms}", "topic": topic, "creationTime": now_ms,
                  "data": rows})


class BybitStream(StreamApi):
    venue = Venue.BYBIT
    paths = ("/v5/private",)

    def handle(self, text: str, conn: Conn) -> list[bytes]:
        obj = read_object(text)
        if obj is None:
            return [_reply(conn, "", False, "error:handler not found")]
        op, req_id = obj.get("op"), obj.get("req_id")
        if op == "ping":
            return [dumps({"req_id": req_id if isinstance(req_id, str) else "", "op": "pong",
                           "args": [str(conn.now_ms())], "conn_id": conn.conn_id})]
        if op == "auth":
            return [_auth(obj, conn)]
        if op != "subscribe":
            return [_reply(conn, str(op), False, f"error:handler not found, op:{op}")]
        if not conn.authed:
            return [_reply(conn, "subscribe", False, "Request not authorized", req_id)]
        args = obj.get("args")
        if not (isinstance(args, list) and args and all(a in TOPICS for a in args)):
            return [_reply(conn, "subscribe", False, f"Invalid topic: {args}", req_id)]
        conn.topics.update(str(a).partition(".")[0] for a in args)
        return [_reply(conn, "subscribe", True, "", req_id)]

    def order_frames(self, order: SimOrder, conn: Conn) -> list[bytes]:
        now = conn.now_ms()
        symbol = BybitProtocol.venue_id(order.spec)
        side = order.side.value.capitalize()
        out = []
        fills = new_fills(order)
        if "execution" in conn.topics and fills:
            done = []
            for f in fills:
                done.append(f.qty)
                out.append({
                    "category": "spot", "symbol": symbol, "execFee": _n(f.fee),
                    "execId": str(f.trade_id), "execPrice": _n(f.price), "execQty": _n(f.qty),
                    "execType": "Trade", "execValue": _n(f.price * f.qty),
                    "feeRate": "", "leavesQty": _n(order.qty - sum(done)),
                    "orderId": str(order.order_id), "orderLinkId": order.client_id,
                    "orderPrice": _n(order.price), "orderQty": _n(order.qty),
                    "orderType": "Limit", "side": side, "execTime": str(order.updated_ms),
                    "isMaker": False, "feeCurrency": order.fee_asset})
        frames = [_push("execution", out, now)] if out else []
        if "order" in conn.topics:
            avg = order.avg_price
            frames.append(_push("order", [{
                "category": "spot", "symbol": symbol, "orderId": str(order.order_id),
                "orderLinkId": order.client_id, "side": side, "orderType": "Limit",
                "price": _n(order.price), "qty": _n(order.qty),
                "timeInForce": order.tif.value, "orderStatus": _status(order),
                "cumExecQty": _n(order.filled), "cumExecValue": _n(order.quote),
                "avgPrice": "" if avg is None else _n(avg), "cumExecFee": _n(order.fee),
                "feeCurrency": order.fee_asset,
                "cumFeeDetail": {order.fee_asset: _n(order.fee)} if order.fee else {},
                "leavesQty": _n(order.remaining if order.is_open else order.qty * 0),
                "rejectReason": "EC_NoError", "createdTime": str(order.created_ms),
                "updatedTime": str(order.updated_ms)}], now))
        return frames

    def balance_frames(self, balances: Mapping[str, Balance], conn: Conn) -> list[bytes]:
        if "wallet" not in conn.topics:
            return []
        coins = [{"coin": asset, "equity": _n(b.total), "walletBalance": _n(b.total),
                  "locked": _n(b.locked), "spotBorrow": "0", "usdValue": ""}
                 for asset, b in sorted(balances.items())]
        return [_push("wallet", [{"accountType": "UNIFIED", "coin": coins}], conn.now_ms())]


STREAM = BybitStream
