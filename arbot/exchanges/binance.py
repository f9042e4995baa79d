"""Binance spot: `<sym>@bookTicker` over raw or combined streams, exchangeInfo instruments,
and signed REST for live trading (answers parsed in `binance_private`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, ClassVar

import msgspec

from arbot.domain import (
    FeedEvent,
    Instrument,
    OrderRequest,
    ShutdownNotice,
    SubscribeAck,
    Venue,
    VenueError,
)
from arbot.exchanges import binance_private as private
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
from arbot.exchanges.signing import Credentials, SignedRequest, encode_query, hmac_hex


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


_ORDER_MESSAGES = [("insufficient balance", K.INSUFFICIENT_BALANCE),
                   ("filter failure", K.ORDER_RULES),
                   ("price * qty is zero or less", K.ORDER_RULES)]
_ORDER = "/api/v3/order"


def signature(secret: str, query: str, body: bytes = b"") -> str:
    """`rest-api.md`: "The signature payload of your request is the query string
    concatenated without separator to the HTTP body", HMAC-SHA256 of it as hex."""
    return hmac_hex(secret, query.encode() + body)


class BinanceAdapter(Adapter):
    venue = Venue.BINANCE
    ws_url = "wss://stream.binance.com:9443/ws"
    rest_url = "https://api.binance.com"
    instruments_path = "/api/v3/exchangeInfo?permissions=SPOT"
    # The server pings every 20 s at the WebSocket level; aiohttp answers with a pong.
    heartbeat = Heartbeat(frame=None, interval_s=20.0)
    # 1024 streams per connection; no per-frame count limit is documented, so keep
    # SUBSCRIBE frames modest (the venue allows only 5 incoming messages per second).
    limits = Limits(args_per_frame=200, frame_bytes=16_384, streams_per_connection=1024)
    time_path = "/api/v3/time"
    # REQUEST_WEIGHT 6000 per minute per IP (exchangeInfo's `rateLimits` has the live
    # value); exchangeInfo weighs 20, time 1; new order and cancel 1, query order 4,
    # account and commission 20. New orders also count against ORDERS, 50 per 10 s per
    # account in the recorded exchangeInfo (read the live value from `rateLimits`).
    rest_limits = RestLimits(
        overall=RateLimit(6000, 60.0),
        endpoints={"/api/v3/exchangeInfo": Endpoint(weight=20), "/api/v3/time": Endpoint(),
                   "POST /api/v3/order": Endpoint(weight=1, limit=RateLimit(50, 10.0)),
                   "GET /api/v3/order": Endpoint(weight=4),
                   "DELETE /api/v3/order": Endpoint(weight=1),
                   "/api/v3/account": Endpoint(weight=20),
                   "/api/v3/account/commission": Endpoint(weight=20)},
    )
    # Errors are `{"code":-1121,"msg":"Invalid symbol."}` with a 4xx/5xx status; 418 is
    # the IP ban that follows ignored 429s. -1007 is a backend timeout: status unknown.
    # -2010 NEW_ORDER_REJECTED and -1013 INVALID_MESSAGE carry several causes told apart
    # by the message (`errors.md`: "Account has insufficient balance for requested
    # action.", "Filter failure: LOT_SIZE" / PRICE_FILTER / NOTIONAL / MIN_NOTIONAL);
    # -2011 CANCEL_REJECTED with "Unknown order sent." is a missing order.
    rest_errors = ErrorTable(
        "code", "msg", None,
        codes={-1003: K.RATE_LIMITED, -1015: K.RATE_LIMITED, -1021: K.TIMESTAMP,
               -1007: K.SERVER, -1013: K.BAD_REQUEST, -1111: K.ORDER_RULES,
               -2010: K.BAD_REQUEST, -2011: K.BAD_REQUEST, -2013: K.NO_SUCH_ORDER,
               -1022: K.AUTH, -2014: K.AUTH, -2015: K.AUTH},
        statuses={418: K.RATE_LIMITED},
        messages={-2010: _ORDER_MESSAGES, -1013: _ORDER_MESSAGES,
                  -2011: [("unknown order", K.NO_SUCH_ORDER)]},
    )
    recv_window_ms: ClassVar[int] = 5000
    order_window_ms = recv_window_ms  # rest-api.md "Timing security": serverTime - timestamp

    @staticmethod
    def venue_id(base: str, quote: str) -> str:
        return f"{base}{quote}"

    def channel_arg(self, venue_id: str) -> object:
        return f"{venue_id.lower()}@bookTicker"

    def subscribe_frame(self, args: list[object], req_id: int) -> str:
        return msgspec.json.encode({"method": "SUBSCRIBE", "params": args, "id": req_id}).decode()

    def new_parser(self, symbols: Callable[[str], str | None], drops: DropCounter) -> FrameParser:
        return BinanceParser(symbols, drops)

    def parse_instruments(self, body: str | bytes) -> list[Instrument]:
        info = msgspec.json.decode(body, type=_ExchangeInfo)
        return [_instrument(s) for s in info.symbols if _is_spot(s)]

    def parse_server_time(self, body: str | bytes) -> int:
        """`GET /api/v3/time`: `{"serverTime": 1499827319559}`."""
        return msgspec.json.decode(body, type=_ServerTime).serverTime


    # --- signed REST: every parameter in the signed query string, no body -------------

    def _signed(self, creds: Credentials, method: str, path: str,
                params: Mapping[str, str], ts_ms: int) -> SignedRequest:
        """`timestamp` and `recvWindow` join the parameters; `signature` goes last."""
        query = encode_query({**params, "recvWindow": str(self.recv_window_ms),
                              "timestamp": str(ts_ms)})
        sig = signature(creds.secret, query)
        return SignedRequest(method, f"{path}?{query}&signature={sig}",
                             {"X-MBX-APIKEY": creds.key}, b"", sig)

    def sign_place(self, creds: Credentials, order: OrderRequest, ts_ms: int) -> SignedRequest:
        """`POST /api/v3/order` LIMIT IOC; FULL asks for the fills in the answer."""
        return self._signed(creds, "POST", _ORDER, {
            "symbol": order.venue_symbol, "side": order.side.upper(), "type": "LIMIT",
            "timeInForce": "IOC", "quantity": order.qty, "price": order.price,
            "newClientOrderId": order.client_id, "newOrderRespType": "FULL"}, ts_ms)

    def sign_status(self, creds: Credentials, ref: OrderRef, ts_ms: int) -> SignedRequest:
        return self._signed(creds, "GET", _ORDER, {
            "symbol": ref.venue_symbol, "origClientOrderId": ref.client_id}, ts_ms)

    def sign_cancel(self, creds: Credentials, ref: OrderRef, ts_ms: int) -> SignedRequest:
        return self._signed(creds, "DELETE", _ORDER, {
            "symbol": ref.venue_symbol, "origClientOrderId": ref.client_id}, ts_ms)

    def sign_balances(self, creds: Credentials, ts_ms: int) -> SignedRequest:
        return self._signed(creds, "GET", "/api/v3/account", {"omitZeroBalances": "true"},
                            ts_ms)

    def sign_fee_rates(self, creds: Credentials, venue_symbol: str, ts_ms: int
                       ) -> SignedRequest:
        return self._signed(creds, "GET", "/api/v3/account/commission",
                            {"symbol": venue_symbol}, ts_ms)

    # The answers are parsed in the sibling module (wire Structs and their sources).
    parse_place = staticmethod(private.parse_order)
    parse_status = staticmethod(private.parse_order)
    parse_cancel = staticmethod(private.parse_order)
    parse_balances = staticmethod(private.parse_balances)
    parse_fee_rates = staticmethod(private.parse_fee_rates)


class _ServerTime(msgspec.Struct):
    serverTime: int


class _Filter(msgspec.Struct):
    filterType: str
    tickSize: str | None = None
    stepSize: str | None = None
    minQty: str | None = None
    minNotional: str | None = None


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
    )
