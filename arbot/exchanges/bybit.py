"""Bybit v5 spot: `orderbook.1.<SYM>` (spot `tickers` carries no bid/ask), instruments-info,
and signed REST for live trading (answers parsed in `bybit_private`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import ClassVar

import msgspec

from arbot.domain import (
    FeedEvent,
    Instrument,
    OrderRequest,
    Pong,
    SubscribeAck,
    Venue,
    VenueError,
)
from arbot.exchanges import bybit_private as private
from arbot.exchanges.base import (
    Adapter,
    Drop,
    DropCounter,
    FrameParser,
    Heartbeat,
    Limits,
    decode_json,
    make_quote,
)
from arbot.exchanges.orderwire import OrderRef
from arbot.exchanges.restspec import Endpoint, ErrorTable, RateLimit, RestLimits
from arbot.exchanges.restspec import RestErrorKind as K
from arbot.exchanges.signing import (
    Credentials,
    SignedRequest,
    hmac_hex,
    split_fields,
    with_query,
)
from arbot.exchanges.wire import Level, dict_get

_VENUE = Venue.BYBIT
_TOPIC = "orderbook.1."


class _Book(msgspec.Struct, gc=False):
    """`data` of an orderbook push: bids best-first, asks best-first; a delta may omit a side."""

    s: str
    b: list[Level] | None = None
    a: list[Level] | None = None


class _Frame(msgspec.Struct, gc=False):
    """Book pushes and `{"success":..,"ret_msg":..,"op":..}` op replies, in one pass."""

    topic: str | None = None
    ts: int | None = None
    type: str | None = None
    data: _Book | None = None
    success: bool | None = None
    ret_msg: str | None = None
    conn_id: str | None = None
    req_id: str | None = None
    op: str | None = None


_decoder = msgspec.json.Decoder(_Frame, strict=False)
_Top = tuple[Level | None, Level | None]


class BybitParser(FrameParser):
    """Keeps the last top of book per subscribed symbol: the only state any parser holds.

    Level-1 spot is documented as snapshot-only, but the orderbook topic family also has
    `delta` pushes in which a side that did not change is absent and a size of 0 deletes
    a level. A delta can only be turned into a quote against the previous top, so that
    top is kept (one entry per known symbol, replaced by every snapshot).
    """

    def __init__(self, symbols: Callable[[str], str | None], drops: DropCounter) -> None:
        super().__init__(symbols, drops)
        self._tops: dict[str, _Top] = {}

    def parse(self, frame: str | bytes, recv_ns: int) -> list[FeedEvent]:
        """Parse one frame. Real spot push (2025-06-13)::

        {"topic":"orderbook.1.OPUSDC","ts":1749833472906,"type":"snapshot","data":{"s":"OPUSDC",
         "b":[["0.579","3886.45"]],"a":[["0.58","4043.62"]],"u":1399781,"seq":122620616678},
         "cts":1749833472901}
        """
        try:
            f = _decoder.decode(frame)
        except ValueError:  # msgspec.DecodeError, or UnicodeDecodeError for bad UTF-8
            return self._refused(frame)
        book = f.data
        topic = f.topic
        if book is not None and topic is not None:
            if not topic.startswith(_TOPIC):
                self.drops.add(Drop.UNUSED_CHANNEL)
                return []
            if f.ts is None:
                self.drops.add(Drop.INVALID_FRAME)
                return []
            symbol = self._symbol(book.s)
            if symbol is None:
                self.drops.add(Drop.UNKNOWN_SYMBOL)
                return []
            kind = f.type
            if kind == "snapshot":
                bid = book.b[0] if book.b else None
                ask = book.a[0] if book.a else None
            elif kind == "delta":
                bid, ask = self._tops.get(book.s, (None, None))
                bid = _apply(bid, book.b)
                ask = _apply(ask, book.a)
            else:
                self.drops.add(Drop.INVALID_FRAME)
                return []
            self._tops[book.s] = (bid, ask)
            if bid is None or ask is None:
                self.drops.add(Drop.EMPTY_BOOK)
                return []
            q = make_quote(_VENUE, symbol, bid.px, bid.sz, ask.px, ask.sz, f.ts, recv_ns,
                           self.drops)
            return [] if q is None else [q]
        if f.op is not None and topic is None:
            return self._reply(f.op, f.success, f.ret_msg, f.req_id or f.conn_id)
        return self._other_topic(topic)

    def _other_topic(self, topic: object) -> list[FeedEvent]:
        """A push for a topic we do not use is skipped; anything else is malformed."""
        if isinstance(topic, str) and not topic.startswith(_TOPIC):
            self.drops.add(Drop.UNUSED_CHANNEL)
        else:
            self.drops.add(Drop.INVALID_FRAME)
        return []

    def _reply(self, op: str, success: object, ret_msg: object, ref: str | None) -> list[FeedEvent]:
        """Answers to our ops: subscribe acks, pongs (`op` is "ping" on spot, "pong" elsewhere)."""
        if success is False:
            return [VenueError(Venue.BYBIT, "", ret_msg if isinstance(ret_msg, str) else "")]
        if op in ("ping", "pong") or ret_msg == "pong":
            return [Pong(Venue.BYBIT)]
        if op != "subscribe":
            self.drops.add(Drop.UNUSED_CHANNEL)  # e.g. unsubscribe replies
        elif success is True:
            return [SubscribeAck(Venue.BYBIT, ref or op)]
        else:
            self.drops.add(Drop.INVALID_FRAME)
        return []

    def _refused(self, frame: str | bytes) -> list[FeedEvent]:
        """Slow path: other topics (trades send a list as `data`), malformed pushes, odd replies."""
        obj = decode_json(frame, self.drops)
        if obj is None:
            return []
        topic = dict_get(obj, "topic")
        op = dict_get(obj, "op")
        if isinstance(op, str) and topic is None:
            ref = dict_get(obj, "req_id") or dict_get(obj, "conn_id")
            return self._reply(op, dict_get(obj, "success"), dict_get(obj, "ret_msg"),
                               ref if isinstance(ref, str) else None)
        return self._other_topic(topic)


def _apply(top: Level | None, levels: list[Level] | None) -> Level | None:
    """Apply one side of a delta to the kept top: size 0 deletes that price, else it is the
    new top (a level-1 delta carries the side's new best)."""
    if not levels:
        return top
    for level in levels:
        if level.sz == 0.0:
            if top is not None and top.px == level.px:
                top = None
        else:
            top = level
    return top


class BybitAdapter(Adapter):
    venue = Venue.BYBIT
    ws_url = "wss://stream.bybit.com/v5/public/spot"
    rest_url = "https://api.bybit.com"
    instruments_path = "/v5/market/instruments-info?category=spot&limit=1000"
    heartbeat = Heartbeat(frame='{"op":"ping"}', interval_s=20.0)
    # Spot: "up to 10 args for each subscription request"; one public connection may not
    # hold more than 21,000 characters of args. 500 topics stay under that even counted as
    # JSON text (quotes, commas) for symbols of up to 26 chars; the longest listed spot
    # symbol has 14. No frame byte limit is documented.
    limits = Limits(args_per_frame=10, frame_bytes=21_000, streams_per_connection=500)
    time_path = "/v5/market/time"
    # "600 requests within a 5-second window per IP", every request counting one; private
    # endpoints also have per-UID limits (spot, `rate-limit.mdx`): create and cancel 20/s,
    # wallet-balance 50/s, fee-rate 5/s; realtime orders 50/s [R].
    rest_limits = RestLimits(overall=RateLimit(600, 5.0), endpoints={
        "/v5/order/create": Endpoint(limit=RateLimit(20, 1.0)),
        "/v5/order/cancel": Endpoint(limit=RateLimit(20, 1.0)),
        "/v5/order/realtime": Endpoint(limit=RateLimit(50, 1.0)),
        "/v5/account/wallet-balance": Endpoint(limit=RateLimit(50, 1.0)),
        "/v5/account/fee-rate": Endpoint(limit=RateLimit(5, 1.0)),
    })
    # `retCode` 0 is success, errors often come with HTTP 200. Breaking the IP limit
    # answers "403, access too frequent": "wait for at least 10 minutes"; 401 is an
    # invalid key or missing headers. Codes from `error.mdx`.
    rest_errors = ErrorTable(
        "retCode", "retMsg", "0",
        codes={10006: K.RATE_LIMITED, 10002: K.TIMESTAMP, 10001: K.BAD_REQUEST,
               10016: K.SERVER, 170121: K.BAD_REQUEST,
               10003: K.AUTH, 10004: K.AUTH, 10005: K.AUTH,
               170131: K.INSUFFICIENT_BALANCE,
               170134: K.ORDER_RULES, 170136: K.ORDER_RULES, 170137: K.ORDER_RULES,
               170140: K.ORDER_RULES,
               170213: K.NO_SUCH_ORDER, 110001: K.NO_SUCH_ORDER},
        statuses={403: K.RATE_LIMITED, 401: K.AUTH},
        penalty_s={403: 600.0},
    )
    recv_window_ms: ClassVar[int] = 5000
    order_window_ms = recv_window_ms  # guide.mdx: server_time - recv_window <= timestamp

    @staticmethod
    def venue_id(base: str, quote: str) -> str:
        return f"{base}{quote}"

    def channel_arg(self, venue_id: str) -> object:
        return f"{_TOPIC}{venue_id}"

    def subscribe_frame(self, args: list[object], req_id: int) -> str:
        return msgspec.json.encode(
            {"op": "subscribe", "args": args, "req_id": str(req_id)}
        ).decode()

    def new_parser(self, symbols: Callable[[str], str | None], drops: DropCounter) -> FrameParser:
        return BybitParser(symbols, drops)

    def parse_instruments(self, body: str | bytes) -> list[Instrument]:
        """One page of instruments (up to 1000; the spot list is ~600 symbols)."""
        resp = msgspec.json.decode(body, type=_InstrumentsResponse)
        if resp.retCode != 0 or resp.result is None:
            raise ValueError(f"bybit instruments: error {resp.retCode}: {resp.retMsg}")
        return [_instrument(s) for s in resp.result.items]

    def parse_server_time(self, body: str | bytes) -> int:
        """`GET /v5/market/time`: `{"retCode":0,"retMsg":"OK","result":{"timeSecond":
        "1688639403","timeNano":"1688639403423213947"},"retExtInfo":{},"time":1688639403423}`;
        `timeNano` keeps the milliseconds that `timeSecond` drops."""
        return msgspec.json.decode(body, type=_TimeResponse, strict=False).result.timeNano \
            // 1_000_000


    # --- signed REST: X-BAPI-* headers over the query (GET) or the JSON body (POST) -----

    def _signed(self, creds: Credentials, method: str, path: str,
                fields: Mapping[str, str], ts_ms: int) -> SignedRequest:
        query, body = split_fields(method, fields)
        sig = hmac_hex(creds.secret, prehash(ts_ms, creds.key, self.recv_window_ms,
                                             body or query.encode()))
        headers = {"X-BAPI-API-KEY": creds.key, "X-BAPI-TIMESTAMP": str(ts_ms),
                   "X-BAPI-SIGN": sig, "X-BAPI-RECV-WINDOW": str(self.recv_window_ms)}
        if body:
            headers["Content-Type"] = "application/json"
        return SignedRequest(method, with_query(path, query), headers, body, sig)

    def sign_place(self, creds: Credentials, order: OrderRequest, ts_ms: int) -> SignedRequest:
        """`POST /v5/order/create`, a spot Limit IOC order; `qty` is in base coin."""
        return self._signed(creds, "POST", "/v5/order/create", {
            "category": "spot", "symbol": order.venue_symbol,
            "side": order.side.capitalize(), "orderType": "Limit", "qty": order.qty,
            "price": order.price, "timeInForce": "IOC", "orderLinkId": order.client_id},
            ts_ms)

    def sign_status(self, creds: Credentials, ref: OrderRef, ts_ms: int) -> SignedRequest:
        return self._signed(creds, "GET", "/v5/order/realtime", {
            "category": "spot", "symbol": ref.venue_symbol, "orderLinkId": ref.client_id},
            ts_ms)

    def sign_cancel(self, creds: Credentials, ref: OrderRef, ts_ms: int) -> SignedRequest:
        return self._signed(creds, "POST", "/v5/order/cancel", {
            "category": "spot", "symbol": ref.venue_symbol, "orderLinkId": ref.client_id},
            ts_ms)

    def sign_balances(self, creds: Credentials, ts_ms: int) -> SignedRequest:
        return self._signed(creds, "GET", "/v5/account/wallet-balance",
                            {"accountType": "UNIFIED"}, ts_ms)

    def sign_fee_rates(self, creds: Credentials, venue_symbol: str, ts_ms: int
                       ) -> SignedRequest:
        return self._signed(creds, "GET", "/v5/account/fee-rate",
                            {"category": "spot", "symbol": venue_symbol}, ts_ms)

    # The answers are parsed in the sibling module (wire Structs and their sources).
    parse_place = staticmethod(private.parse_ack)
    parse_status = staticmethod(private.parse_status)
    parse_cancel = staticmethod(private.parse_ack)
    parse_balances = staticmethod(private.parse_balances)
    parse_fee_rates = staticmethod(private.parse_fee_rates)


def prehash(ts_ms: int, key: str, recv_window_ms: int, payload: bytes) -> bytes:
    """`guide.mdx`: "timestamp + API key + recv_window + queryString" for GET,
    "... + jsonBodyString" for POST; the body exactly as sent."""
    return f"{ts_ms}{key}{recv_window_ms}".encode() + payload


class _TimeResult(msgspec.Struct):
    timeNano: int


class _TimeResponse(msgspec.Struct):
    result: _TimeResult


class _LotSizeFilter(msgspec.Struct):
    basePrecision: str
    minOrderQty: str
    minOrderAmt: str = "0"


class _PriceFilter(msgspec.Struct):
    tickSize: str


class _Symbol(msgspec.Struct):
    symbol: str
    baseCoin: str
    quoteCoin: str
    status: str
    lotSizeFilter: _LotSizeFilter
    priceFilter: _PriceFilter


class _Result(msgspec.Struct):
    items: list[_Symbol] = msgspec.field(name="list")
    nextPageCursor: str = ""


class _InstrumentsResponse(msgspec.Struct):
    retCode: int
    retMsg: str = ""
    result: _Result | None = None


def _instrument(s: _Symbol) -> Instrument:
    return Instrument(
        venue=Venue.BYBIT,
        symbol=f"{s.baseCoin}-{s.quoteCoin}",
        venue_id=s.symbol,
        base=s.baseCoin,
        quote=s.quoteCoin,
        tick_size=s.priceFilter.tickSize,
        lot_size=s.lotSizeFilter.basePrecision,
        min_qty=s.lotSizeFilter.minOrderQty,
        min_notional=s.lotSizeFilter.minOrderAmt,
        status=s.status,
        trading=s.status == "Trading",
    )
