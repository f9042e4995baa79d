"""OKX v5 spot, public side: `bbo-tbt` (default) or `tickers` pushes parsed to quotes,
subscribe and ping frames, instruments and server time over public REST; the adapter
joins them to the signed REST in `rest`."""

from __future__ import annotations

from typing import Generic, Literal

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
    LiveLevel,
    OneRow,
    Positive,
    VenueId,
)
from arbot.venues.okx import SPEC, coins, depth, rest


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


class _BboArg(msgspec.Struct, Generic[VenueId], gc=False):
    channel: Literal["bbo-tbt"]
    instId: VenueId


class _BboRow(msgspec.Struct, gc=False):
    """`_Row` of a `bbo-tbt` push that can be quoted as is. bbo-tbt sends exactly one
    level a side: a tuple of one is one object where a list is two (any other count
    takes the checked path, which quotes the first level)."""

    asks: tuple[LiveLevel]
    bids: tuple[LiveLevel]
    ts: int


class _BboPush(msgspec.Struct, Generic[VenueId], gc=False):
    arg: _BboArg[VenueId]
    data: OneRow[_BboRow]


class _TickersArg(msgspec.Struct, Generic[VenueId], gc=False):
    channel: Literal["tickers"]
    instId: VenueId


class _TickersRow(msgspec.Struct, kw_only=True, gc=False):
    """`_Row` of a `tickers` push that can be quoted as is, fields in the order the pushes
    send them (instType .. askPx, askSz, bidPx, bidSz .. ts), so the decoder finds each
    key at the field it tried next."""

    instType: Literal["SPOT"] | None = None
    ask: Positive = msgspec.field(name="askPx")
    ask_size: Positive = msgspec.field(name="askSz")
    bid: Positive = msgspec.field(name="bidPx")
    bid_size: Positive = msgspec.field(name="bidSz")
    ts: int


class _TickersPush(msgspec.Struct, Generic[VenueId], gc=False):
    arg: _TickersArg[VenueId]
    data: OneRow[_TickersRow]


_VENUE = Venue.OKX
_BBO = "bbo-tbt"
_TICKERS = "tickers"


class OkxParser(ArgFrameParser):
    """Real `tickers` push (2022-05-13)::

    {"arg":{"channel":"tickers","instId":"BTC-USDT"},"data":[{"instType":"SPOT",
     "instId":"BTC-USDT","last":"30236","lastSz":"0.0002","askPx":"30228.7",
     "askSz":"1.55896972","bidPx":"30228.6","bidSz":"0.23393","open24h":"29700.4",
     "high24h":"31073","low24h":"28020.3","sodUtc0":"29028.8","sodUtc8":"30337.7",
     "volCcy24h":"525802090.62716611","vol24h":"17602.13085371","ts":"1652459224956"}]}
    """

    venue = Venue.OKX
    live_books = _BboPush
    live_ticker = _TickersPush
    frames = msgspec.json.Decoder(_Frame, strict=False)
    ticker_channel = _TICKERS
    book_channels = frozenset((_BBO,))
    price_keys = ("bidPx", "askPx")

    def is_spot(self, arg: ChannelArg, inst_type: str | None) -> bool:
        """`tickers` rows say instType; `bbo-tbt` does not, but only spot ids have one dash
        (BTC-USDT vs futures BTC-USD-220527 or swaps UNI-USD-SWAP)."""
        if inst_type:
            return inst_type == "SPOT"
        return arg.instId.count("-") == 1

    def says_not_spot(self, arg: ChannelArg, inst_type: str | None) -> bool:
        """Only a row's own instType rules a push out here: `bbo-tbt` rows have none, and
        their ids' shape is judged on a symbol miss alone."""
        return inst_type is not None and inst_type != "SPOT"


# Public REST: instruments and the server clock.

INSTRUMENTS_PATH = "/api/v5/public/instruments?instType=SPOT"
TIME_PATH = "/api/v5/public/time"


def _instruments(body: str | bytes) -> list[Instrument]:
    resp = msgspec.json.decode(body, type=_InstrumentsResponse)
    if resp.code != "0":
        raise ValueError(f"okx instruments: error {resp.code}: {resp.msg}")
    return [_instrument(i) for i in resp.data if i.instType == "SPOT"]


def _server_time(body: str | bytes) -> int:
    """`GET /api/v5/public/time`: `{"code":"0","msg":"","data":[{"ts":"1597026383085"}]}`."""
    resp = msgspec.json.decode(body, type=_TimeResponse, strict=False)
    if not resp.data:
        raise ValueError("okx time: empty data")
    return resp.data[0].ts


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


class OkxAdapter(Adapter):
    venue = Venue.OKX
    ws_url = SPEC.ws_url
    rest_url = SPEC.rest_url
    instruments_path = INSTRUMENTS_PATH
    # The server cuts a connection after 30 s without traffic; send text `ping` after
    # 25 s of silence (OKX: "N seconds, where N is less than 30").
    heartbeat = Heartbeat(frame="ping", interval_s=25.0, idle_only=True)
    # One frame may carry 64 KB of args and there are only 480 subscribe ops per hour per
    # connection, so each connection subscribes in a single frame. No public channel
    # cap is documented (close code 4008 exists); 100 bbo-tbt streams at up to 100
    # pushes/s each keeps one socket's burst load modest and a reconnect cheap.
    limits = Limits(args_per_frame=100, frame_bytes=64_000, streams_per_connection=100)
    ack_per_arg = True
    depth_streams_per_connection = depth.STREAMS_PER_CONNECTION
    time_path = TIME_PATH
    signed = rest

    @staticmethod
    def venue_id(base: str, quote: str) -> str:
        return f"{base}-{quote}"

    def channel_arg(self, venue_id: str) -> object:
        return {"channel": _BBO, "instId": venue_id}

    def request_frame(self, op: str, args: list[object], req_id: int) -> str:
        return msgspec.json.encode({"op": op, "args": args, "id": str(req_id)}).decode()

    parser = OkxParser
    depth_channel_arg = staticmethod(depth.channel_arg)
    depth_codec = depth.CODEC

    parse_instruments = staticmethod(_instruments)
    parse_server_time = staticmethod(_server_time)
    coins_path = coins.PATH
    sign_coins = staticmethod(coins.sign_coins)
    parse_coins = staticmethod(coins.parse_coins)


ADAPTER = OkxAdapter
