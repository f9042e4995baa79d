"""OKX v5 private stream: `login`, then the `orders` and `account` channels.

Docs (https://www.okx.com/docs-v5/en/): "Overview / WebSocket / Login": sign = Base64 of
HMAC-SHA256 over timestamp + "GET" + "/users/self/verify", the timestamp in seconds
("The request will expire 30 seconds after the timestamp"); login errors 60004-60032.
"Overview / WebSocket / Connect": send the text `ping` when nothing arrived for N < 30 s.
"Order channel": pushes only on new orders and order updates, `tradeId`/`fillSz` name a
fill, `accFillSz`/`avgPx` are cumulative, `fee` is "accumulated fee charged by the
platform, always negative" for spot (the "fills" channel is VIP5+ only, so the orders
channel is what tells fills). "Account channel": `availBal`/`frozenBal` per currency;
`updateInterval` "0" pushes on account events only. "Notification": `64008` before a
service upgrade closes the connection.
"""

from __future__ import annotations

import msgspec

from arbot.domain import (
    Balance,
    OrderStatus,
    ShutdownNotice,
    SubscribeAck,
    Venue,
    VenueError,
)
from arbot.exchanges.drops import Drop, DropCounter
from arbot.exchanges.feedadapter import Heartbeat
from arbot.exchanges.orderwire import charged, side_of, status_of
from arbot.exchanges.privatewire import (
    Deliver,
    LoginProblem,
    OnLogin,
    PrivateParser,
    StreamProtocol,
    amount,
    one_per_frame,
    stamp_ms,
    verify_login,
)
from arbot.exchanges.signing import Credentials
from arbot.privateevents import BalanceUpdate, Fill, OrderUpdate
from arbot.venues.okx.rest import _STATUS as STATUS  # the REST names are the stream's

_VENUE = Venue.OKX
VERIFY_PATH = "/users/self/verify"
# "Error codes / WebSocket / Public": the login's.
PROBLEMS = {"60004": LoginProblem.TIMESTAMP, "60005": LoginProblem.KEY,
            "60006": LoginProblem.TIMESTAMP, "60007": LoginProblem.SIGNATURE,
            "60009": LoginProblem.OTHER, "60024": LoginProblem.PASSPHRASE,
            "60032": LoginProblem.KEY}
SUBSCRIPTIONS = ({"channel": "orders", "instType": "SPOT"},
                 {"channel": "account", "extraParams": '{"updateInterval": "0"}'})


class _Order(msgspec.Struct):
    ordId: str
    state: str
    instId: str = ""
    instType: str = "SPOT"
    clOrdId: str = ""
    side: str = ""
    accFillSz: str = ""
    avgPx: str = ""
    fee: str = ""
    feeCcy: str = ""
    tradeId: str = ""
    fillPx: str = ""
    fillSz: str = ""
    fillFee: str = ""
    fillFeeCcy: str = ""
    fillTime: str = ""
    uTime: str = ""


class _Detail(msgspec.Struct):
    ccy: str
    availBal: str = ""
    frozenBal: str = ""


class _Account(msgspec.Struct):
    details: list[_Detail] = []
    uTime: str = ""


class _Arg(msgspec.Struct):
    channel: str = ""


class _Frame(msgspec.Struct):
    event: str | None = None
    code: str = ""
    msg: str = ""
    arg: _Arg | None = None
    data: msgspec.Raw = msgspec.Raw(b"")


_frame = msgspec.json.Decoder(_Frame)
_orders = msgspec.json.Decoder(list[_Order])
_accounts = msgspec.json.Decoder(list[_Account])


class OkxPrivateParser(PrivateParser):
    venue = _VENUE

    def read(self, frame: str | bytes, recv_ns: int) -> None:
        if self.text_pong(frame):
            return
        f = _frame.decode(frame)
        if f.event is not None:
            self._event(f)
        elif f.arg is None or not f.data:
            raise ValueError("a push without its channel or data")
        elif f.arg.channel == "orders":
            for o in _orders.decode(f.data):
                self._order(o, recv_ns)
        elif f.arg.channel == "account":
            self._account(_accounts.decode(f.data), recv_ns)
        else:
            self.drops.add(Drop.UNUSED_CHANNEL)

    def _event(self, f: _Frame) -> None:
        if f.event == "login":
            if f.code in ("", "0"):
                self.accepted()
            else:
                self.refused(f.code, f.msg, PROBLEMS)
        elif f.event == "subscribe":
            self.events.append(SubscribeAck(venue=_VENUE, ref=f.arg.channel if f.arg else ""))
        elif f.event == "notice":
            self.events.append(ShutdownNotice(venue=_VENUE, message=f"{f.code} {f.msg}"))
        elif f.event == "error" and f.code in PROBLEMS:
            self.refused(f.code, f.msg, PROBLEMS)
        elif f.event == "error":
            self.events.append(VenueError(venue=_VENUE, code=f.code, message=f.msg))
        else:
            self.drops.add(Drop.UNUSED_CHANNEL)  # channel-conn-count and other news

    def _order(self, o: _Order, recv_ns: int) -> None:
        if o.instType != "SPOT":
            self.drops.add(Drop.NOT_SPOT)
            return
        if o.tradeId:
            self.deliver(Fill(
                venue=_VENUE, client_id=o.clOrdId, venue_order_id=o.ordId,
                venue_symbol=o.instId, trade_id=o.tradeId, side=side_of(o.side),
                price=amount(o.fillPx), qty=amount(o.fillSz), fee=charged(o.fillFee),
                fee_asset=o.fillFeeCcy, ts_exchange_ms=stamp_ms(o.fillTime), ts_recv_ns=recv_ns))
        status = status_of(STATUS, o.state)
        filled, fee = amount(o.accFillSz), charged(o.fee)
        self.deliver(OrderUpdate(
            venue=_VENUE, client_id=o.clOrdId, venue_order_id=o.ordId, venue_symbol=o.instId,
            status=status, filled_qty=filled, avg_price=amount(o.avgPx) if filled > 0 else 0.0,
            fee=fee, fee_asset=o.feeCcy if fee else "", ts_exchange_ms=stamp_ms(o.uTime),
            ts_recv_ns=recv_ns))
        if status is OrderStatus.UNKNOWN:
            self.drops.add(Drop.INVALID_FRAME)

    def _account(self, accounts: list[_Account], recv_ns: int) -> None:
        out = {}
        stamp = None
        for a in accounts:
            stamp = stamp_ms(a.uTime) or stamp
            for d in a.details:
                asset = d.ccy.upper()
                out[asset] = Balance(asset=asset, free=amount(d.availBal),
                                     locked=amount(d.frozenBal))
        self.deliver(BalanceUpdate(venue=_VENUE, balances=out, ts_exchange_ms=stamp,
                                   ts_recv_ns=recv_ns))


class OkxStream(StreamProtocol):
    venue = _VENUE
    heartbeat = Heartbeat(frame="ping", interval_s=25.0, idle_only=True)

    def login_frames(self, creds: Credentials, ts_ms: int) -> list[str]:
        return [verify_login(creds, ts_ms, VERIFY_PATH)]

    def subscribe_frames(self) -> list[str]:
        return one_per_frame(SUBSCRIPTIONS)

    def new_parser(self, drops: DropCounter, deliver: Deliver, on_login: OnLogin
                   ) -> PrivateParser:
        return OkxPrivateParser(drops, deliver, on_login)


STREAM = OkxStream
