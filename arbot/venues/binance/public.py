"""Binance spot, public side: `<sym>@bookTicker` over raw or combined streams parsed to
quotes, subscribe frames, instruments and server time over public REST; the adapter
joins them to the signed REST in `rest`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Generic

import msgspec

from arbot.domain import (
    Instrument,
    PriceBand,
    Quote,
    ShutdownNotice,
    SubscribeAck,
    Venue,
    VenueError,
)
from arbot.exchanges.base import Adapter
from arbot.exchanges.drops import Drop, DropCounter, decode_json
from arbot.exchanges.feedadapter import Heartbeat, Limits
from arbot.exchanges.frameparser import FrameParser, Quoter
from arbot.exchanges.quotecheck import make_quote
from arbot.exchanges.wire import Positive, VenueId, live_decoder
from arbot.venues.binance import SPEC, avgprice, coins, depth, rest


class BookTicker(msgspec.Struct, gc=False):
    """`<symbol>@bookTicker` payload; Binance sends no timestamp in it."""

    u: int
    s: str
    b: float
    B: float
    a: float
    A: float


class LiveTicker(msgspec.Struct, Generic[VenueId], gc=False):
    """The raw `/ws` bookTicker frame as it must be to become a quote as is: every field
    present, prices and sizes finite and positive (checked inside the decoder)."""

    u: int
    s: VenueId
    b: Positive
    B: Positive
    a: Positive
    A: Positive


class Frame(msgspec.Struct, gc=False):
    """Every frame a bookTicker connection can carry, decoded in one pass.

    Combined streams wrap the payload as `{"stream":..,"data":..}`; raw streams send the
    payload itself; acks are `{"result":null,"id":1}`; errors `{"code":2,"msg":".."}`.
    Events name themselves in `e`: on the raw `/ws` endpoint the shutdown notice arrives
    bare as `{"e":"serverShutdown","E":..}` ("WebSocket Streams", `serverShutdown`).
    """

    stream: str | None = None
    data: BookTicker | None = None
    u: int | None = None
    s: str | None = None
    b: float | None = None
    B: float | None = None
    a: float | None = None
    A: float | None = None
    id: int | str | None = None
    code: int | None = None
    msg: str | None = None
    e: str | None = None


_decoder = msgspec.json.Decoder(Frame, strict=False)
_VENUE = Venue.BINANCE


class _Order:
    """One symbol's state on a connection, found by its venue id in one lookup: the
    canonical symbol and the last book update id `u` quoted (`__slots__`: read and
    written on every frame, faster than dict entries)."""

    __slots__ = ("last", "symbol")

    def __init__(self, symbol: str) -> None:
        self.symbol = symbol
        self.last = -1


def _quoter(live: Callable[[str | bytes], LiveTicker[str]], orders: dict[str, _Order],
            symbol_of: Callable[[str], str | None], checked: Quoter, drops: DropCounter
            ) -> Quoter:
    """`BinanceParser.quote`, with what it reads per frame captured. An id's `_Order` is
    entered on its first push (the map of ids to symbols does not change while a parser
    lives) and found by the id from then on."""
    venue = _VENUE
    out_of_order = Drop.OUT_OF_ORDER
    order_of = orders.get

    def enter(venue_id: str) -> _Order | None:
        symbol = symbol_of(venue_id)
        if symbol is None:
            return None
        order = orders[venue_id] = _Order(symbol)
        return order

    def quote(frame: str | bytes, recv_ns: int) -> Quote | None:
        """The raw `/ws` bookTicker frame becomes a quote in one typed decode, a lookup
        and two comparisons; anything else (combined streams, acks, errors, events, bad
        numbers, unknown symbols, a crossed book) takes `checked`, which
        says why. Real frame (2021-10-12, the `data` of a combined-stream frame)::

        {"u":499869768,"s":"NKNUSDT","b":"0.35210000","B":"672.00000000","a":"0.35260000",
         "A":"3199.00000000"}
        """
        try:
            t = live(frame)
        except ValueError:  # not that shape, or a bad number in it
            return checked(frame, recv_ns)
        order = order_of(t.s) or enter(t.s)
        bid = t.b
        ask = t.a
        if order is not None and bid < ask:
            u = t.u
            if u < order.last:
                drops.add(out_of_order)
                return None
            order.last = u
            return Quote(venue=venue, symbol=order.symbol, bid=bid, bid_size=t.B, ask=ask,
                         ask_size=t.A, ts_exchange_ms=None, ts_recv_ns=recv_ns)
        return checked(frame, recv_ns)

    return quote


class BinanceParser(FrameParser):
    def __init__(self, symbols: Callable[[str], str | None], drops: DropCounter,
                 ids: Sequence[str] = ()) -> None:
        super().__init__(symbols, drops)
        self._live: Callable[[str | bytes], LiveTicker[str]] = live_decoder(LiveTicker, ids)
        # The frame carries no time, only the book's update id `u`, which only grows
        # (Binance "Individual Symbol Book Ticker Streams"): a push with an older `u` than
        # the symbol's last (a frame replayed or delivered late) is stale. The parser is
        # one connection's, so each connection orders afresh, as quotegate does for times.
        # Keyed by venue id, which names one symbol (the map is one-to-one).
        self._order: dict[str, _Order] = {}
        self.quote = _quoter(self._live, self._order, symbols, self._parse, drops)

    def _parse(self, frame: str | bytes, recv_ns: int) -> Quote | None:
        """Every frame shape, each field checked: the quote, or the event on `events`, or
        the counted reason for nothing."""
        try:
            f = _decoder.decode(frame)
        except ValueError:  # msgspec.DecodeError, or UnicodeDecodeError inside a string
            self._refused(frame)
            return None
        t = f.data
        if t is not None:
            return self._quote(t.s, t.b, t.B, t.a, t.A, t.u, recv_ns)
        if f.s is not None and f.b is not None and f.B is not None and f.a is not None \
                and f.A is not None and f.u is not None:
            return self._quote(f.s, f.b, f.B, f.a, f.A, f.u, recv_ns)
        if f.e is not None:
            self._event(f.e)
        elif f.code is not None:
            self.events.append(VenueError(venue=_VENUE, code=str(f.code), message=f.msg or ""))
        elif f.id is not None and f.stream is None:
            self.events.append(SubscribeAck(venue=_VENUE, ref=str(f.id)))
        else:
            self.drops.add(Drop.INVALID_FRAME)
        return None

    def _quote(self, venue_id: str, bid: float, bid_size: float, ask: float, ask_size: float,
               update: int, recv_ns: int) -> Quote | None:
        symbol = self._symbol(venue_id)
        if symbol is None:
            self.drops.add(Drop.UNKNOWN_SYMBOL)
            return None
        q = make_quote(_VENUE, symbol, bid, bid_size, ask, ask_size, None, recv_ns,
                       self.drops)
        if q is not None:
            order = self._order.get(venue_id)
            if order is None:
                order = self._order[venue_id] = _Order(symbol)
            if update < order.last:
                self.drops.add(Drop.OUT_OF_ORDER)
                return None
            order.last = update
        return q

    def _refused(self, frame: str | bytes) -> None:
        """Slow path: say why the typed decode refused the frame."""
        obj = decode_json(frame, self.drops)
        if obj is None:
            return
        if isinstance(obj, dict):
            stream = obj.get("stream")
            data: Any = obj.get("data")
            event = data.get("e") if isinstance(data, dict) else obj.get("e")
            if isinstance(event, str) and event:
                self._event(event)
                return
            if isinstance(stream, str) and not stream.endswith("@bookTicker"):
                self.drops.add(Drop.UNUSED_CHANNEL)
                return
        self.drops.add(Drop.INVALID_FRAME)

    def _event(self, event: str) -> None:
        """`serverShutdown` ("Please establish a new connection as soon as possible") is
        the feed's cue to rotate; any other event is a channel ArBot does not use."""
        if event == "serverShutdown":
            self.events.append(ShutdownNotice(venue=_VENUE, message="serverShutdown"))
        else:
            self.drops.add(Drop.UNUSED_CHANNEL)


# Public REST: instruments and the server clock.

INSTRUMENTS_PATH = "/api/v3/exchangeInfo?permissions=SPOT"
TIME_PATH = "/api/v3/time"


def _instruments(body: str | bytes) -> list[Instrument]:
    info = msgspec.json.decode(body, type=_ExchangeInfo)
    return [_instrument(s) for s in info.symbols if _is_spot(s)]


def _server_time(body: str | bytes) -> int:
    """`GET /api/v3/time`: `{"serverTime": 1499827319559}`."""
    return msgspec.json.decode(body, type=_ServerTime).serverTime


class _ServerTime(msgspec.Struct):
    serverTime: int


class _Filter(msgspec.Struct):
    filterType: str
    tickSize: str | None = None
    stepSize: str | None = None
    minQty: str | None = None
    minNotional: str | None = None
    multiplierUp: str | None = None
    multiplierDown: str | None = None
    bidMultiplierUp: str | None = None
    bidMultiplierDown: str | None = None
    askMultiplierUp: str | None = None
    askMultiplierDown: str | None = None
    avgPriceMins: int = 0


class _Symbol(msgspec.Struct):
    symbol: str
    status: str
    baseAsset: str
    quoteAsset: str
    filters: list[_Filter]
    isSpotTradingAllowed: bool = True
    permissions: list[str] = []


class _ExchangeInfo(msgspec.Struct):
    symbols: list[_Symbol]


def _is_spot(s: _Symbol) -> bool:
    return s.isSpotTradingAllowed


def _instrument(s: _Symbol) -> Instrument:
    by_type = {f.filterType: f for f in s.filters}
    price = by_type.get("PRICE_FILTER")
    lot = by_type.get("LOT_SIZE")
    # NOTIONAL replaced MIN_NOTIONAL in 2023; old captures carry only the latter.
    notional = by_type.get("NOTIONAL") or by_type.get("MIN_NOTIONAL")
    return Instrument(
        venue=Venue.BINANCE,
        symbol=f"{s.baseAsset}-{s.quoteAsset}",
        venue_id=s.symbol,
        base=s.baseAsset,
        quote=s.quoteAsset,
        tick_size=(price.tickSize if price else None) or "0",
        lot_size=(lot.stepSize if lot else None) or "0",
        min_qty=(lot.minQty if lot else None) or "0",
        min_notional=(notional.minNotional if notional else None) or "0",
        status=s.status,
        trading=s.status == "TRADING",
        price_band=_band(by_type),
    )


def _band(by_type: dict[str, _Filter]) -> PriceBand | None:
    """`filters.md`, PERCENT_PRICE_BY_SIDE: a buy passes when "Order price <=
    weightedAveragePrice * bidMultiplierUp" and ">= weightedAveragePrice *
    bidMultiplierDown", a sell likewise with the ask multipliers, the average taken over
    `avgPriceMins` ("0 means the last price is used"). The older PERCENT_PRICE filter
    has one pair of multipliers for both sides."""
    f = by_type.get("PERCENT_PRICE_BY_SIDE")
    if f is not None and f.bidMultiplierUp and f.bidMultiplierDown and \
            f.askMultiplierUp and f.askMultiplierDown:
        return PriceBand(buy_down=f.bidMultiplierDown, buy_up=f.bidMultiplierUp,
                         sell_down=f.askMultiplierDown, sell_up=f.askMultiplierUp,
                         avg_minutes=f.avgPriceMins)
    f = by_type.get("PERCENT_PRICE")
    if f is not None and f.multiplierUp and f.multiplierDown:
        return PriceBand(buy_down=f.multiplierDown, buy_up=f.multiplierUp,
                         sell_down=f.multiplierDown, sell_up=f.multiplierUp,
                         avg_minutes=f.avgPriceMins)
    return None


class BinanceAdapter(Adapter):
    venue = Venue.BINANCE
    ws_url = SPEC.ws_url
    max_connection_age_s = SPEC.max_connection_age_s
    rest_url = SPEC.rest_url
    instruments_path = INSTRUMENTS_PATH
    # The server pings every 20 s at the WebSocket level; aiohttp answers with a pong.
    heartbeat = Heartbeat(frame=None, interval_s=20.0)
    # 1024 streams per connection; no per-frame count limit is documented, so keep
    # SUBSCRIBE frames modest (the venue allows only 5 incoming messages per second).
    limits = Limits(args_per_frame=200, frame_bytes=16_384, streams_per_connection=1024)
    time_path = TIME_PATH
    signed = rest

    @staticmethod
    def venue_id(base: str, quote: str) -> str:
        return f"{base}{quote}"

    def channel_arg(self, venue_id: str) -> object:
        return f"{venue_id.lower()}@bookTicker"

    def request_frame(self, op: str, args: list[object], req_id: int) -> str:
        return msgspec.json.encode({"method": op.upper(), "params": args, "id": req_id}).decode()

    parser = BinanceParser
    depth_channel_arg = staticmethod(depth.channel_arg)
    depth_snapshot_path = staticmethod(depth.snapshot_path)
    depth_codec = depth.CODEC
    band_price_path = staticmethod(avgprice.avg_price_path)
    parse_band_price = staticmethod(avgprice.parse_avg_price)

    parse_instruments = staticmethod(_instruments)
    parse_server_time = staticmethod(_server_time)
    coins_path = coins.PATH
    sign_coins = staticmethod(coins.sign_coins)
    parse_coins = staticmethod(coins.parse_coins)


ADAPTER = BinanceAdapter
