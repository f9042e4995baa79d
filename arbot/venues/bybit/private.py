"""Bybit v5 private stream: `auth`, then the `order`, `execution` and `wallet` topics.

Docs: "WebSocket Connect" (https://bybit-exchange.github.io/docs/v5/ws/connect):
`{"op":"auth","args":[api_key, expires, signature]}`, the signature being hex
HMAC-SHA256 of `"GET/realtime" + expires`, expires in ms "greater than your current
timestamp"; a `{"op":"ping"}` every 20 s is recommended. "Order", "Execution" and
"Wallet" (https://bybit-exchange.github.io/docs/v5/websocket/private/order etc.): the
all-in-one topics carry every category, so rows that are not `spot` are skipped.
"""

from __future__ import annotations

import msgspec

from arbot.domain import Balance, OrderStatus, Pong, SubscribeAck, Venue, VenueError
from arbot.exchanges.drops import Drop, DropCounter
from arbot.exchanges.feedadapter import Heartbeat
from arbot.exchanges.orderwire import num, side_of, status_of
from arbot.exchanges.privatewire import (
    Deliver,
    LoginProblem,
    OnLogin,
    PrivateParser,
    StreamProtocol,
    amount,
)
from arbot.exchanges.signing import Credentials, hmac_hex
from arbot.privateevents import BalanceUpdate, Fill, OrderUpdate
from arbot.venues.bybit.rest import _STATUS as STATUS  # the REST names are the stream's

_VENUE = Venue.BYBIT
# How far ahead of the venue's clock the login's `expires` is set: the docs' recipe
# adds one second; a little more leaves room for the measured clock offset's error.
EXPIRES_AHEAD_MS = 5_000
TOPICS = ("order", "execution", "wallet")


class _Order(msgspec.Struct):
    orderId: str
    orderStatus: str
    symbol: str = ""
    orderLinkId: str = ""
    side: str = ""
    category: str = "spot"
    cumExecQty: str = ""
    avgPrice: str = ""
    cumExecFee: str = ""
    feeCurrency: str = ""
    cumFeeDetail: dict[str, str] | None = None
    updatedTime: str = ""


class _Execution(msgspec.Struct):
    orderId: str
    execId: str
    execPrice: str
    execQty: str
    symbol: str = ""
    orderLinkId: str = ""
    side: str = ""
    category: str = "spot"
    execType: str = "Trade"
    execFee: str = ""
    feeCurrency: str = ""
    execTime: str = ""


class _Coin(msgspec.Struct):
    coin: str
    walletBalance: str = ""
    locked: str = ""


class _Wallet(msgspec.Struct):
    coin: list[_Coin] = []


class _Frame(msgspec.Struct):
    topic: str | None = None
    op: str | None = None
    success: bool | None = None
    ret_msg: str | None = None
    req_id: str | None = None
    creationTime: int | None = None
    data: msgspec.Raw = msgspec.Raw(b"")


_frame = msgspec.json.Decoder(_Frame)
_orders = msgspec.json.Decoder(list[_Order])
_executions = msgspec.json.Decoder(list[_Execution])
_wallets = msgspec.json.Decoder(list[_Wallet])


def _problem(message: str) -> LoginProblem:
    """The docs show no refused `auth` answer, only `success` false and a `ret_msg`: the
    words are all there is to sort the problem by."""
    text = message.lower()
    if "expire" in text or "timestamp" in text:
        return LoginProblem.TIMESTAMP
    if "sign" in text:
        return LoginProblem.SIGNATURE
    if "key" in text or "auth" in text:
        return LoginProblem.KEY
    return LoginProblem.OTHER


class BybitPrivateParser(PrivateParser):
    venue = _VENUE

    def read(self, frame: str | bytes, recv_ns: int) -> None:
        f = _frame.decode(frame)
        if f.topic is None:
            self._reply(f)
        elif not f.data:
            raise ValueError("push without data")
        elif f.topic == "order":
            for o in _orders.decode(f.data):
                self._order(o, f.creationTime, recv_ns)
        elif f.topic == "execution":
            for e in _executions.decode(f.data):
                self._execution(e, recv_ns)
        elif f.topic == "wallet":
            self._wallet(_wallets.decode(f.data), f.creationTime, recv_ns)
        else:
            self.drops.add(Drop.UNUSED_CHANNEL)

    def _reply(self, f: _Frame) -> None:
        if f.op == "auth":
            if f.success:
                self.accepted()
            else:
                message = f.ret_msg or ""
                self.refused("", message, {"": _problem(message)})
        elif f.op in ("ping", "pong"):
            self.events.append(Pong(venue=_VENUE))
        elif f.op == "subscribe" and f.success:
            self.events.append(SubscribeAck(venue=_VENUE, ref=f.req_id or "subscribe"))
        elif f.success is False:
            self.events.append(VenueError(venue=_VENUE, code="", message=f.ret_msg or ""))
        else:
            raise ValueError(f"unexpected reply to {f.op!r}")

    def _order(self, o: _Order, ts: int | None, recv_ns: int) -> None:
        if o.category != "spot":
            self.drops.add(Drop.NOT_SPOT)
            return
        status = status_of(STATUS, o.orderStatus)
        filled = amount(o.cumExecQty)
        # "cumFeeDetail: spot: cumulative trading fee details instead of cumExecFee".
        fee_asset, fee = next(iter((o.cumFeeDetail or {}).items()),
                              (o.feeCurrency, o.cumExecFee))
        self.deliver(OrderUpdate(
            venue=_VENUE, client_id=o.orderLinkId, venue_order_id=o.orderId,
            venue_symbol=o.symbol, status=status, filled_qty=filled,
            avg_price=amount(o.avgPrice) if filled > 0 else 0.0, fee=num(fee),
            fee_asset=fee_asset if num(fee) else "",
            ts_exchange_ms=int(o.updatedTime) if o.updatedTime else ts, ts_recv_ns=recv_ns))
        if status is OrderStatus.UNKNOWN:
            self.drops.add(Drop.INVALID_FRAME)

    def _execution(self, e: _Execution, recv_ns: int) -> None:
        if e.category != "spot":
            self.drops.add(Drop.NOT_SPOT)
            return
        if e.execType != "Trade":
            return  # funding, settlement: no trade of ours
        self.deliver(Fill(
            venue=_VENUE, client_id=e.orderLinkId, venue_order_id=e.orderId,
            venue_symbol=e.symbol, trade_id=e.execId, side=side_of(e.side),
            price=amount(e.execPrice), qty=amount(e.execQty), fee=num(e.execFee),
            fee_asset=e.feeCurrency, ts_exchange_ms=int(e.execTime) if e.execTime else None,
            ts_recv_ns=recv_ns))

    def _wallet(self, wallets: list[_Wallet], ts: int | None, recv_ns: int) -> None:
        # "locked: Locked balance due to the Spot open order"; the rest of the wallet
        # balance is free to trade.
        out = {}
        for w in wallets:
            for c in w.coin:
                total, locked = amount(c.walletBalance), amount(c.locked)
                out[c.coin.upper()] = Balance(asset=c.coin.upper(), free=max(0.0, total - locked),
                                              locked=locked)
        self.deliver(BalanceUpdate(venue=_VENUE, balances=out, ts_exchange_ms=ts,
                                   ts_recv_ns=recv_ns))


class BybitStream(StreamProtocol):
    venue = _VENUE
    heartbeat = Heartbeat(frame='{"op":"ping"}', interval_s=20.0)

    def login_frames(self, creds: Credentials, ts_ms: int) -> list[str]:
        expires = ts_ms + EXPIRES_AHEAD_MS
        signature = hmac_hex(creds.secret, f"GET/realtime{expires}")
        return [msgspec.json.encode({"req_id": "auth", "op": "auth",
                                     "args": [creds.key, expires, signature]}).decode()]

    def subscribe_frames(self) -> list[str]:
        # "All-In-One topic and Categorised topic cannot be in the same subscription".
        return [msgspec.json.encode({"req_id": "private", "op": "subscribe",
                                     "args": list(TOPICS)}).decode()]

    def new_parser(self, drops: DropCounter, deliver: Deliver, on_login: OnLogin
                   ) -> PrivateParser:
        return BybitPrivateParser(drops, deliver, on_login)


STREAM = BybitStream
