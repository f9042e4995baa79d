"""Binance spot private stream: the User Data Stream on the WebSocket API.

Docs (binance-spot-api-docs): `web-socket-api.md`, "User Data Stream requests":
`userDataStream.subscribe.signature` subscribes without a session logon and works with
any key type (HMAC here); "SIGNED request security": the params but `signature`,
sorted by name, `name=value&...`, hex HMAC-SHA256. The listenKey endpoints were retired
on 2026-02-20 (CHANGELOG, 2026-01-21), so they are not used. "General API Information":
the server pings every 20 s (aiohttp answers), a connection lives 24 hours, and the
`ping` method answers with an empty result (our heartbeat, which keeps a quiet stream's
silence watchdog fed). `user-data-stream.md`: events arrive wrapped as
`{"subscriptionId":0,"event":{...}}`; `executionReport` (orders and their trades),
`outboundAccountPosition` ("sent any time an account balance has changed"),
`eventStreamTerminated`; `serverShutdown` comes without a subscription id.
"""

from __future__ import annotations

import msgspec

from arbot.domain import (
    Balance,
    OrderStatus,
    Pong,
    ShutdownNotice,
    Venue,
    VenueError,
)
from arbot.exchanges.drops import Drop, DropCounter
from arbot.exchanges.feedadapter import Heartbeat
from arbot.exchanges.orderwire import side_of, status_of
from arbot.exchanges.privatewire import (
    Deliver,
    LoginProblem,
    OnLogin,
    PrivateParser,
    StreamProtocol,
    amount,
)
from arbot.exchanges.signing import Credentials, encode_query, hmac_hex
from arbot.privateevents import BalanceUpdate, Fill, OrderUpdate
from arbot.venues.binance.rest import _STATUS as STATUS  # the REST names are the stream's

_VENUE = Venue.BINANCE
LOGIN_ID = "arbot-login"
PING_ID = "arbot-ping"
# `errors.md`: -2014 BAD_API_KEY_FMT, -2015 REJECTED_MBX_KEY ("Invalid API-key, IP, or
# permissions for action."), -1022 INVALID_SIGNATURE, -1021 INVALID_TIMESTAMP.
PROBLEMS = {"-2014": LoginProblem.KEY, "-2015": LoginProblem.KEY,
            "-1022": LoginProblem.SIGNATURE, "-1021": LoginProblem.TIMESTAMP}


class _Error(msgspec.Struct):
    code: int = 0
    msg: str = ""


class _Asset(msgspec.Struct):
    a: str
    f: str
    l: str  # noqa: E741 (the venue's field name)


class _Event(msgspec.Struct):
    """Every event's fields in one Struct (each event uses some of them)."""

    e: str
    E: int | None = None
    # executionReport
    s: str = ""
    c: str = ""
    C: str | None = ""
    S: str = ""
    x: str = ""
    X: str = ""
    i: int = 0
    l: str = "0"  # noqa: E741 (the venue's field name)
    z: str = "0"
    L: str = "0"
    Z: str = "0"
    n: str = "0"
    N: str | None = None
    t: int = -1
    T: int | None = None
    # outboundAccountPosition
    B: list[_Asset] | None = None


class _Frame(msgspec.Struct):
    id: str | None = None
    status: int | None = None
    error: _Error | None = None
    subscriptionId: int | None = None
    event: _Event | None = None


_frame = msgspec.json.Decoder(_Frame)


class BinancePrivateParser(PrivateParser):
    venue = _VENUE

    def __init__(self, drops: DropCounter, deliver: Deliver, on_login: OnLogin) -> None:
        super().__init__(drops, deliver, on_login)
        self._fees: dict[int, float] = {}  # order id -> commission so far (`n` is per trade)

    def read(self, frame: str | bytes, recv_ns: int) -> None:
        f = _frame.decode(frame)
        if f.event is not None:
            self._event(f.event, recv_ns)
        elif f.status is not None:
            self._answer(f)
        else:
            raise ValueError("neither an answer nor an event")

    def _answer(self, f: _Frame) -> None:
        ok = f.status == 200
        if f.id == PING_ID and ok:
            self.events.append(Pong(venue=_VENUE))
        elif f.id == LOGIN_ID and ok:
            self.accepted()
        elif f.id in (LOGIN_ID, None):  # `"id":null` answers a request it could not read
            error = f.error or _Error()
            self.refused(error.code, error.msg, PROBLEMS)
        elif ok:
            self.drops.add(Drop.UNUSED_CHANNEL)  # an answer to no request of ours
        else:
            error = f.error or _Error()
            self.events.append(VenueError(venue=_VENUE, code=str(error.code),
                                          message=error.msg))

    def _event(self, e: _Event, recv_ns: int) -> None:
        if e.e == "executionReport":
            self._execution(e, recv_ns)
        elif e.e == "outboundAccountPosition":
            out = {}
            for row in e.B or []:
                asset = row.a.upper()
                out[asset] = Balance(asset=asset, free=amount(row.f), locked=amount(row.l))
            self.deliver(BalanceUpdate(venue=_VENUE, balances=out, ts_exchange_ms=e.E,
                                       ts_recv_ns=recv_ns))
        elif e.e in ("serverShutdown", "eventStreamTerminated"):
            self.events.append(ShutdownNotice(venue=_VENUE, message=e.e))
        else:
            self.drops.add(Drop.UNUSED_CHANNEL)  # balanceUpdate (a delta), listStatus, ...

    def _execution(self, e: _Event, recv_ns: int) -> None:
        # "C: Original client order ID; This is the ID of the order being canceled".
        client_id = e.C if e.x == "CANCELED" and e.C else e.c
        status = status_of(STATUS, e.X)
        fee = self._fees.get(e.i, 0.0)
        if e.x == "TRADE":
            fee += amount(e.n)
            self.deliver(Fill(venue=_VENUE, client_id=client_id, venue_order_id=str(e.i),
                              venue_symbol=e.s, trade_id=str(e.t), side=side_of(e.S),
                              price=amount(e.L), qty=amount(e.l), fee=amount(e.n),
                              fee_asset=e.N or "", ts_exchange_ms=e.T, ts_recv_ns=recv_ns))
        if status.final:
            self._fees.pop(e.i, None)
        else:
            self._fees[e.i] = fee
        filled = amount(e.z)
        # "Average price can be found by doing Z divided by z."
        self.deliver(OrderUpdate(
            venue=_VENUE, client_id=client_id, venue_order_id=str(e.i), venue_symbol=e.s,
            status=status, filled_qty=filled,
            avg_price=amount(e.Z) / filled if filled > 0 else 0.0, fee=fee,
            fee_asset=(e.N or "") if fee else "", ts_exchange_ms=e.T or e.E,
            ts_recv_ns=recv_ns))
        if status is OrderStatus.UNKNOWN:
            self.drops.add(Drop.INVALID_FRAME)


class BinanceStream(StreamProtocol):
    venue = _VENUE
    heartbeat = Heartbeat(frame=msgspec.json.encode({"id": PING_ID, "method": "ping"}).decode(),
                          interval_s=20.0)
    max_connection_age_s = 24 * 3600.0  # "only valid for 24 hours"

    def login_frames(self, creds: Credentials, ts_ms: int) -> list[str]:
        params = {"apiKey": creds.key, "timestamp": str(ts_ms)}
        signature = hmac_hex(creds.secret, encode_query(params))
        return [msgspec.json.encode({
            "id": LOGIN_ID, "method": "userDataStream.subscribe.signature",
            "params": {"apiKey": creds.key, "timestamp": ts_ms, "signature": signature},
        }).decode()]

    def subscribe_frames(self) -> list[str]:
        return []  # the signed subscribe is the login

    def new_parser(self, drops: DropCounter, deliver: Deliver, on_login: OnLogin
                   ) -> PrivateParser:
        return BinancePrivateParser(drops, deliver, on_login)


STREAM = BinanceStream
