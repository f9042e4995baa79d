"""Bitget v2 spot, public side: `books1` (default), `books5`/`books15` or `ticker`
pushes parsed to quotes, subscribe and ping frames; instruments and server time over
public REST; the adapter joins them to the signed REST in `rest`.

The legacy v1 protocol (`instType:"sp"`) shares the envelope; its pushes are skipped as
not spot, so a v1 capture can never be mistaken for v2 quotes.
"""

from __future__ import annotations

from decimal import Decimal
from typing import ClassVar, Generic, Literal

import msgspec

from arbot.domain import (
    Instrument,
    Venue,
)
from arbot.exchanges.argparser import ArgFrameParser
from arbot.exchanges.base import Adapter
from arbot.exchanges.feedadapter import Heartbeat, Limits
from arbot.exchanges.wire import (
    ChannelArg,
    Level,
    LiveSide,
    OneRow,
    Positive,
    VenueId,
)
from arbot.venues.bitget import SPEC, coins, depth, mode, rest, rest_uta


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
    instType: ClassVar[None] = None  # the push's `arg` says it


class _Frame(msgspec.Struct, gc=False):
    """Pushes `{"action":..,"arg":..,"data":[..],"ts":..}` and `{"event":..}` control frames."""

    arg: ChannelArg | None = None
    data: list[_Row] | None = None
    event: str | None = None
    code: int | str | None = None
    msg: str | None = None
    id: ClassVar[None] = None  # no request id is documented; acks name the arg


class _BooksArg(msgspec.Struct, Generic[VenueId], gc=False):
    instType: Literal["SPOT"]
    channel: Literal["books1", "books5", "books15"]
    instId: VenueId


class _BooksRow(msgspec.Struct, gc=False):
    """`_Row` of a books* push that can be quoted as is (asks, bids .. ts, in push order)."""

    asks: LiveSide
    bids: LiveSide
    ts: int


class _BooksPush(msgspec.Struct, Generic[VenueId], gc=False):
    arg: _BooksArg[VenueId]
    data: OneRow[_BooksRow]


class _TickerArg(msgspec.Struct, Generic[VenueId], gc=False):
    instType: Literal["SPOT"]
    channel: Literal["ticker"]
    instId: VenueId


class _TickerRow(msgspec.Struct, gc=False):
    """`_Row` of a `ticker` push that can be quoted as is, fields in push order (..
    bidPr, askPr, bidSz, askSz .. ts)."""

    bid: Positive = msgspec.field(name="bidPr")
    ask: Positive = msgspec.field(name="askPr")
    bid_size: Positive = msgspec.field(name="bidSz")
    ask_size: Positive = msgspec.field(name="askSz")
    ts: int


class _TickerPush(msgspec.Struct, Generic[VenueId], gc=False):
    arg: _TickerArg[VenueId]
    data: OneRow[_TickerRow]


_VENUE = Venue.BITGET
_BOOKS = frozenset(("books1", "books5", "books15"))  # fixed-depth snapshots, best level first
_TICKER = "ticker"


class BitgetParser(ArgFrameParser):
    """`books5` push from Bitget's docs (no v2 recording exists)::

    {"action":"snapshot","arg":{"instType":"SPOT","channel":"books5","instId":"BTCUSDT"},
     "data":[{"asks":[["26274.9","0.0009"],["26275.0","0.0500"]],"bids":[["26274.8",
     "0.0009"],["26274.7","0.0027"]],"checksum":0,"seq":123,"ts":"1695710946294"}],
     "ts":1695710946294}
    """

    venue = Venue.BITGET
    live_books = _BooksPush
    live_ticker = _TickerPush
    frames = msgspec.json.Decoder(_Frame, strict=False)
    ticker_channel = _TICKER
    book_channels = _BOOKS
    price_keys = ("bidPr", "askPr")

    def is_spot(self, arg: ChannelArg, inst_type: str | None) -> bool:
        """v2 tags every push with `instType:"SPOT"`; v1 said "sp", futures say others."""
        return arg.instType == "SPOT"


# Public REST: instruments and the server clock.

INSTRUMENTS_PATH = "/api/v2/spot/public/symbols"
TIME_PATH = "/api/v2/public/time"


def _instruments(body: str | bytes) -> list[Instrument]:
    resp = msgspec.json.decode(body, type=_SymbolsResponse, strict=False)
    if resp.code != "00000":
        raise ValueError(f"bitget symbols: error {resp.code}: {resp.msg}")
    return [_instrument(s) for s in resp.data]


def _server_time(body: str | bytes) -> int:
    """`GET /api/v2/public/time`: `{"code":"00000","msg":"success","requestTime":
    1688008631614,"data":{"serverTime":"1688008631614"}}`."""
    return msgspec.json.decode(body, type=_TimeResponse, strict=False).data.serverTime


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


class BitgetAdapter(Adapter):
    venue = Venue.BITGET
    ws_url = SPEC.ws_url
    max_connection_age_s = SPEC.max_connection_age_s
    rest_url = SPEC.rest_url
    instruments_path = INSTRUMENTS_PATH
    # The client pings every 30 s and expects `pong`; the server drops after 2 min silence.
    heartbeat = Heartbeat(frame="ping", interval_s=30.0)
    # "args ... cannot exceed 4096 bytes" per frame (the whole frame is kept under that);
    # Bitget recommends "less than 50 channels in one connection", and allows only 240
    # subscribe requests per hour, so one frame per connection.
    limits = Limits(args_per_frame=50, frame_bytes=4096, streams_per_connection=50,
                    sends_per_s=10.0)
    ack_per_arg = True
    time_path = TIME_PATH
    signed = rest

    @staticmethod
    def venue_id(base: str, quote: str) -> str:
        return f"{base}{quote}"

    def channel_arg(self, venue_id: str) -> object:
        return {"instType": "SPOT", "channel": "books1", "instId": venue_id}

    def request_frame(self, op: str, args: list[object], req_id: int) -> str:
        # Bitget documents no request id; acks name the arg instead.
        return msgspec.json.encode({"op": op, "args": args}).decode()

    parser = BitgetParser
    depth_channel_arg = staticmethod(depth.channel_arg)
    depth_codec = depth.CODEC

    parse_instruments = staticmethod(_instruments)
    parse_server_time = staticmethod(_server_time)
    coins_path = coins.PATH
    coins_signed = False
    parse_coins = staticmethod(coins.parse_coins)
    # A classic account as above; a unified one (`mode`) trades through `rest_uta`.
    account_modes = mode.ACCOUNT_MODES

    def for_mode(self, account_mode: str) -> Adapter:
        return BitgetUtaAdapter() if account_mode == mode.UTA else self


class BitgetUtaAdapter(BitgetAdapter):
    """Bitget for a unified trading account: the same market data, the v3 signed REST."""

    signed = rest_uta


ADAPTER = BitgetAdapter
