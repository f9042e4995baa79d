"""Bitget v2 spot: `books1` (default), `books5`/`books15` or `ticker` pushes, spot symbols,
and signed REST for live trading (answers parsed in `bitget_private`).

The legacy v1 protocol (`instType:"sp"`) shares the envelope; its pushes are skipped as
not spot, so a v1 capture can never be mistaken for v2 quotes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal

import msgspec

from arbot.domain import FeedEvent, Instrument, OrderRequest, Venue
from arbot.exchanges import bitget_private as private
from arbot.exchanges.base import (
    Adapter,
    Drop,
    DropCounter,
    FrameParser,
    Heartbeat,
    Limits,
)
from arbot.exchanges.orderwire import OrderRef
from arbot.exchanges.restspec import Endpoint, ErrorTable, RateLimit, RestLimits
from arbot.exchanges.restspec import RestErrorKind as K
from arbot.exchanges.signing import Credentials, HeaderNames, SignedRequest, sign_prehash
from arbot.exchanges.wire import ArgFrameParser, ChannelArg, Level, row_quotes


class _Row(msgspec.Struct, gc=False):
    """One `data[]` item: books* fill asks/bids, `ticker` fills the *Pr/*Sz fields.

    `ts` is a string of ms (the envelope's `ts` is push time, not data time).
    """

    asks: list[Level] | None = None
    bids: list[Level] | None = None
    bid: float | None = msgspec.field(default=None, name="bidPr")
    ask: float | None = msgspec.field(default=None, name="askPr")
    bid_size: float | None = msgspec.field(default=None, name="bidSz")
    ask_size: float | None = msgspec.field(default=None, name="askSz")
    ts: int | None = None


class _Frame(msgspec.Struct, gc=False):
    """Pushes `{"action":..,"arg":..,"data":[..],"ts":..}` and `{"event":..}` control frames."""

    arg: ChannelArg | None = None
    data: list[_Row] | None = None
    event: str | None = None
    code: int | str | None = None
    msg: str | None = None


_decoder = msgspec.json.Decoder(_Frame, strict=False)
_VENUE = Venue.BITGET
_BOOKS = frozenset(("books1", "books5", "books15"))  # fixed-depth snapshots, best level first
_TICKER = "ticker"


class BitgetParser(ArgFrameParser):
    venue = Venue.BITGET
    l1_channels = _BOOKS | {_TICKER}
    price_keys = ("bidPr", "askPr")

    def is_spot(self, arg: ChannelArg, inst_type: str | None) -> bool:
        """v2 tags every push with `instType:"SPOT"`; v1 said "sp", futures say others."""
        return arg.instType == "SPOT"

    def parse(self, frame: str | bytes, recv_ns: int) -> list[FeedEvent]:
        """Parse one frame. `books5` push from Bitget's docs (no v2 recording exists)::

        {"action":"snapshot","arg":{"instType":"SPOT","channel":"books5","instId":"BTCUSDT"},
         "data":[{"asks":[["26274.9","0.0009"],["26275.0","0.0500"]],"bids":[["26274.8",
         "0.0009"],["26274.7","0.0027"]],"checksum":0,"seq":123,"ts":"1695710946294"}],
         "ts":1695710946294}
        """
        try:
            f = _decoder.decode(frame)
        except ValueError:  # msgspec.DecodeError, or UnicodeDecodeError for bad UTF-8
            return self._refused(frame)
        arg = f.arg
        rows = f.data
        if arg is None or not rows:
            if f.event is not None:
                return self._event(f.event, f.code, f.msg, f.arg, None)
            self.drops.add(Drop.INVALID_FRAME)
            return []
        if arg.instType != "SPOT":
            self.drops.add(Drop.NOT_SPOT)
            return []
        channel = arg.channel
        # Equality, not `in _BOOKS`: a set lookup would hash the freshly decoded string.
        books = channel == "books1" or channel == "books5" or channel == "books15"
        if not books and channel != _TICKER:
            self.drops.add(Drop.UNUSED_CHANNEL)
            return []
        symbol = self._symbol(arg.instId)
        if symbol is None:
            self.drops.add(Drop.UNKNOWN_SYMBOL)
            return []
        return row_quotes(_VENUE, symbol, rows, books, recv_ns, self.drops)


class BitgetAdapter(Adapter):
    venue = Venue.BITGET
    ws_url = "wss://ws.bitget.com/v2/ws/public"
    rest_url = "https://api.bitget.com"
    instruments_path = "/api/v2/spot/public/symbols"
    # The client pings every 30 s and expects `pong`; the server drops after 2 min silence.
    heartbeat = Heartbeat(frame="ping", interval_s=30.0)
    # "args ... cannot exceed 4096 bytes" per frame (the whole frame is kept under that);
    # Bitget recommends "less than 50 channels in one connection", and allows only 240
    # subscribe requests per hour, so one frame per connection.
    limits = Limits(args_per_frame=50, frame_bytes=4096, streams_per_connection=50,
                    sends_per_s=10.0)
    ack_per_arg = True
    time_path = "/api/v2/public/time"
    order_window_ms = 30_000  # signature page: the ACCESS-TIMESTAMP "will expire in 30 seconds"
    # "The overall rate limit is 6000/IP/Min", and each endpoint has its own: symbols
    # 20 requests/s; time 20/s as well (from the endpoint page, unverified here); per UID
    # place and cancel 10/s, orderInfo 20/s, assets and trade-rate 10/s.
    rest_limits = RestLimits(overall=RateLimit(6000, 60.0), endpoints={
        "/api/v2/spot/public/symbols": Endpoint(limit=RateLimit(20, 1.0)),
        "/api/v2/public/time": Endpoint(limit=RateLimit(20, 1.0)),
        "/api/v2/spot/trade/place-order": Endpoint(limit=RateLimit(10, 1.0)),
        "/api/v2/spot/trade/cancel-order": Endpoint(limit=RateLimit(10, 1.0)),
        "/api/v2/spot/trade/orderInfo": Endpoint(limit=RateLimit(20, 1.0)),
        "/api/v2/spot/account/assets": Endpoint(limit=RateLimit(10, 1.0)),
        "/api/v2/common/trade-rate": Endpoint(limit=RateLimit(10, 1.0)),
    })
    # `code` "00000" is success; 429 comes as HTTP status and as code. 400xx are the
    # request and its authentication (`docs/bitget/error_codes.md`), 43xxx/45xxx orders.
    rest_errors = ErrorTable(
        "code", "msg", "00000",
        codes={429: K.RATE_LIMITED, 40008: K.TIMESTAMP, 40005: K.TIMESTAMP,
               40034: K.BAD_REQUEST,
               40001: K.AUTH, 40002: K.AUTH, 40006: K.AUTH, 40009: K.AUTH, 40011: K.AUTH,
               40012: K.AUTH, 40014: K.AUTH, 40018: K.AUTH, 40037: K.AUTH,
               43012: K.INSUFFICIENT_BALANCE,
               43027: K.ORDER_RULES, 45110: K.ORDER_RULES, 45111: K.ORDER_RULES,
               43001: K.NO_SUCH_ORDER, 43004: K.NO_SUCH_ORDER},
    )

    @staticmethod
    def venue_id(base: str, quote: str) -> str:
        return f"{base}{quote}"

    def channel_arg(self, venue_id: str) -> object:
        return {"instType": "SPOT", "channel": "books1", "instId": venue_id}

    def subscribe_frame(self, args: list[object], req_id: int) -> str:
        # Bitget documents no request id; acks name the arg instead.
        return msgspec.json.encode({"op": "subscribe", "args": args}).decode()

    def new_parser(self, symbols: Callable[[str], str | None], drops: DropCounter) -> FrameParser:
        return BitgetParser(symbols, drops)

    def parse_instruments(self, body: str | bytes) -> list[Instrument]:
        resp = msgspec.json.decode(body, type=_SymbolsResponse, strict=False)
        if resp.code != "00000":
            raise ValueError(f"bitget symbols: error {resp.code}: {resp.msg}")
        return [_instrument(s) for s in resp.data]

    def parse_server_time(self, body: str | bytes) -> int:
        """`GET /api/v2/public/time`: `{"code":"00000","msg":"success","requestTime":
        1688008631614,"data":{"serverTime":"1688008631614"}}`."""
        return msgspec.json.decode(body, type=_TimeResponse, strict=False).data.serverTime


    # --- signed REST: ACCESS-* headers, base64 HMAC of ts+METHOD+path(?query)+body ----

    def _signed(self, creds: Credentials, method: str, path: str,
                fields: Mapping[str, str], ts_ms: int) -> SignedRequest:
        """The timestamp is in ms ("Unix timestamp in milliseconds"); the GET query is
        sorted by key, as the HMAC sample page requires."""
        return sign_prehash(creds, _HEADERS, method, path, fields, str(ts_ms))

    def sign_place(self, creds: Credentials, order: OrderRequest, ts_ms: int) -> SignedRequest:
        """`POST /api/v2/spot/trade/place-order`: limit, force ioc, size in base coin."""
        return self._signed(creds, "POST", "/api/v2/spot/trade/place-order", {
            "symbol": order.venue_symbol, "side": order.side.value, "orderType": "limit",
            "force": "ioc", "price": order.price, "size": order.qty,
            "clientOid": order.client_id}, ts_ms)

    def sign_status(self, creds: Credentials, ref: OrderRef, ts_ms: int) -> SignedRequest:
        return self._signed(creds, "GET", "/api/v2/spot/trade/orderInfo",
                            {"clientOid": ref.client_id}, ts_ms)

    def sign_cancel(self, creds: Credentials, ref: OrderRef, ts_ms: int) -> SignedRequest:
        return self._signed(creds, "POST", "/api/v2/spot/trade/cancel-order",
                            {"symbol": ref.venue_symbol, "clientOid": ref.client_id}, ts_ms)

    def sign_balances(self, creds: Credentials, ts_ms: int) -> SignedRequest:
        return self._signed(creds, "GET", "/api/v2/spot/account/assets", {}, ts_ms)

    def sign_fee_rates(self, creds: Credentials, venue_symbol: str, ts_ms: int
                       ) -> SignedRequest:
        return self._signed(creds, "GET", "/api/v2/common/trade-rate",
                            {"symbol": venue_symbol, "businessType": "spot"}, ts_ms)

    # The answers are parsed in the sibling module (wire Structs and their sources).
    parse_place = staticmethod(private.parse_ack)
    parse_status = staticmethod(private.parse_status)
    parse_cancel = staticmethod(private.parse_ack)
    parse_balances = staticmethod(private.parse_balances)
    parse_fee_rates = staticmethod(private.parse_fee_rates)


_HEADERS = HeaderNames(key="ACCESS-KEY", sign="ACCESS-SIGN", timestamp="ACCESS-TIMESTAMP",
                       passphrase="ACCESS-PASSPHRASE")


class _ServerTime(msgspec.Struct):
    serverTime: int


class _TimeResponse(msgspec.Struct):
    data: _ServerTime


class _Symbol(msgspec.Struct):
    symbol: str
    baseCoin: str
    quoteCoin: str
    pricePrecision: int  # decimal places, sent as a string
    quantityPrecision: int
    status: str
    minTradeAmount: str = "0"
    minTradeUSDT: str = "0"


class _SymbolsResponse(msgspec.Struct):
    code: str
    data: list[_Symbol]
    msg: str = ""


def step_from_precision(precision: int) -> str:
    """10^-precision as an exact decimal string (2 -> "0.01", 0 -> "1").

    Bitget gives decimal places instead of tick/lot sizes.
    """
    return format(Decimal(1).scaleb(-precision), "f")


def _instrument(s: _Symbol) -> Instrument:
    return Instrument(
        venue=Venue.BITGET,
        symbol=f"{s.baseCoin}-{s.quoteCoin}",
        venue_id=s.symbol,
        base=s.baseCoin,
        quote=s.quoteCoin,
        tick_size=step_from_precision(s.pricePrecision),
        lot_size=step_from_precision(s.quantityPrecision),
        min_qty=s.minTradeAmount,
        min_notional=s.minTradeUSDT,
        status=s.status,
        trading=s.status == "online",
    )
