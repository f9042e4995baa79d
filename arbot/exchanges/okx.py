"""OKX v5 spot: `bbo-tbt` (default) or `tickers` pushes, SPOT instruments, and signed REST
for live trading (answers parsed in `okx_private`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import msgspec

from arbot.domain import FeedEvent, Instrument, OrderRequest, Venue
from arbot.exchanges import okx_private as private
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
from arbot.exchanges.signing import Credentials, HeaderNames, SignedRequest, iso_ms, sign_prehash
from arbot.exchanges.wire import ArgFrameParser, ChannelArg, Level, row_quotes


class _Row(msgspec.Struct, gc=False):
    """One `data[]` item: `bbo-tbt` fills asks/bids, `tickers` fills the *Px/*Sz fields.

    Both send `ts` as a string of ms, decoded to int by the non-strict decoder.
    """

    instType: str | None = None
    asks: list[Level] | None = None
    bids: list[Level] | None = None
    ask: float | None = msgspec.field(default=None, name="askPx")
    ask_size: float | None = msgspec.field(default=None, name="askSz")
    bid: float | None = msgspec.field(default=None, name="bidPx")
    bid_size: float | None = msgspec.field(default=None, name="bidSz")
    ts: int | None = None


class _Frame(msgspec.Struct, gc=False):
    """Pushes `{"arg":..,"data":[..]}` and control frames `{"event":..}`, in one pass."""

    arg: ChannelArg | None = None
    data: list[_Row] | None = None
    event: str | None = None
    code: str | None = None
    msg: str | None = None
    id: str | None = None


_decoder = msgspec.json.Decoder(_Frame, strict=False)
_VENUE = Venue.OKX
_BBO = "bbo-tbt"
_TICKERS = "tickers"


class OkxParser(ArgFrameParser):
    venue = Venue.OKX
    l1_channels = frozenset((_BBO, _TICKERS))
    price_keys = ("bidPx", "askPx")

    def is_spot(self, arg: ChannelArg, inst_type: str | None) -> bool:
        """`tickers` rows say instType; `bbo-tbt` does not, but only spot ids have one dash
        (BTC-USDT vs futures BTC-USD-220527 or swaps UNI-USD-SWAP)."""
        if inst_type:
            return inst_type == "SPOT"
        return arg.instId.count("-") == 1

    def parse(self, frame: str | bytes, recv_ns: int) -> list[FeedEvent]:
        """Parse one frame. Real `tickers` push (2022-05-13)::

        {"arg":{"channel":"tickers","instId":"BTC-USDT"},"data":[{"instType":"SPOT",
         "instId":"BTC-USDT","last":"30236","lastSz":"0.0002","askPx":"30228.7",
         "askSz":"1.55896972","bidPx":"30228.6","bidSz":"0.23393","open24h":"29700.4",
         "high24h":"31073","low24h":"28020.3","sodUtc0":"29028.8","sodUtc8":"30337.7",
         "volCcy24h":"525802090.62716611","vol24h":"17602.13085371","ts":"1652459224956"}]}
        """
        try:
            f = _decoder.decode(frame)
        except ValueError:  # msgspec.DecodeError, or UnicodeDecodeError for bad UTF-8
            return self._refused(frame)
        arg = f.arg
        rows = f.data
        if arg is None or not rows:
            if f.event is not None:
                return self._event(f.event, f.code, f.msg, f.arg, f.id)
            self.drops.add(Drop.INVALID_FRAME)
            return []
        inst_type = rows[0].instType
        if inst_type is not None and inst_type != "SPOT":
            self.drops.add(Drop.NOT_SPOT)
            return []
        channel = arg.channel
        bbo = channel == _BBO
        if not bbo and channel != _TICKERS:
            self.drops.add(Drop.UNUSED_CHANNEL)
            return []
        symbol = self._symbol(arg.instId)
        if symbol is None:
            # Only spot ids are mapped, so the id's shape is checked on a miss alone.
            self.drops.add(Drop.UNKNOWN_SYMBOL if self.is_spot(arg, None) else Drop.NOT_SPOT)
            return []
        return row_quotes(_VENUE, symbol, rows, bbo, recv_ns, self.drops)


class OkxAdapter(Adapter):
    venue = Venue.OKX
    ws_url = "wss://ws.okx.com:8443/ws/v5/public"
    rest_url = "https://www.okx.com"
    instruments_path = "/api/v5/public/instruments?instType=SPOT"
    # The server cuts a connection after 30 s without traffic; send text `ping` after
    # 25 s of silence (OKX: "N seconds, where N is less than 30").
    heartbeat = Heartbeat(frame="ping", interval_s=25.0, idle_only=True)
    # One frame may carry 64 KB of args and there are only 480 subscribe ops per hour per
    # connection, so each connection subscribes in a single frame. No public channel
    # cap is documented (close code 4008 exists); 100 bbo-tbt streams at up to 100
    # pushes/s each keeps one socket's burst load modest and a reconnect cheap.
    limits = Limits(args_per_frame=100, frame_bytes=64_000, streams_per_connection=100)
    ack_per_arg = True
    time_path = "/api/v5/public/time"
    order_window_ms = 30_000  # REST authentication: 50102 "Timestamp request expired" (30 s)
    # Public limits are per endpoint and IP: instruments 20 requests / 2 s, time 10 / 2 s.
    # Private ones per User ID: place, order details and cancel 60 / 2 s (place also per
    # instrument), balance 10 / 2 s, trade-fee 5 / 2 s.
    rest_limits = RestLimits(endpoints={
        "/api/v5/public/instruments": Endpoint(limit=RateLimit(20, 2.0)),
        "/api/v5/public/time": Endpoint(limit=RateLimit(10, 2.0)),
        "POST /api/v5/trade/order": Endpoint(limit=RateLimit(60, 2.0)),
        "GET /api/v5/trade/order": Endpoint(limit=RateLimit(60, 2.0)),
        "/api/v5/trade/cancel-order": Endpoint(limit=RateLimit(60, 2.0)),
        "/api/v5/account/balance": Endpoint(limit=RateLimit(10, 2.0)),
        "/api/v5/account/trade-fee": Endpoint(limit=RateLimit(5, 2.0)),
    })
    # `code` "0" is success; 50011 (rate limit) may come with HTTP 200 or 429, 50013
    # "Systems are busy" with 429. 50004 is an endpoint timeout: outcome unknown. 501xx
    # are authentication (50102 "Timestamp request expired" is the clock). An order's own
    # result is `data[i].sCode`/`sMsg`. 51008 insufficient balance [R in protocols.md];
    # 51131 insufficient balance, 51020 below the minimum order amount, 51603 "Order does
    # not exist" and 51400 cancel failed (already filled, canceled or unknown) are from
    # OKX's error-code table [R: not re-verified here].
    rest_errors = ErrorTable(
        "code", "msg", "0",
        codes={50011: K.RATE_LIMITED, 50013: K.RATE_LIMITED, 50061: K.RATE_LIMITED,
               50102: K.TIMESTAMP, 50112: K.TIMESTAMP, 50004: K.SERVER,
               50014: K.BAD_REQUEST, 51000: K.BAD_REQUEST, 51001: K.BAD_REQUEST,
               50103: K.AUTH, 50104: K.AUTH, 50105: K.AUTH, 50106: K.AUTH, 50107: K.AUTH,
               50110: K.AUTH, 50111: K.AUTH, 50113: K.AUTH,
               51008: K.INSUFFICIENT_BALANCE, 51131: K.INSUFFICIENT_BALANCE,
               51121: K.ORDER_RULES, 51020: K.ORDER_RULES,
               51603: K.NO_SUCH_ORDER, 51400: K.NO_SUCH_ORDER},
        statuses={401: K.AUTH},
        items=("data", "sCode", "sMsg"),
    )

    @staticmethod
    def venue_id(base: str, quote: str) -> str:
        return f"{base}-{quote}"

    def channel_arg(self, venue_id: str) -> object:
        return {"channel": _BBO, "instId": venue_id}

    def subscribe_frame(self, args: list[object], req_id: int) -> str:
        return msgspec.json.encode({"op": "subscribe", "args": args, "id": str(req_id)}).decode()

    def new_parser(self, symbols: Callable[[str], str | None], drops: DropCounter) -> FrameParser:
        return OkxParser(symbols, drops)

    def parse_instruments(self, body: str | bytes) -> list[Instrument]:
        resp = msgspec.json.decode(body, type=_InstrumentsResponse)
        if resp.code != "0":
            raise ValueError(f"okx instruments: error {resp.code}: {resp.msg}")
        return [_instrument(i) for i in resp.data if i.instType == "SPOT"]

    def parse_server_time(self, body: str | bytes) -> int:
        """`GET /api/v5/public/time`: `{"code":"0","msg":"","data":[{"ts":"1597026383085"}]}`."""
        resp = msgspec.json.decode(body, type=_TimeResponse, strict=False)
        if not resp.data:
            raise ValueError("okx time: empty data")
        return resp.data[0].ts


    # --- signed REST: OK-ACCESS-* headers, base64 HMAC of ts+METHOD+path(?query)+body --

    def _signed(self, creds: Credentials, method: str, path: str,
                fields: Mapping[str, str], ts_ms: int) -> SignedRequest:
        """The timestamp is ISO-8601 UTC with milliseconds, e.g. 2020-12-08T09:08:57.715Z."""
        return sign_prehash(creds, _HEADERS, method, path, fields, iso_ms(ts_ms))

    def sign_place(self, creds: Credentials, order: OrderRequest, ts_ms: int) -> SignedRequest:
        """`POST /api/v5/trade/order`: cash (spot) trade mode, ordType ioc, size in base."""
        return self._signed(creds, "POST", "/api/v5/trade/order", {
            "instId": order.venue_symbol, "tdMode": "cash", "clOrdId": order.client_id,
            "side": order.side.value, "ordType": "ioc", "px": order.price, "sz": order.qty},
            ts_ms)

    def sign_status(self, creds: Credentials, ref: OrderRef, ts_ms: int) -> SignedRequest:
        return self._signed(creds, "GET", "/api/v5/trade/order",
                            {"instId": ref.venue_symbol, "clOrdId": ref.client_id}, ts_ms)

    def sign_cancel(self, creds: Credentials, ref: OrderRef, ts_ms: int) -> SignedRequest:
        return self._signed(creds, "POST", "/api/v5/trade/cancel-order",
                            {"instId": ref.venue_symbol, "clOrdId": ref.client_id}, ts_ms)

    def sign_balances(self, creds: Credentials, ts_ms: int) -> SignedRequest:
        return self._signed(creds, "GET", "/api/v5/account/balance", {}, ts_ms)

    def sign_fee_rates(self, creds: Credentials, venue_symbol: str, ts_ms: int
                       ) -> SignedRequest:
        return self._signed(creds, "GET", "/api/v5/account/trade-fee",
                            {"instType": "SPOT", "instId": venue_symbol}, ts_ms)

    # The answers are parsed in the sibling module (wire Structs and their sources).
    parse_place = staticmethod(private.parse_ack)
    parse_status = staticmethod(private.parse_status)
    parse_cancel = staticmethod(private.parse_ack)
    parse_balances = staticmethod(private.parse_balances)
    parse_fee_rates = staticmethod(private.parse_fee_rates)


_HEADERS = HeaderNames(key="OK-ACCESS-KEY", sign="OK-ACCESS-SIGN",
                       timestamp="OK-ACCESS-TIMESTAMP", passphrase="OK-ACCESS-PASSPHRASE")


class _Ts(msgspec.Struct):
    ts: int


class _TimeResponse(msgspec.Struct):
    data: list[_Ts]


class _Instrument(msgspec.Struct):
    instId: str
    instType: str
    baseCcy: str
    quoteCcy: str
    tickSz: str
    lotSz: str
    minSz: str
    state: str


class _InstrumentsResponse(msgspec.Struct):
    code: str
    data: list[_Instrument]
    msg: str = ""


def _instrument(i: _Instrument) -> Instrument:
    return Instrument(
        venue=Venue.OKX,
        symbol=f"{i.baseCcy}-{i.quoteCcy}",
        venue_id=i.instId,
        base=i.baseCcy,
        quote=i.quoteCcy,
        tick_size=i.tickSz,
        lot_size=i.lotSz,
        min_qty=i.minSz,
        min_notional="0",  # OKX has no minimum order value for spot, only minSz
        status=i.state,
        trading=i.state == "live",
    )
