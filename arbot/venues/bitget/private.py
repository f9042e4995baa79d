"""Bitget v2 private stream (classic accounts): `login`, then `orders`, `fill` and
`account`.

Docs (https://www.bitget.com/api-doc/): "common/websocket-intro": sign = Base64 of
HMAC-SHA256 over timestamp + "GET" + "/user/verify"; the text says milliseconds but the
page's example and its Java sample send seconds, and seconds are what is sent here; the
text `ping` every 30 s; "If login fails, it will automatically disconnect"; its
"WebSocket error codes" (30004-30015). "spot/websocket/private/Order-Channel":
`accBaseVolume` "Total filled quantity", `priceAvg`, `feeDetail` (fees negative);
"Fill-Channel": one row per trade, without the client id; "Account-Channel": `available`,
`frozen`, `locked` per coin.
"""

from __future__ import annotations

import msgspec

from arbot.domain import Balance, OrderStatus, Pong, SubscribeAck, Venue, VenueError
from arbot.exchanges.base import Drop, DropCounter, Heartbeat
from arbot.exchanges.orderwire import charged, num, side_of, status_of
from arbot.exchanges.privatewire import (
    Deliver,
    LoginProblem,
    OnLogin,
    PrivateParser,
    StreamProtocol,
    amount,
    one_per_frame,
    verify_login,
)
from arbot.exchanges.signing import Credentials
from arbot.privateevents import BalanceUpdate, Fill, OrderUpdate
from arbot.venues.bitget.rest import _STATUS as STATUS  # the REST names are the stream's

_VENUE = Venue.BITGET
VERIFY_PATH = "/user/verify"
PROBLEMS = {"30011": LoginProblem.KEY, "30012": LoginProblem.PASSPHRASE,
            "30013": LoginProblem.TIMESTAMP, "30014": LoginProblem.TIMESTAMP,
            "30015": LoginProblem.SIGNATURE, "30005": LoginProblem.OTHER}
SUBSCRIPTIONS = ({"instType": "SPOT", "channel": "orders", "instId": "default"},
                 {"instType": "SPOT", "channel": "fill", "instId": "default"},
                 {"instType": "SPOT", "channel": "account", "coin": "default"})


class _Fee(msgspec.Struct):
    feeCoin: str = ""
    fee: str = ""
    totalFee: str = ""


class _Order(msgspec.Struct):
    orderId: str
    status: str
    instId: str = ""
    clientOid: str = ""
    side: str = ""
    accBaseVolume: str = ""
    priceAvg: str = ""
    feeDetail: list[_Fee] = []
    uTime: str = ""


class _Trade(msgspec.Struct):
    orderId: str
    tradeId: str
    priceAvg: str
    size: str
    symbol: str = ""
    side: str = ""
    feeDetail: list[_Fee] = []
    uTime: str = ""


class _Coin(msgspec.Struct):
    coin: str
    available: str = ""
    frozen: str = ""
    locked: str = ""


class _Arg(msgspec.Struct):
    channel: str = ""
    instType: str = "SPOT"


class _Frame(msgspec.Struct):
    event: str | None = None
    code: str | int = ""
    msg: str = ""
    arg: _Arg | None = None
    ts: int | None = None
    data: msgspec.Raw = msgspec.Raw(b"")


_frame = msgspec.json.Decoder(_Frame)
_orders = msgspec.json.Decoder(list[_Order])
_trades = msgspec.json.Decoder(list[_Trade])
_coins = msgspec.json.Decoder(list[_Coin])


def _ms(text: str) -> int | None:
    return int(text) if text else None


class BitgetPrivateParser(PrivateParser):
    venue = _VENUE

    def read(self, frame: str | bytes, recv_ns: int) -> None:
        if frame in ("pong", b"pong"):
            self.events.append(Pong(venue=_VENUE))
            return
        f = _frame.decode(frame)
        if f.event is not None:
            self._event(f)
        elif f.arg is None or not f.data:
            raise ValueError("a push without its channel or data")
        elif f.arg.instType.upper() != "SPOT":
            self.drops.add(Drop.NOT_SPOT)
        elif f.arg.channel == "orders":
            for o in _orders.decode(f.data):
                self._order(o, recv_ns)
        elif f.arg.channel == "fill":
            for t in _trades.decode(f.data):
                self._fill(t, recv_ns)
        elif f.arg.channel == "account":
            out = {}
            for c in _coins.decode(f.data):
                asset = c.coin.upper()
                out[asset] = Balance(asset=asset, free=amount(c.available),
                                     locked=amount(c.frozen) + amount(c.locked))
            self.deliver(BalanceUpdate(venue=_VENUE, balances=out, ts_exchange_ms=f.ts,
                                       ts_recv_ns=recv_ns))
        else:
            self.drops.add(Drop.UNUSED_CHANNEL)

    def _event(self, f: _Frame) -> None:
        code = str(f.code)
        if f.event == "login":
            if code in ("", "0"):
                self.accepted()
            else:
                self.refused(code, f.msg, PROBLEMS)
        elif f.event == "subscribe":
            self.events.append(SubscribeAck(venue=_VENUE, ref=f.arg.channel if f.arg else ""))
        elif f.event == "error" and code in PROBLEMS:
            self.refused(code, f.msg, PROBLEMS)
        elif f.event == "error":
            self.events.append(VenueError(venue=_VENUE, code=code, message=f.msg))
        else:
            self.drops.add(Drop.UNUSED_CHANNEL)

    def _order(self, o: _Order, recv_ns: int) -> None:
        status = status_of(STATUS, o.status)
        filled = amount(o.accBaseVolume)
        fee_asset = next((d.feeCoin for d in o.feeDetail if d.feeCoin), "")
        fee = sum(charged(d.fee) for d in o.feeDetail)  # "negative value": a charge
        self.deliver(OrderUpdate(
            venue=_VENUE, client_id=o.clientOid, venue_order_id=o.orderId,
            venue_symbol=o.instId, status=status, filled_qty=filled,
            avg_price=amount(o.priceAvg) if filled > 0 else 0.0, fee=fee,
            fee_asset=fee_asset if fee else "", ts_exchange_ms=_ms(o.uTime),
            ts_recv_ns=recv_ns))
        if status is OrderStatus.UNKNOWN:
            self.drops.add(Drop.INVALID_FRAME)

    def _fill(self, t: _Trade, recv_ns: int) -> None:
        # The Fill-Channel example writes `totalFee` positive where the order channel's
        # fees are negative: its magnitude is the charge.
        fee = sum(abs(num(d.totalFee)) for d in t.feeDetail)
        self.deliver(Fill(
            venue=_VENUE, client_id="", venue_order_id=t.orderId, venue_symbol=t.symbol,
            trade_id=t.tradeId, side=side_of(t.side), price=amount(t.priceAvg),
            qty=amount(t.size), fee=fee,
            fee_asset=next((d.feeCoin for d in t.feeDetail if d.feeCoin), ""),
            ts_exchange_ms=_ms(t.uTime), ts_recv_ns=recv_ns))


class BitgetStream(StreamProtocol):
    venue = _VENUE
    heartbeat = Heartbeat(frame="ping", interval_s=30.0)
    max_connection_age_s = 24 * 3600.0  # "forcibly disconnected every 24 hours"

    def login_frames(self, creds: Credentials, ts_ms: int) -> list[str]:
        return [verify_login(creds, ts_ms, VERIFY_PATH)]

    def subscribe_frames(self) -> list[str]:
        return one_per_frame(SUBSCRIPTIONS)

    def new_parser(self, drops: DropCounter, deliver: Deliver, on_login: OnLogin
                   ) -> PrivateParser:
        return BitgetPrivateParser(drops, deliver, on_login)


STREAM = BitgetStream
