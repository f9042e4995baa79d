"""Binance spot, public WebSocket: `<sym>@bookTicker` over raw or combined streams parsed
to quotes, subscribe frames; the adapter joins them to the REST side in `rest`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import msgspec

from arbot.domain import (
    FeedEvent,
    ShutdownNotice,
    SubscribeAck,
    Venue,
    VenueError,
)
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
from arbot.venues.binance import SPEC, rest


class BookTicker(msgspec.Struct):
    """`<symbol>@bookTicker` payload; Binance sends no timestamp in it."""

    u: int
    s: str
    b: float
    B: float
    a: float
    A: float


class Frame(msgspec.Struct):
    """Every frame a bookTicker connection can carry, decoded in one pass.

    Combined streams wrap the payload as `{"stream":..,"data":..}`; raw streams send the
    payload itself; acks are `{"result":null,"id":1}`; errors `{"code":2,"msg":".."}`.
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


_decoder = msgspec.json.Decoder(Frame, strict=False)


class BinanceParser(FrameParser):
    def parse(self, frame: str | bytes, recv_ns: int) -> list[FeedEvent]:
        """Parse one frame. Real combined-stream frame (2021-10-12)::

        {"stream":"nknusdt@bookTicker","data":{"u":499869768,"s":"NKNUSDT","b":"0.35210000",
         "B":"672.00000000","a":"0.35260000","A":"3199.00000000"}}
        """
        try:
            f = _decoder.decode(frame)
        except ValueError:  # msgspec.DecodeError, or UnicodeDecodeError inside a string
            return self._refused(frame)
        t = f.data
        if t is not None:
            return self._quote(t.s, t.b, t.B, t.a, t.A, recv_ns)
        if f.s is not None and f.b is not None and f.B is not None and f.a is not None \
                and f.A is not None and f.u is not None:
            return self._quote(f.s, f.b, f.B, f.a, f.A, recv_ns)
        if f.code is not None:
            return [VenueError(Venue.BINANCE, str(f.code), f.msg or "")]
        if f.id is not None and f.stream is None:
            return [SubscribeAck(Venue.BINANCE, str(f.id))]
        self.drops.add(Drop.INVALID_FRAME)
        return []

    def _quote(
        self, venue_id: str, bid: float, bid_size: float, ask: float, ask_size: float, recv_ns: int
    ) -> list[FeedEvent]:
        symbol = self._symbol(venue_id)
        if symbol is None:
            self.drops.add(Drop.UNKNOWN_SYMBOL)
            return []
        q = make_quote(Venue.BINANCE, symbol, bid, bid_size, ask, ask_size, None, recv_ns,
                       self.drops)
        return [] if q is None else [q]

    def _refused(self, frame: str | bytes) -> list[FeedEvent]:
        """Slow path: say why the typed decode refused the frame."""
        obj = decode_json(frame, self.drops)
        if obj is None:
            return []
        if isinstance(obj, dict):
            stream = obj.get("stream")
            data: Any = obj.get("data")
            event = data.get("e") if isinstance(data, dict) else obj.get("e")
            if event == "serverShutdown":
                return [ShutdownNotice(Venue.BINANCE, "serverShutdown")]
            if (isinstance(stream, str) and not stream.endswith("@bookTicker")) or event:
                self.drops.add(Drop.UNUSED_CHANNEL)
                return []
        self.drops.add(Drop.INVALID_FRAME)
        return []


class BinanceAdapter(Adapter):
    venue = Venue.BINANCE
    ws_url = SPEC.ws_url
    rest_url = SPEC.rest_url
    instruments_path = rest.INSTRUMENTS_PATH
    # The server pings every 20 s at the WebSocket level; aiohttp answers with a pong.
    heartbeat = Heartbeat(frame=None, interval_s=20.0)
    # 1024 streams per connection; no per-frame count limit is documented, so keep
    # SUBSCRIBE frames modest (the venue allows only 5 incoming messages per second).
    limits = Limits(args_per_frame=200, frame_bytes=16_384, streams_per_connection=1024)
    time_path = rest.TIME_PATH
    order_window_ms = rest.ORDER_WINDOW_MS
    rest_limits = rest.LIMITS
    rest_errors = rest.ERRORS

    @staticmethod
    def venue_id(base: str, quote: str) -> str:
        return f"{base}{quote}"

    def channel_arg(self, venue_id: str) -> object:
        return f"{venue_id.lower()}@bookTicker"

    def subscribe_frame(self, args: list[object], req_id: int) -> str:
        return msgspec.json.encode({"method": "SUBSCRIBE", "params": args, "id": req_id}).decode()

    def new_parser(self, symbols: Callable[[str], str | None], drops: DropCounter) -> FrameParser:
        return BinanceParser(symbols, drops)

    # REST: instruments, time, signed requests and their answers (`rest`).
    parse_instruments = staticmethod(rest.parse_instruments)
    parse_server_time = staticmethod(rest.parse_server_time)
    sign_place = staticmethod(rest.sign_place)
    sign_status = staticmethod(rest.sign_status)
    sign_cancel = staticmethod(rest.sign_cancel)
    sign_balances = staticmethod(rest.sign_balances)
    sign_fee_rates = staticmethod(rest.sign_fee_rates)
    parse_place = staticmethod(rest.parse_order)
    parse_status = staticmethod(rest.parse_order)
    parse_cancel = staticmethod(rest.parse_order)
    parse_balances = staticmethod(rest.parse_balances)
    parse_fee_rates = staticmethod(rest.parse_fee_rates)


ADAPTER = BinanceAdapter
