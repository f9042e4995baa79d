"""What every venue adapter provides, and the checks all of them share.

Adapters are pure: wire Structs, frame builders, `parse()`, symbol rules, and the signed
(private) REST requests and their answers. No sockets, no await. Venue differences are
data on the adapter class (URLs, limits, heartbeat) or methods with one signature, so the
feed loop and the REST clients never ask which venue they are talking to.
"""

from __future__ import annotations

import abc
import enum
from collections.abc import Callable, Sequence
from typing import ClassVar, Protocol

import msgspec

from arbot.coininfo import CoinNetwork
from arbot.depth.board import DepthBoard
from arbot.domain import (
    Balance,
    FeedEvent,
    FeeRates,
    Instrument,
    OrderReport,
    OrderRequest,
    Quote,
    Venue,
)
from arbot.exchanges.accountmode import AccountModes
from arbot.exchanges.orderwire import OrderRef
from arbot.exchanges.restspec import ErrorTable, RestLimits, RestProblem
from arbot.exchanges.signing import Credentials, SignedRequest

INF = float("inf")


class Drop(enum.StrEnum):
    """Why a frame produced no quote. Skips (not_spot, unused_channel) are not errors."""

    INVALID_JSON = "invalid_json"
    INVALID_FRAME = "invalid_frame"  # wrong types, missing or empty fields
    NON_FINITE = "non_finite"
    NON_POSITIVE = "non_positive"
    CROSSED = "crossed"
    EMPTY_BOOK = "empty_book"
    UNKNOWN_SYMBOL = "unknown_symbol"
    OFF_TICK = "off_tick"  # a price off the tick or a size off the lot (quotegate)
    OUT_OF_BAND = "out_of_band"  # too far from the last good price (quotegate)
    NOT_SPOT = "not_spot"
    UNUSED_CHANNEL = "unused_channel"


class DropCounter:
    """Counts dropped frames by reason; shared by a parser and whoever reports its health."""

    __slots__ = ("counts",)

    def __init__(self) -> None:
        self.counts: dict[Drop, int] = {}

    def add(self, reason: Drop) -> None:
        self.counts[reason] = self.counts.get(reason, 0) + 1

    def total(self) -> int:
        return sum(self.counts.values())

    def as_dict(self) -> dict[str, int]:
        return {str(k): v for k, v in sorted(self.counts.items())}


def make_quote(
    venue: Venue,
    symbol: str,
    bid: float,
    bid_size: float,
    ask: float,
    ask_size: float,
    ts_exchange_ms: int | None,
    recv_ns: int,
    drops: DropCounter,
) -> Quote | None:
    """The one gate every quote passes: finite, positive, not crossed; else a counted drop.

    The happy path is a single chained comparison (NaN fails every comparison); the
    reason is worked out only for frames that fail it.
    """
    if 0.0 < bid < ask < INF and 0.0 < bid_size < INF and 0.0 < ask_size < INF:
        return Quote(venue=venue, symbol=symbol, bid=bid, bid_size=bid_size, ask=ask,
                     ask_size=ask_size, ts_exchange_ms=ts_exchange_ms, ts_recv_ns=recv_ns)
    drops.add(quote_problem(bid, bid_size, ask, ask_size))
    return None


def quote_problem(bid: float, bid_size: float, ask: float, ask_size: float) -> Drop:
    """Why a top of book that failed `make_quote`'s one comparison is unusable."""
    values = (bid, bid_size, ask, ask_size)
    if any(v != v or v in (INF, -INF) for v in values):
        return Drop.NON_FINITE
    if any(v <= 0.0 for v in values):
        return Drop.NON_POSITIVE
    return Drop.CROSSED


Quoter = Callable[[str | bytes, int], Quote | None]
"""`FrameParser.quote`'s signature: a frame and its wall-clock receive time in ns."""


class FrameParser(abc.ABC):
    """Turns one raw WS frame into at most one quote; never raises on bad input.

    The feed loop calls `quote` per frame: the L1 push is the common case, so the parser
    builds the `Quote` itself and hands it back bare. Anything else a frame says
    (subscribe acks, pongs, venue errors, shutdown notices) is appended to `events`, which
    the loop drains only when it is non-empty; drops are counted on `drops`.
    """

    quote: Quoter
    """The frame's quote, stamped with `recv_ns` (wall-clock receive time), or None.

    A method, or, on the L1 parsers, a closure each sets in `__init__`: the names it
    captures are read faster than a method's `self.` attributes, once per frame."""

    def __init__(self, symbols: Callable[[str], str | None], drops: DropCounter) -> None:
        self._symbol = symbols
        self.drops = drops
        self.events: list[FeedEvent] = []

    def parse(self, frame: str | bytes, recv_ns: int) -> list[FeedEvent]:
        """Everything one frame yields, as one list: for tools and tests (the feed loop
        calls `quote` and drains `events` itself)."""
        q = self.quote(frame, recv_ns)
        out: list[FeedEvent] = [] if q is None else [q]
        if self.events:
            out += self.events
            self.events.clear()
        return out


class Heartbeat(msgspec.Struct, frozen=True):
    """How a venue keeps a connection alive.

    `frame` is what the client sends every `interval_s` (None: the server pings at the
    WebSocket level and the client only answers). `idle_only`: send only after that
    long without receiving anything.
    """

    frame: str | None
    interval_s: float
    idle_only: bool = False


class Limits(msgspec.Struct, frozen=True):
    """Per-frame and per-connection subscription limits, from the venue's documentation.

    `sends_per_s`: how many frames the client may send per second (5 where a venue
    documents nothing).
    """

    args_per_frame: int
    frame_bytes: int
    streams_per_connection: int
    sends_per_s: float = 5.0


class FeedAdapter(Protocol):
    """What the feed loop asks of a stream's adapter: the public `Adapter`, or a private
    stream's (`arbot.exchanges.privatefeed`)."""

    @property
    def venue(self) -> Venue: ...

    @property
    def heartbeat(self) -> Heartbeat: ...

    @property
    def limits(self) -> Limits: ...

    @property
    def ack_per_arg(self) -> bool: ...

    @property
    def max_connection_age_s(self) -> float | None: ...

    def subscribe_frames(self, venue_ids: Sequence[str], depth: bool = False) -> list[str]: ...

    def new_parser(self, symbols: Callable[[str], str | None], drops: DropCounter,
                   ids: Sequence[str] = ()) -> FrameParser: ...


class Adapter(abc.ABC):
    """One venue's public protocol as data plus pure functions."""

    venue: ClassVar[Venue]
    ws_url: ClassVar[str]
    rest_url: ClassVar[str]
    instruments_path: ClassVar[str]
    heartbeat: ClassVar[Heartbeat]
    limits: ClassVar[Limits]
    # True where the venue acks each subscribed arg, False where it acks each subscribe
    # frame: how many acks a connection should expect.
    ack_per_arg: ClassVar[bool] = False
    # How long the venue lets a connection live before cutting it (`VenueSpec`); the feed
    # rotates make-before-break ahead of it. None: no cut documented.
    max_connection_age_s: ClassVar[float | None] = None
    # How many depth channels one connection carries where the venue asks for fewer than
    # its L1 limit; None: `limits.streams_per_connection`.
    depth_streams_per_connection: ClassVar[int | None] = None

    @staticmethod
    @abc.abstractmethod
    def venue_id(base: str, quote: str) -> str:
        """The venue's id for a spot pair, e.g. BTC, USDT -> BTCUSDT."""

    @abc.abstractmethod
    def channel_arg(self, venue_id: str) -> object:
        """One subscription argument (a stream name or an arg object) for the L1 channel."""

    @abc.abstractmethod
    def subscribe_frame(self, args: list[object], req_id: int) -> str:
        """One subscribe request carrying `args`."""

    @abc.abstractmethod
    def new_parser(self, symbols: Callable[[str], str | None], drops: DropCounter,
                   ids: Sequence[str] = ()) -> FrameParser:
        """A parser that maps venue ids to canonical symbols with `symbols`. `ids`: the
        venue ids its connection subscribes to, where known; its inline path then reads
        an id as one of those (`arbot.exchanges.wire.id_type`), and frames of any other id
        take the checked path, with the same outcome."""

    @abc.abstractmethod
    def unsubscribe_frame(self, args: list[object], req_id: int) -> str:
        """One unsubscribe request carrying `args` (how a broken book is resubscribed)."""

    @abc.abstractmethod
    def depth_channel_arg(self, venue_id: str) -> object:
        """One subscription argument for the depth channel (docs/depth.md, "Channels chosen")."""

    @abc.abstractmethod
    def new_depth_parser(self, symbols: Callable[[str], str | None], drops: DropCounter,
                         board: DepthBoard) -> FrameParser:
        """A parser keeping the depth channel's books in `board` (a `DepthFrameParser`)."""

    def depth_snapshot_path(self, venue_id: str) -> str | None:
        """The REST path of the snapshot a depth book starts from, where the venue's stream
        sends only diffs; None where the stream sends its own snapshots."""
        return None

    @abc.abstractmethod
    def parse_instruments(self, body: str | bytes) -> list[Instrument]:
        """Spot instruments from the venue's REST instruments response."""

    # Public REST, for the one client in rest.py: where the venue tells the time, what
    # its requests cost, and how it reports errors.
    time_path: ClassVar[str]
    # How long after its timestamp the venue still accepts a signed request: once that
    # has passed, an order the last run signed can no longer reach the venue.
    order_window_ms: ClassVar[int]
    rest_limits: ClassVar[RestLimits]
    rest_errors: ClassVar[ErrorTable]

    @abc.abstractmethod
    def parse_server_time(self, body: str | bytes) -> int:
        """The venue's clock in ms from its time endpoint's reply; ValueError if unreadable."""

    def rest_error(self, status: int, body: bytes) -> RestProblem | None:
        """What went wrong with a REST reply (None: nothing), from the HTTP status and the
        venue's error envelope, which some venues send with HTTP 200."""
        return self.rest_errors.classify(status, body)

    # Where accounts come in modes with their own private endpoints (`accountmode`): how
    # to find the mode; `for_mode` is the adapter whose signed REST serves that mode.
    account_modes: ClassVar[AccountModes | None] = None

    def for_mode(self, mode: str) -> Adapter:
        """The adapter for an account in `mode` (this one where the venue has no modes)."""
        return self

    # Signed REST, for live trading. `ts_ms` is the venue's clock in ms (local wall clock
    # plus the measured offset, worked out by the caller); every request is built and
    # signed here, pure, and sent as is. Parsers raise ValueError on an unreadable answer.

    @abc.abstractmethod
    def sign_place(self, creds: Credentials, order: OrderRequest, ts_ms: int) -> SignedRequest:
        """An immediate-or-cancel limit order keyed by `order.client_id`."""

    @abc.abstractmethod
    def sign_status(self, creds: Credentials, ref: OrderRef, ts_ms: int) -> SignedRequest:
        """The order's state, looked up by client id."""

    def sign_status_history(self, creds: Credentials, ref: OrderRef, ts_ms: int
                            ) -> SignedRequest | None:
        """Where a venue keeps some finished orders only in its order history: that
        lookup by client id, answered like `sign_status` (`parse_status`). None where
        `sign_status` finds every order."""
        return None

    @abc.abstractmethod
    def sign_cancel(self, creds: Credentials, ref: OrderRef, ts_ms: int) -> SignedRequest:
        """Cancel the order by client id."""

    @abc.abstractmethod
    def sign_balances(self, creds: Credentials, ts_ms: int) -> SignedRequest:
        """The spot account's balances."""

    @abc.abstractmethod
    def sign_fee_rates(self, creds: Credentials, venue_symbol: str, ts_ms: int
                       ) -> SignedRequest:
        """The account's maker/taker rates for one symbol."""

    @abc.abstractmethod
    def parse_place(self, body: bytes, ref: OrderRef) -> OrderReport:
        """The answer to `sign_place` (the fills, or only an acknowledgement)."""

    @abc.abstractmethod
    def parse_status(self, body: bytes, ref: OrderRef) -> OrderReport | None:
        """The answer to `sign_status`; None when the venue lists no such order."""

    @abc.abstractmethod
    def parse_cancel(self, body: bytes, ref: OrderRef) -> OrderReport:
        """The answer to `sign_cancel`."""

    @abc.abstractmethod
    def parse_balances(self, body: bytes) -> dict[str, Balance]:
        """Balances by asset (upper case) from the answer to `sign_balances`."""

    @abc.abstractmethod
    def parse_fee_rates(self, body: bytes, venue_symbol: str) -> FeeRates:
        """Fractions charged (a rebate negative) from the answer to `sign_fee_rates`."""

    # Coin and network information (withdrawal fees, open networks, contracts): the
    # venue's documented endpoint, signed where the venue requires it (`coins_signed`).
    coins_path: ClassVar[str]
    coins_signed: ClassVar[bool] = True

    def sign_coins(self, creds: Credentials, ts_ms: int) -> SignedRequest:
        """The signed coin-information request (only where `coins_signed`)."""
        raise NotImplementedError(f"{self.venue}'s coin information is public")

    @abc.abstractmethod
    def parse_coins(self, body: bytes) -> list[CoinNetwork]:
        """Every coin's networks from the coin-information answer; ValueError if the
        answer is not the documented shape (a field missing, text where a number goes)."""

    def connections(self, venue_ids: Sequence[str], depth: bool = False) -> list[list[str]]:
        """Split symbols over connections so none exceeds the venue's per-connection limit."""
        n = self.limits.streams_per_connection
        if depth and self.depth_streams_per_connection is not None:
            n = self.depth_streams_per_connection
        return [list(venue_ids[i : i + n]) for i in range(0, len(venue_ids), n)]

    def subscribe_frames(self, venue_ids: Sequence[str], depth: bool = False) -> list[str]:
        """Subscribe requests for one connection, each within the per-frame count and size,
        for the L1 channel or (`depth`) the depth channel.

        Sizes add up exactly because frames are compact JSON: overhead + each arg + a comma.
        """
        overhead = len(self.subscribe_frame([], 0).encode()) + _ID_DIGITS
        frames: list[str] = []
        chunk: list[object] = []
        used = overhead
        for arg in map(self.depth_channel_arg if depth else self.channel_arg, venue_ids):
            size = len(msgspec.json.encode(arg)) + 1
            if chunk and (len(chunk) >= self.limits.args_per_frame
                          or used + size > self.limits.frame_bytes):
                frames.append(self.subscribe_frame(chunk, len(frames) + 1))
                chunk, used = [], overhead
            chunk.append(arg)
            used += size
        if chunk:
            frames.append(self.subscribe_frame(chunk, len(frames) + 1))
        return frames


_ID_DIGITS = 19  # room for any request id up to 2**63


def decode_json(frame: str | bytes, drops: DropCounter) -> object:
    """Untyped decode for the slow path (classifying a frame the typed decoder refused).

    None means "already counted": invalid JSON, or the JSON `null`, which is no frame.
    """
    try:
        obj = msgspec.json.decode(frame)
    except ValueError:  # msgspec.DecodeError, or UnicodeDecodeError for bad UTF-8 in a string
        drops.add(Drop.INVALID_JSON)
        return None
    if obj is None:
        drops.add(Drop.INVALID_FRAME)
    return obj
