"""Bybit v5 spot, public side: `orderbook.1.<SYM>` (spot `tickers` carries no bid/ask)
parsed to quotes, subscribe and ping frames; instruments and server time over
public REST; the adapter joins them to the signed REST in `rest`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Generic, Literal, TypeVar

import msgspec

from arbot.domain import (
    Instrument,
    Pong,
    Quote,
    SubscribeAck,
    Venue,
    VenueError,
)
from arbot.exchanges.base import Adapter
from arbot.exchanges.drops import Drop, DropCounter, decode_json
from arbot.exchanges.feedadapter import Heartbeat, Limits
from arbot.exchanges.frameparser import FrameParser, Quoter
from arbot.exchanges.quotecheck import make_quote
from arbot.exchanges.wire import (
    Level,
    LiveLevel,
    PxSz,
    VenueId,
    apply_l1_delta,
    dict_get,
    live_decoder,
)
from arbot.venues.bybit import SPEC, coins, depth, rest

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


class _LiveBook(msgspec.Struct, Generic[VenueId], gc=False):
    """An `orderbook.1` book as it is quoted as is: exactly one level a side (a tuple of
    one is one object where a list is two; any other count takes the checked path)."""

    s: VenueId
    b: tuple[LiveLevel]
    a: tuple[LiveLevel]


_Topic = TypeVar("_Topic")


class _LiveFrame(msgspec.Struct, Generic[_Topic, VenueId], gc=False):
    """A snapshot push that can be quoted as is: both sides, numbers finite and positive.
    `topic` and `data.s` are read as `id_type` says (the topic of each id, and the id)."""

    topic: _Topic
    ts: int
    type: Literal["snapshot"]
    data: _LiveBook[VenueId]


_Live = Callable[[str | bytes], _LiveFrame[str, str]]

_decoder = msgspec.json.Decoder(_Frame, strict=False)
_Top = tuple[PxSz | None, PxSz | None]
_Kept = Quote | _Top
"""A symbol's last top: the quote the fast path made (kept as is: the engine keeps it too,
so keeping it costs no more than a reference), or the sides the checked path worked out."""


class _State:
    """One symbol's state on a connection, found by its venue id (`data.s`) in one lookup:
    the topic its pushes must carry, the canonical symbol and the last top (`__slots__`:
    read and written on every frame, faster than dict entries)."""

    __slots__ = ("symbol", "top", "topic")

    def __init__(self, venue_id: str, symbol: str) -> None:
        self.topic = f"{_TOPIC}{venue_id}"
        self.symbol = symbol
        self.top: _Kept | None = None

    def sides(self) -> _Top:
        """The kept top as two sides, for a delta to apply to."""
        top = self.top
        if top is None:
            return None, None
        if isinstance(top, Quote):
            return Level(top.bid, top.bid_size), Level(top.ask, top.ask_size)
        return top


def _quoter(live: _Live, states: dict[str, _State], symbol_of: Callable[[str], str | None],
            checked: Quoter) -> Quoter:
    """`BybitParser.quote`, with what it reads per frame captured.

    `data.s` names the symbol; its state, entered on the id's first push (the map of ids
    to symbols does not change while a parser lives), says which topic must carry it, so
    one lookup answers "is this `orderbook.1`", "which symbol" and "where is its top"."""
    venue = _VENUE
    state_of = states.get

    def enter(venue_id: str) -> _State | None:
        symbol = symbol_of(venue_id)
        if symbol is None:
            return None
        state = states[venue_id] = _State(venue_id, symbol)
        return state

    def quote(frame: str | bytes, recv_ns: int) -> Quote | None:
        """A snapshot with both sides and good numbers becomes a quote in one typed decode;
        anything else takes `checked`. Real spot push (2025-06-13)::

        {"topic":"orderbook.1.OPUSDC","ts":1749833472906,"type":"snapshot","data":{"s":"OPUSDC",
         "b":[["0.579","3886.45"]],"a":[["0.58","4043.62"]],"u":1399781,"seq":122620616678},
         "cts":1749833472901}
        """
        try:
            f = live(frame)
        except ValueError:  # not that shape, or a bad number in it
            return checked(frame, recv_ns)
        data = f.data
        state = state_of(data.s) or enter(data.s)
        if state is not None:
            b = data.b[0]
            a = data.a[0]
            bid = b.px
            ask = a.px
            if bid < ask and f.topic == state.topic:
                q = state.top = Quote(venue=venue, symbol=state.symbol, bid=bid,
                                     bid_size=b.sz, ask=ask, ask_size=a.sz,
                                     ts_exchange_ms=f.ts, ts_recv_ns=recv_ns)
                return q
        return checked(frame, recv_ns)

    return quote


class BybitParser(FrameParser):
    """Keeps the last top per symbol (the only state any parser holds): level-1 spot is
    documented as snapshot-only, but the orderbook family also has `delta` pushes (an
    unchanged side absent, size 0 deletes a level), quotable only against the kept top."""

    def __init__(self, symbols: Callable[[str], str | None], drops: DropCounter,
                 ids: Sequence[str] = ()) -> None:
        super().__init__(symbols, drops)
        self._states: dict[str, _State] = {}
        self._live: _Live = live_decoder(_LiveFrame, [f"{_TOPIC}{i}" for i in ids], ids)
        self.quote = _quoter(self._live, self._states, symbols, self._parse)

    def _parse(self, frame: str | bytes, recv_ns: int) -> Quote | None:
        """Any frame, every field checked: snapshots, deltas against the kept top, replies."""
        try:
            f = _decoder.decode(frame)
        except ValueError:  # msgspec.DecodeError, or UnicodeDecodeError for bad UTF-8
            self._refused(frame)
            return None
        book = f.data
        topic = f.topic
        if book is not None and topic is not None:
            if not topic.startswith(_TOPIC):
                self.drops.add(Drop.UNUSED_CHANNEL)
                return None
            if f.ts is None:
                self.drops.add(Drop.INVALID_FRAME)
                return None
            kept = self._states.get(book.s)
            if kept is None:
                symbol = self._symbol(book.s)
                if symbol is None:
                    self.drops.add(Drop.UNKNOWN_SYMBOL)
                    return None
                kept = self._states[book.s] = _State(book.s, symbol)
            kind = f.type
            bid: PxSz | None
            ask: PxSz | None
            if kind == "snapshot":
                bid = book.b[0] if book.b else None
                ask = book.a[0] if book.a else None
            elif kind == "delta":
                bid, ask = kept.sides()
                bid = apply_l1_delta(bid, book.b)
                ask = apply_l1_delta(ask, book.a)
            else:
                self.drops.add(Drop.INVALID_FRAME)
                return None
            kept.top = (bid, ask)
            if bid is None or ask is None:
                self.drops.add(Drop.EMPTY_BOOK)
                return None
            return make_quote(_VENUE, kept.symbol, bid.px, bid.sz, ask.px, ask.sz, f.ts, recv_ns,
                              self.drops)
        if f.op is not None and topic is None:
            self._reply(f.op, f.success, f.ret_msg, f.req_id or f.conn_id)
        else:
            self._other_topic(topic)
        return None

    def _other_topic(self, topic: object) -> None:
        """A push for a topic we do not use is skipped; anything else is malformed."""
        if isinstance(topic, str) and not topic.startswith(_TOPIC):
            self.drops.add(Drop.UNUSED_CHANNEL)
        else:
            self.drops.add(Drop.INVALID_FRAME)

    def _reply(self, op: str, success: object, ret_msg: object, ref: str | None) -> None:
        """Answers to our ops: subscribe acks, pongs (`op` is "ping" on spot, "pong" elsewhere)."""
        if success is False:
            self.events.append(VenueError(venue=_VENUE, code="",
                                          message=ret_msg if isinstance(ret_msg, str) else ""))
        elif op in ("ping", "pong") or ret_msg == "pong":
            self.events.append(Pong(venue=_VENUE))
        elif op == "unsubscribe":
            return  # a depth book's resync (`arbot.exchanges.resync`), no drop
        elif op != "subscribe":
            self.drops.add(Drop.UNUSED_CHANNEL)
        elif success is True:
            self.events.append(SubscribeAck(venue=_VENUE, ref=ref or op))
        else:
            self.drops.add(Drop.INVALID_FRAME)

    def _refused(self, frame: str | bytes) -> None:
        """Slow path: other topics (trades send a list as `data`), malformed pushes, odd replies."""
        obj = decode_json(frame, self.drops)
        if obj is None:
            return
        topic = dict_get(obj, "topic")
        op = dict_get(obj, "op")
        if isinstance(op, str) and topic is None:
            ref = dict_get(obj, "req_id") or dict_get(obj, "conn_id")
            self._reply(op, dict_get(obj, "success"), dict_get(obj, "ret_msg"),
                        ref if isinstance(ref, str) else None)
        else:
            self._other_topic(topic)


# Public REST: instruments and the server clock.

# "Get Instruments Info" (`market/instrument.mdx`): "Spot does not support pagination, so
# `limit`, `cursor` are invalid": one answer lists every spot symbol.
INSTRUMENTS_PATH = "/v5/market/instruments-info?category=spot"
TIME_PATH = "/v5/market/time"


def _instruments(body: str | bytes) -> list[Instrument]:
    """Every spot instrument: spot is never paginated (`nextPageCursor` is not read)."""
    resp = msgspec.json.decode(body, type=_InstrumentsResponse)
    if resp.retCode != 0 or resp.result is None:
        raise ValueError(f"bybit instruments: error {resp.retCode}: {resp.retMsg}")
    return [_instrument(s) for s in resp.result.items]


def _server_time(body: str | bytes) -> int:
    """`GET /v5/market/time`: `{"retCode":0,"retMsg":"OK","result":{"timeSecond":
    "1688639403","timeNano":"1688639403423213947"},"retExtInfo":{},"time":1688639403423}`;
    `timeNano` keeps the milliseconds that `timeSecond` drops."""
    return msgspec.json.decode(body, type=_TimeResponse, strict=False).result.timeNano \
        // 1_000_000


class _TimeResult(msgspec.Struct):
    timeNano: int


class _TimeResponse(msgspec.Struct):
    result: _TimeResult


class _LotSizeFilter(msgspec.Struct):
    basePrecision: str
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


class _InstrumentsResponse(msgspec.Struct):
    retCode: int
    retMsg: str = ""
    result: _Result | None = None


def _instrument(s: _Symbol) -> Instrument:
    """`market/instrument.mdx`, spot `lotSizeFilter`: `minOrderQty` is "deprecated, no
    longer check `minOrderQty`, check `minOrderAmt` instead" (the order's value in
    quote coin), so a spot order's only minimum is its notional."""
    lot = s.lotSizeFilter
    return Instrument(venue=Venue.BYBIT, symbol=f"{s.baseCoin}-{s.quoteCoin}", venue_id=s.symbol,
                      base=s.baseCoin, quote=s.quoteCoin, tick_size=s.priceFilter.tickSize,
                      lot_size=lot.basePrecision, min_qty="0",
                      min_notional=lot.minOrderAmt, status=s.status,
                      trading=s.status == "Trading")


class BybitAdapter(Adapter):
    venue = Venue.BYBIT
    ws_url = SPEC.ws_url
    rest_url = SPEC.rest_url
    instruments_path = INSTRUMENTS_PATH
    heartbeat = Heartbeat(frame='{"op":"ping"}', interval_s=20.0)
    # Spot: "up to 10 args for each subscription request"; one public connection may not
    # hold more than 21,000 characters of args. 500 topics stay under that even counted as
    # JSON text (quotes, commas) for symbols of up to 26 chars; the longest listed spot
    # symbol has 14. No frame byte limit is documented.
    limits = Limits(args_per_frame=10, frame_bytes=21_000, streams_per_connection=500)
    time_path = TIME_PATH
    signed = rest

    @staticmethod
    def venue_id(base: str, quote: str) -> str:
        return f"{base}{quote}"

    def channel_arg(self, venue_id: str) -> object:
        return f"{_TOPIC}{venue_id}"

    def request_frame(self, op: str, args: list[object], req_id: int) -> str:
        return msgspec.json.encode({"op": op, "args": args, "req_id": str(req_id)}).decode()

    parser = BybitParser
    depth_channel_arg = staticmethod(depth.channel_arg)
    depth_codec = depth.CODEC

    parse_instruments = staticmethod(_instruments)
    parse_server_time = staticmethod(_server_time)
    # Finished orders drop out of the open-order lookup into the order history.
    sign_status_history = staticmethod(rest.sign_status_history)
    coins_path = coins.PATH
    sign_coins = staticmethod(coins.sign_coins)
    parse_coins = staticmethod(coins.parse_coins)


ADAPTER = BybitAdapter
