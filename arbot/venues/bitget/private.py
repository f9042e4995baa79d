"""Bitget private streams: v2 for classic accounts (`login`, then the `orders`, `fill`
and `account` channels) and v3 for unified (UTA) accounts (the same login, then the
`order`, `fill` and `account` topics).

Docs (https://www.bitget.com/api-doc/): "common/websocket-intro": sign = Base64 of
HMAC-SHA256 over timestamp + "GET" + "/user/verify"; the text says milliseconds but the
page's example and its Java sample send seconds, and seconds are what is sent here; the
text `ping` every 30 s; "If login fails, it will automatically disconnect"; its
"WebSocket error codes" (30004-30015). "spot/websocket/private/Order-Channel":
`accBaseVolume` "Total filled quantity", `priceAvg`, `feeDetail` (fees negative);
"Fill-Channel": one row per trade, without the client id; "Account-Channel": `available`,
`frozen`, `locked` per coin. "uta/guide": the v3 stream is
`wss://ws.bitget.com/v3/ws/private`, args name a `topic` with `instType` "UTA" (its
pages do not restate the login or heartbeat: those of v2 are used);
"uta/websocket/private/{Order,Fill,Account}-Channel": `cumExecQty`, `avgPrice`,
`orderStatus`, `feeDetail` (positive in the examples), `execId`/`execQty`/`execPrice`,
and `coin[]` with `available`/`locked`; `category` is compared without case (the order
example writes it lower case, the fill example upper case).
"""

from __future__ import annotations

import msgspec

from arbot.domain import Balance, OrderStatus, SubscribeAck, Venue, VenueError
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
    one_per_frame,
    stamp_ms,
    verify_login,
)
from arbot.exchanges.signing import Credentials
from arbot.privateevents import BalanceUpdate, Fill, OrderUpdate
from arbot.venues.bitget.mode import UTA
from arbot.venues.bitget.rest import _STATUS as STATUS  # the REST names are the stream's

_VENUE = Venue.BITGET
VERIFY_PATH = "/user/verify"
PROBLEMS = {"30011": LoginProblem.KEY, "30012": LoginProblem.PASSPHRASE,
            "30013": LoginProblem.TIMESTAMP, "30014": LoginProblem.TIMESTAMP,
            "30015": LoginProblem.SIGNATURE, "30005": LoginProblem.OTHER}
SUBSCRIPTIONS = ({"instType": "SPOT", "channel": "orders", "instId": "default"},
                 {"instType": "SPOT", "channel": "fill", "instId": "default"},
                 {"instType": "SPOT", "channel": "account", "coin": "default"})
UNIFIED_SUBSCRIPTIONS = tuple({"instType": "UTA", "topic": t}
                              for t in ("order", "fill", "account"))
CLASSIC_PATH, UNIFIED_PATH = "/v2/ws/private", "/v3/ws/private"


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


class _UtaOrder(msgspec.Struct):
    orderId: str
    orderStatus: str
    category: str = "SPOT"
    symbol: str = ""
    clientOid: str = ""
    cumExecQty: str = ""
    avgPrice: str = ""
    feeDetail: list[_Fee] = []
    updatedTime: str = ""


class _UtaFill(msgspec.Struct):
    orderId: str
    execId: str
    execPrice: str
    execQty: str
    category: str = "SPOT"
    symbol: str = ""
    clientOid: str = ""
    side: str = ""
    feeDetail: list[_Fee] = []
    execTime: str = ""


class _UtaAccount(msgspec.Struct):
    coin: list[_Coin] = []


class _Arg(msgspec.Struct):
    channel: str = ""
    topic: str = ""
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
_uta_orders = msgspec.json.Decoder(list[_UtaOrder])
_uta_fills = msgspec.json.Decoder(list[_UtaFill])
_uta_accounts = msgspec.json.Decoder(list[_UtaAccount])


class BitgetPrivateParser(PrivateParser):
    venue = _VENUE

    def read(self, frame: str | bytes, recv_ns: int) -> None:
        if self.text_pong(frame):
            return
        f = _frame.decode(frame)
        if f.event is not None:
            self._event(f)
        elif f.arg is None or not f.data:
            raise ValueError("a push without its channel or data")
        elif f.arg.topic:
            self._unified(f.arg.topic, f.data, f.ts, recv_ns)
        elif f.arg.instType.upper() != "SPOT":
            self.drops.add(Drop.NOT_SPOT)
        elif f.arg.channel == "orders":
            for o in _orders.decode(f.data):
                self._order(o, recv_ns)
        elif f.arg.channel == "fill":
            for t in _trades.decode(f.data):
                self._fill(t, recv_ns)
        elif f.arg.channel == "account":
            self._balances(_coins.decode(f.data), f.ts, recv_ns)
        else:
            self.drops.add(Drop.UNUSED_CHANNEL)

    def _balances(self, coins: list[_Coin], ts: int | None, recv_ns: int) -> None:
        out = {}
        for c in coins:
            asset = c.coin.upper()
            out[asset] = Balance(asset=asset, free=amount(c.available),
                                 locked=amount(c.frozen) + amount(c.locked))
        self.deliver(BalanceUpdate(venue=_VENUE, balances=out, ts_exchange_ms=ts,
                                   ts_recv_ns=recv_ns))

    def _unified(self, topic: str, data: msgspec.Raw, ts: int | None, recv_ns: int) -> None:
        """A v3 (UTA) push: rows of every category, of which spot's are ours."""
        if topic == "order":
            for o in _uta_orders.decode(data):
                if self._spot(o.category):
                    self._order_row(o.orderId, o.clientOid, o.symbol, o.orderStatus,
                                    o.cumExecQty, o.avgPrice, o.feeDetail, o.updatedTime,
                                    recv_ns)
        elif topic == "fill":
            for e in _uta_fills.decode(data):
                if self._spot(e.category):
                    self._fill_row(e.orderId, e.clientOid, e.symbol, e.execId, e.side,
                                   e.execPrice, e.execQty, e.feeDetail, e.execTime, recv_ns)
        elif topic == "account":
            self._balances([c for a in _uta_accounts.decode(data) for c in a.coin], ts,
                           recv_ns)
        else:
            self.drops.add(Drop.UNUSED_CHANNEL)

    def _spot(self, category: str) -> bool:
        if category.upper() == "SPOT":
            return True
        self.drops.add(Drop.NOT_SPOT)
        return False

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
        self._order_row(o.orderId, o.clientOid, o.instId, o.status, o.accBaseVolume,
                        o.priceAvg, o.feeDetail, o.uTime, recv_ns)

    def _order_row(self, order_id: str, client_id: str, symbol: str, state: str,
                   filled_text: str, avg_text: str, fees: list[_Fee], stamp: str,
                   recv_ns: int) -> None:
        status = status_of(STATUS, state)
        filled = amount(filled_text)
        fee_asset = next((d.feeCoin for d in fees if d.feeCoin), "")
        # v2 writes fees negative ("negative value"), the v3 examples positive: the
        # magnitude is the charge (an IOC taker never earns a rebate).
        fee = sum(abs(num(d.fee)) for d in fees)
        self.deliver(OrderUpdate(
            venue=_VENUE, client_id=client_id, venue_order_id=order_id, venue_symbol=symbol,
            status=status, filled_qty=filled, avg_price=amount(avg_text) if filled > 0 else 0.0,
            fee=fee, fee_asset=fee_asset if fee else "", ts_exchange_ms=stamp_ms(stamp),
            ts_recv_ns=recv_ns))
        if status is OrderStatus.UNKNOWN:
            self.drops.add(Drop.INVALID_FRAME)

    def _fill(self, t: _Trade, recv_ns: int) -> None:
        self._fill_row(t.orderId, "", t.symbol, t.tradeId, t.side, t.priceAvg, t.size,
                       t.feeDetail, t.uTime, recv_ns)

    def _fill_row(self, order_id: str, client_id: str, symbol: str, trade_id: str, side: str,
                  price: str, qty: str, fees: list[_Fee], stamp: str, recv_ns: int) -> None:
        # The v2 Fill-Channel names no client id and writes `totalFee`, v3 `fee`; both
        # positive in the examples, where the order channel's are negative.
        fee = sum(abs(num(d.totalFee or d.fee)) for d in fees)
        self.deliver(Fill(
            venue=_VENUE, client_id=client_id, venue_order_id=order_id, venue_symbol=symbol,
            trade_id=trade_id, side=side_of(side), price=amount(price), qty=amount(qty),
            fee=fee, fee_asset=next((d.feeCoin for d in fees if d.feeCoin), ""),
            ts_exchange_ms=stamp_ms(stamp), ts_recv_ns=recv_ns))


class BitgetStream(StreamProtocol):
    venue = _VENUE
    heartbeat = Heartbeat(frame="ping", interval_s=30.0)
    max_connection_age_s = 24 * 3600.0  # "forcibly disconnected every 24 hours"

    def login_frames(self, creds: Credentials, ts_ms: int) -> list[str]:
        return [verify_login(creds, ts_ms, VERIFY_PATH)]

    @property
    def unified(self) -> bool:
        return self.account_mode() == UTA

    def url(self, configured: str) -> str:
        """"uta/guide": a unified account's stream is v3 beside v2's."""
        if self.unified and configured.endswith(CLASSIC_PATH):
            return configured.removesuffix(CLASSIC_PATH) + UNIFIED_PATH
        return configured

    def subscribe_frames(self) -> list[str]:
        return one_per_frame(UNIFIED_SUBSCRIPTIONS if self.unified else SUBSCRIPTIONS)

    def new_parser(self, drops: DropCounter, deliver: Deliver, on_login: OnLogin
                   ) -> PrivateParser:
        return BitgetPrivateParser(drops, deliver, on_login)


STREAM = BitgetStream
