"""Bitget private streams as the simulator serves them: v2 (classic accounts) and v3
(unified accounts, UTA).

Sources: https://www.bitget.com/api-doc/ "common/websocket-intro" (`op` login with
apiKey, passphrase, timestamp and sign = Base64 HMAC-SHA256 of timestamp + "GET" +
"/user/verify", "which will expire in 30 seconds"; the page's text says milliseconds
and its example seconds, so both are taken; "If login fails, it will automatically
disconnect"; `ping` -> `pong`, cut after 2 minutes without a ping; its WebSocket error
codes 30004-30015), "spot/websocket/private/{Order,Fill,Account}-Channel" (fields;
orders and fills give no push on subscribing, fees are negative on the order channel,
positive `totalFee` on the fill channel). An IOC order's unfilled rest ends it as
`cancelled`. "uta/guide" and "uta/websocket/private/{Order,Fill,Account}-Channel": v3
at `/v3/ws/private` takes args `{"instType":"UTA","topic":..}` for `order`, `fill` and
`account`, rows carry a `category` (written "spot" here), fees positive; its pages do
not restate the login or the heartbeat, so v2's apply. Both paths take logins and
subscriptions whatever the account's mode, but an account's changes are pushed only on
its own mode's stream (v2 classic, v3 unified).
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
from arbot.venues.bitget import SPEC
from arbot.venues.bitget.sim import BitgetProtocol
from arbot.venues.bitget.sim_private import STATUS
from arbot.venues.bitget.sim_reply import n as _n

WINDOW_MS = 30_000
CHANNELS = frozenset({"orders", "order", "fill", "account"})  # v2 "orders", v3 "order"
UNIFIED_PATH = "/v3/ws/private"
UTA = SPEC.account_modes[1]  # the unified account's mode
_REFUSALS: Mapping[AuthFailure, tuple[str, str]] = {
    AuthFailure.UNKNOWN_KEY: ("30011", "Invalid ACCESS_KEY"),
    AuthFailure.MISSING_KEY: ("30011", "Invalid ACCESS_KEY"),
    AuthFailure.BAD_PASSPHRASE: ("30012", "Invalid ACCESS_PASSPHRASE"),
    AuthFailure.MISSING_PASSPHRASE: ("30012", "Invalid ACCESS_PASSPHRASE"),
    AuthFailure.BAD_TIMESTAMP: ("30013", "Invalid ACCESS_TIMESTAMP"),
    AuthFailure.EXPIRED: ("30014", "Request timestamp expired"),
}
_BAD_SIGN = ("30015", "Invalid signature")


def _error(code: str, msg: str) -> bytes:
    return dumps({"event": "error", "code": code, "msg": msg})


def _login(args: object, conn: Conn) -> bytes:
    login = passphrase_login(args, "/user/verify", ms_too=True)
    failure = None if login is None else check_login(
        login, conn, lambda ts_ms, now_ms: abs(now_ms - ts_ms) <= WINDOW_MS)
    if login is not None and failure is None:
        conn.authed = True
        return dumps({"event": "login", "code": "0", "msg": ""})
    conn.close_after_reply = True
    if failure is None:
        return _error("30005", "Login failed")
    return _error(*_REFUSALS.get(failure, _BAD_SIGN))


def _subscribe(args: object, conn: Conn) -> list[bytes]:
    if not (isinstance(args, list) and args and all(isinstance(a, dict) for a in args)):
        return [_error("30002", "illegal request")]
    if not conn.authed:
        return [_error("30004", "User needs to log in")]
    unified = conn.path == UNIFIED_PATH
    name, kind = ("topic", "UTA") if unified else ("channel", "SPOT")
    out = []
    for arg in args:
        if arg.get(name) not in CHANNELS - {"orders" if unified else "order"} or \
                arg.get("instType") != kind:
            out.append(_error("30001", f"{name}:{arg.get(name)} doesn't exist"))
            continue
        conn.topics.add(str(arg[name]))
        out.append(dumps({"event": "subscribe", "arg": arg}))
    return out


def _push(channel: str, rows: list[JsonObj], now_ms: int, key: str = "instId") -> bytes:
    return dumps({"action": "snapshot",
                  "arg": {"instType": "SPOT", "channel": channel, key: "default"},
                  "data": rows, "ts": now_ms})


class BitgetStream(StreamApi):
    venue = Venue.BITGET
    paths = ("/v2/ws/private", UNIFIED_PATH)

    def handle(self, text: str, conn: Conn) -> list[bytes]:
        if text == "ping":
            return [b"pong"]
        obj = read_object(text)
        if obj is None:
            return [_error("30002", "illegal request")]
        op = obj.get("op")
        if op == "login":
            return [_login(obj.get("args"), conn)]
        if op == "subscribe":
            return _subscribe(obj.get("args"), conn)
        return [_error("30003", "invalid op")]

    def order_frames(self, order: SimOrder, conn: Conn) -> list[bytes]:
        if not _own_stream(conn):
            return []
        if conn.path == UNIFIED_PATH:
            return _unified_order(order, conn)
        now = conn.now_ms()
        symbol = BitgetProtocol.venue_id(order.spec)
        fills = new_fills(order)
        frames = []
        if "fill" in conn.topics and fills:
            frames.append(_push("fill", [{
                "orderId": str(order.order_id), "tradeId": str(f.trade_id), "symbol": symbol,
                "orderType": "limit", "side": order.side.value, "priceAvg": _n(f.price),
                "size": _n(f.qty), "amount": _n(f.price * f.qty), "tradeScope": "taker",
                "feeDetail": [{"feeCoin": order.fee_asset, "deduction": "no",
                               "totalDeductionFee": "0", "totalFee": _n(f.fee)}],
                "cTime": str(order.created_ms), "uTime": str(order.updated_ms)}
                for f in fills], now))
        if "orders" not in conn.topics:
            return frames
        base: JsonObj = {
            "instId": symbol, "orderId": str(order.order_id), "clientOid": order.client_id,
            "size": _n(order.qty), "price": _n(order.price), "orderType": "limit",
            "force": order.tif.value.lower(), "side": order.side.value,
            "accBaseVolume": "0", "priceAvg": "0", "status": "live", "feeDetail": [],
            "cTime": str(order.created_ms), "uTime": str(order.updated_ms)}
        rows = []
        filled = quote = fee = ZERO
        for f in fills:
            filled, quote, fee = filled + f.qty, quote + f.price * f.qty, fee + f.fee
            rows.append({**base, "fillPrice": _n(f.price), "tradeId": str(f.trade_id),
                         "baseVolume": _n(f.qty), "fillTime": str(order.updated_ms),
                         "fillFee": _n(-f.fee), "fillFeeCoin": order.fee_asset,
                         "tradeScope": "T", "accBaseVolume": _n(filled),
                         "priceAvg": _n(quote / filled),
                         "status": "filled" if filled == order.qty else "partially_filled",
                         "feeDetail": [{"feeCoin": order.fee_asset, "fee": _n(-fee)}]})
        if order.state in (State.CANCELED, State.EXPIRED) or not rows:
            avg = order.avg_price
            rows.append({**base, "status": STATUS[order.state], "accBaseVolume": _n(order.filled),
                         "priceAvg": "0" if avg is None else _n(avg),
                         "feeDetail": [{"feeCoin": order.fee_asset, "fee": _n(-order.fee)}]
                         if order.fee else []})
        frames.extend(_push("orders", [row], now) for row in rows)
        return frames

    def balance_frames(self, balances: Mapping[str, Balance], conn: Conn) -> list[bytes]:
        if "account" not in conn.topics or not _own_stream(conn):
            return []
        now = conn.now_ms()
        if conn.path == UNIFIED_PATH:
            coins = [{"coin": asset, "balance": _n(b.total), "available": _n(b.free),
                      "locked": _n(b.locked), "equity": _n(b.total), "debts": "0",
                      "borrow": "0", "usdValue": ""} for asset, b in sorted(balances.items())]
            return [_unified_push("account", [{"coin": coins}], now)]
        rows = [{"coin": asset, "available": _n(b.free), "frozen": "0", "locked": _n(b.locked),
                 "limitAvailable": "0", "uTime": str(now)}
                for asset, b in sorted(balances.items())]
        return [_push("account", rows, now, key="coin")]


def _own_stream(conn: Conn) -> bool:
    """Whether the connection is on the stream of the account's mode."""
    return (conn.account_mode() == UTA) == (conn.path == UNIFIED_PATH)


def _unified_push(topic: str, rows: list[JsonObj], now_ms: int) -> bytes:
    return dumps({"action": "snapshot", "arg": {"instType": "UTA", "topic": topic},
                  "data": rows, "ts": now_ms})


def _unified_order(order: SimOrder, conn: Conn) -> list[bytes]:
    """v3: the order's state in one push, its fills in another."""
    now = conn.now_ms()
    symbol = BitgetProtocol.venue_id(order.spec)
    fee = [{"feeCoin": order.fee_asset, "fee": _n(order.fee)}] if order.fee else []
    frames = []
    fills = new_fills(order)
    if "fill" in conn.topics and fills:
        frames.append(_unified_push("fill", [{
            "category": "spot", "symbol": symbol, "orderId": str(order.order_id),
            "clientOid": order.client_id, "execId": str(f.trade_id), "execPrice": _n(f.price),
            "execQty": _n(f.qty), "execValue": _n(f.price * f.qty), "tradeScope": "taker",
            "side": order.side.value, "orderType": "limit",
            "feeDetail": [{"feeCoin": order.fee_asset, "fee": _n(f.fee)}],
            "execTime": str(order.updated_ms), "updatedTime": str(order.updated_ms)}
            for f in fills], now))
    if "order" in conn.topics:
        avg = order.avg_price
        frames.append(_unified_push("order", [{
            "category": "spot", "symbol": symbol, "orderId": str(order.order_id),
            "clientOid": order.client_id, "price": _n(order.price), "qty": _n(order.qty),
            "orderType": "limit", "timeInForce": order.tif.value.lower(),
            "side": order.side.value, "cumExecQty": _n(order.filled),
            "cumExecValue": _n(order.quote), "avgPrice": "0" if avg is None else _n(avg),
            "orderStatus": STATUS[order.state], "feeDetail": fee,
            "createdTime": str(order.created_ms), "updatedTime": str(order.updated_ms)}],
            now))
    return frames


STREAM = BitgetStream
