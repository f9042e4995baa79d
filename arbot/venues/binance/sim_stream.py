"""Binance spot User Data Stream on the WebSocket API, as the simulator serves it.

Sources: binance/binance-spot-api-docs `web-socket-api.md` ("General API Information":
server pings every 20 s, a connection without pongs is closed; "SIGNED request
security": params but `signature` sorted by name, hex HMAC-SHA256; the
`userDataStream.subscribe.signature` and `ping` methods; the error envelope
`{"id":..,"status":4XX,"error":{"code":..,"msg":..}}`), `errors.md` (-1021, -1022,
-2015), `user-data-stream.md` (events wrapped in `{"subscriptionId":..,"event":..}`;
`executionReport` per order change and per trade, `outboundAccountPosition` "sent any
time an account balance has changed").
"""

from __future__ import annotations

from collections.abc import Mapping

from arbot.domain import Venue
from arbot.sim.auth import AuthFailure
from arbot.sim.orders import ZERO, Balance, SimOrder, State
from arbot.sim.stream import Conn, Login, StreamApi, check_login, new_fills, read_object
from arbot.sim.wire import JsonObj, dumps
from arbot.venues.binance.sim import BinanceProtocol
from arbot.venues.binance.sim_private import STATUS, _n

RECV_WINDOW_MS = 5000  # the default `recvWindow`
SUBSCRIPTION = 0
_REFUSALS: Mapping[AuthFailure, tuple[int, int, str]] = {
    AuthFailure.UNKNOWN_KEY: (401, -2015, "Invalid API-key, IP, or permissions for action."),
    AuthFailure.MISSING_KEY: (401, -2015, "Invalid API-key, IP, or permissions for action."),
    AuthFailure.EXPIRED: (400, -1021, "Timestamp for this request is outside of the "
                                      "recvWindow."),
    AuthFailure.BAD_TIMESTAMP: (400, -1021, "Timestamp for this request is outside of the "
                                            "recvWindow."),
}
_BAD_SIGNATURE = (400, -1022, "Signature for this request is not valid.")


def _answer(req_id: object, result: JsonObj) -> bytes:
    return dumps({"id": req_id, "status": 200, "result": result})


def _error(req_id: object, status: int, code: int, msg: str) -> bytes:
    return dumps({"id": req_id, "status": status, "error": {"code": code, "msg": msg}})


def _fresh(ts_ms: int, now_ms: int) -> bool:
    return ts_ms < now_ms + 1000 and now_ms - ts_ms <= RECV_WINDOW_MS


def _subscribe(req_id: object, params: object, conn: Conn) -> bytes:
    if not isinstance(params, dict):
        return _error(req_id, 400, -1102, "Mandatory parameter 'apiKey' was not sent, was "
                                          "empty/null, or malformed.")
    shown = {k: str(v) for k, v in params.items() if k != "signature"}
    prehash = "&".join(f"{k}={v}" for k, v in sorted(shown.items())).encode()
    ts = params.get("timestamp")
    login = Login(str(params.get("apiKey", "")),
                  ts if isinstance(ts, int) and not isinstance(ts, bool) else None,
                  str(params.get("signature", "")), prehash, "hex")
    failure = check_login(login, conn, _fresh)
    if failure is None:
        conn.authed = True
        conn.topics.add("user")
        return _answer(req_id, {"subscriptionId": SUBSCRIPTION})
    return _error(req_id, *_REFUSALS.get(failure, _BAD_SIGNATURE))


def _wrap(event: JsonObj) -> bytes:
    return dumps({"subscriptionId": SUBSCRIPTION, "event": event})


class BinanceStream(StreamApi):
    venue = Venue.BINANCE
    paths = ("/ws-api/v3",)
    server_pings = True

    def handle(self, text: str, conn: Conn) -> list[bytes]:
        obj = read_object(text)
        if obj is None:
            return [_error(None, 400, -1000, "Malformed request.")]
        req_id, method = obj.get("id"), obj.get("method")
        if method == "ping":
            return [_answer(req_id, {})]
        if method == "userDataStream.subscribe.signature":
            return [_subscribe(req_id, obj.get("params"), conn)]
        return [_error(req_id, 400, -1000, f"Unknown method: {method}")]

    def order_frames(self, order: SimOrder, conn: Conn) -> list[bytes]:
        if "user" not in conn.topics:
            return []
        now = conn.now_ms()
        base: JsonObj = {
            "e": "executionReport", "E": now, "s": BinanceProtocol.venue_id(order.spec),
            "c": order.client_id, "S": order.side.value.upper(), "o": "LIMIT",
            "f": order.tif.value, "q": _n(order.qty), "p": _n(order.price), "C": "",
            "r": "NONE", "i": order.order_id, "l": _n(ZERO), "z": _n(ZERO), "L": _n(ZERO),
            "n": "0", "N": None, "T": order.created_ms, "t": -1, "w": False, "m": False,
            "O": order.created_ms, "Z": _n(ZERO), "Y": _n(ZERO), "Q": _n(ZERO),
            "W": order.created_ms, "V": "NONE"}
        if order.state is State.CANCELED:
            return [_wrap({**base, "c": f"cancel{order.order_id}", "C": order.client_id,
                           "x": "CANCELED", "X": "CANCELED", "z": _n(order.filled),
                           "Z": _n(order.quote), "T": order.updated_ms})]
        frames = [_wrap({**base, "x": "NEW", "X": "NEW"})]
        filled = quote = ZERO
        for f in new_fills(order):
            filled, quote = filled + f.qty, quote + f.price * f.qty
            state = "FILLED" if filled == order.qty else "PARTIALLY_FILLED"
            frames.append(_wrap({**base, "x": "TRADE", "X": state, "l": _n(f.qty),
                                 "z": _n(filled), "L": _n(f.price), "Z": _n(quote),
                                 "n": _n(f.fee), "N": order.fee_asset, "t": f.trade_id,
                                 "Y": _n(f.price * f.qty), "w": False}))
        if order.state is State.EXPIRED:
            frames.append(_wrap({**base, "x": "EXPIRED", "X": STATUS[order.state],
                                 "z": _n(filled), "Z": _n(quote), "T": order.updated_ms}))
        return frames

    def balance_frames(self, balances: Mapping[str, Balance], conn: Conn) -> list[bytes]:
        if "user" not in conn.topics:
            return []
        now = conn.now_ms()
        rows = [{"a": asset, "f": _n(b.free), "l": _n(b.locked)}
                for asset, b in sorted(balances.items())]
        return [_wrap({"e": "outboundAccountPosition", "E": now, "u": now, "B": rows})]


STREAM = BinanceStream
