"""OKX v5 private stream as the simulator serves it.

Sources: https://www.okx.com/docs-v5/en/ "Overview / WebSocket / Login" (`op` login with
apiKey, passphrase, timestamp in seconds and a Base64 HMAC-SHA256 of timestamp + "GET" +
"/users/self/verify"; "The request will expire 30 seconds after the timestamp"; success
`{"event":"login","code":"0"}`, failure `{"event":"error","code":"60009",...}`),
"Error codes" (60004-60032), "Overview / WebSocket / Connect" (text `ping` -> `pong`;
"the connection will break automatically" after 30 s without data), "Order channel"
(one push per fill with `tradeId`, `fillSz`, `accFillSz`, fees negative), "Account
channel" (`details` per currency; `updateInterval` "0": account events only). An IOC
order's unfilled rest ends it as `canceled` ("Order details": IOC "canceled").
"""

from __future__ import annotations

from collections.abc import Mapping

from arbot.domain import Venue
from arbot.sim.auth import AuthFailure
from arbot.sim.orders import ZERO, Balance, SimOrder, State
from arbot.sim.stream import (
    Conn,
    StreamApi,
    check_login,
    new_fills,
    passphrase_login,
    read_object,
)
from arbot.sim.wire import JsonObj, dumps
from arbot.venues.okx.sim import OkxProtocol
from arbot.venues.okx.sim_private import STATES, _n

WINDOW_MS = 30_000
CHANNELS = frozenset({"orders", "account"})
_REFUSALS: Mapping[AuthFailure, tuple[str, str]] = {
    AuthFailure.UNKNOWN_KEY: ("60005", "Invalid OK-ACCESS-KEY"),
    AuthFailure.MISSING_KEY: ("60005", "Invalid OK-ACCESS-KEY"),
    AuthFailure.BAD_PASSPHRASE: ("60024", "Wrong passphrase"),
    AuthFailure.MISSING_PASSPHRASE: ("60024", "Wrong passphrase"),
    AuthFailure.EXPIRED: ("60006", "Timestamp request expired"),
    AuthFailure.BAD_TIMESTAMP: ("60004", "Invalid timestamp"),
}
_BAD_SIGN = ("60007", "Invalid sign")


def _error(conn: Conn, code: str, msg: str) -> bytes:
    return dumps({"event": "error", "code": code, "msg": msg, "connId": conn.conn_id})


def _login(args: object, conn: Conn) -> bytes:
    login = passphrase_login(args, "/users/self/verify")
    if login is None:
        return _error(conn, "60009", "Login failed.")
    failure = check_login(login, conn, lambda ts_ms, now_ms: abs(now_ms - ts_ms) <= WINDOW_MS)
    if failure is None:
        conn.authed = True
        return dumps({"event": "login", "code": "0", "msg": "", "connId": conn.conn_id})
    return _error(conn, *_REFUSALS.get(failure, _BAD_SIGN))


def _subscribe(obj: JsonObj, conn: Conn) -> list[bytes]:
    args = obj.get("args")
    if not (isinstance(args, list) and args and all(isinstance(a, dict) for a in args)):
        return [_error(conn, "60012", f"Invalid request: {obj}")]
    if not conn.authed:
        return [_error(conn, "60011", "Please log in")]
    out = []
    for arg in args:
        if arg.get("channel") not in CHANNELS:
            out.append(_error(conn, "60018", f"Wrong URL or channel:{arg.get('channel')}, "
                                             "instId or instType doesn't exist."))
            continue
        conn.topics.add(str(arg["channel"]))
        ack: JsonObj = {"event": "subscribe", "arg": arg, "connId": conn.conn_id}
        if isinstance(obj.get("id"), str):
            ack = {"id": obj["id"], **ack}
        out.append(dumps(ack))
    return out


class OkxStream(StreamApi):
    venue = Venue.OKX
    paths = ("/ws/v5/private",)

    def handle(self, text: str, conn: Conn) -> list[bytes]:
        if text == "ping":
            return [b"pong"]
        obj = read_object(text)
        if obj is None:
            return [_error(conn, "60012", f"Invalid request: {text[:200]}")]
        op = obj.get("op")
        if op == "login":
            return [_login(obj.get("args"), conn)]
        if op == "subscribe":
            return _subscribe(obj, conn)
        return [_error(conn, "60012", f"Invalid request: {text[:200]}")]

    def order_frames(self, order: SimOrder, conn: Conn) -> list[bytes]:
        if "orders" not in conn.topics:
            return []
        inst = OkxProtocol.venue_id(order.spec)
        base: JsonObj = {
            "instType": "SPOT", "instId": inst, "ccy": "", "ordId": str(order.order_id),
            "clOrdId": order.client_id, "tag": "", "px": _n(order.price), "sz": _n(order.qty),
            "ordType": "ioc" if order.tif.value == "IOC" else "limit",
            "side": order.side.value, "tdMode": "cash", "accFillSz": "0", "avgPx": "0",
            "fee": "0", "feeCcy": order.fee_asset, "tradeId": "", "fillPx": "",
            "fillSz": "0", "fillFee": "0", "fillFeeCcy": "", "fillTime": "",
            "execType": "", "state": "live", "code": "0", "msg": "",
            "cTime": str(order.created_ms), "uTime": str(order.updated_ms)}
        if order.state is State.CANCELED:
            return [self._push(conn, self._totals(base, order, "canceled"))]
        rows = [base]
        filled = quote = fee = ZERO
        for f in new_fills(order):
            filled, quote, fee = filled + f.qty, quote + f.price * f.qty, fee + f.fee
            state = "filled" if filled == order.qty else "partially_filled"
            rows.append({**base, "state": state, "accFillSz": _n(filled),
                         "avgPx": _n(quote / filled), "fee": _n(-fee), "tradeId": str(f.trade_id),
                         "fillPx": _n(f.price), "fillSz": _n(f.qty), "fillFee": _n(-f.fee),
                         "fillFeeCcy": order.fee_asset, "fillTime": str(order.updated_ms),
                         "execType": "T"})
        if order.state is State.EXPIRED:
            rows.append(self._totals(base, order, STATES[order.state]))
        return [self._push(conn, row) for row in rows]

    @staticmethod
    def _totals(base: JsonObj, order: SimOrder, state: str) -> JsonObj:
        avg = order.avg_price
        return {**base, "state": state, "accFillSz": _n(order.filled),
                "avgPx": "0" if avg is None else _n(avg), "fee": _n(-order.fee)}

    @staticmethod
    def _push(conn: Conn, row: JsonObj) -> bytes:
        return dumps({"arg": {"channel": "orders", "instType": "SPOT", "uid": conn.conn_id},
                      "data": [row]})

    def balance_frames(self, balances: Mapping[str, Balance], conn: Conn) -> list[bytes]:
        if "account" not in conn.topics:
            return []
        now = str(conn.now_ms())
        details = [{"ccy": asset, "availBal": _n(b.free), "frozenBal": _n(b.locked),
                    "cashBal": _n(b.total), "eq": _n(b.total), "uTime": now}
                   for asset, b in sorted(balances.items())]
        return [dumps({"arg": {"channel": "account", "uid": conn.conn_id},
                       "eventType": "event_update", "curPage": 1, "lastPage": True,
                       "data": [{"uTime": now, "totalEq": "", "details": details}]})]


STREAM = OkxStream
