"""What every venue's public adapter provides: the venue's protocol as data plus pure
functions, so the feed loop and the REST clients never ask which venue they talk to.

Adapters are pure: wire Structs, frame builders, `parse()`, symbol rules, and the signed
(private) REST requests and their answers (`signedrest`). No sockets, no await. What all
venues do alike (building the parsers from the venue's parser class and depth codec,
subscribe and unsubscribe frames from its one request frame, split within its limits,
handing on its signed REST module) is done here once; a venue states only its data and
what differs.
"""

from __future__ import annotations

import abc
from collections.abc import Callable, Sequence
from typing import ClassVar, Protocol

import msgspec

from arbot.coininfo import CoinNetwork
from arbot.depth.board import DepthBoard
from arbot.domain import (
    Balance,
    FeeRates,
    Instrument,
    OrderReport,
    OrderRequest,
    Venue,
)
from arbot.exchanges.accountmode import AccountModes
from arbot.exchanges.depthparser import DepthFrameParser
from arbot.exchanges.depthwire import DepthCodec
from arbot.exchanges.drops import DropCounter
from arbot.exchanges.feedadapter import Heartbeat, Limits
from arbot.exchanges.frameparser import FrameParser
from arbot.exchanges.orderwire import OrderRef
from arbot.exchanges.restspec import ErrorTable, RestLimits, RestProblem
from arbot.exchanges.signedrest import SignedRest
from arbot.exchanges.signing import Credentials, SignedRequest


class NewParser(Protocol):
    """A venue's L1 parser class, as `Adapter.new_parser` builds it."""

    def __call__(self, symbols: Callable[[str], str | None], drops: DropCounter,
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
    def request_frame(self, op: str, args: list[object], req_id: int) -> str:
        """One request `op` ("subscribe" or "unsubscribe") carrying `args`."""

    def subscribe_frame(self, args: list[object], req_id: int) -> str:
        """One subscribe request carrying `args`."""
        return self.request_frame("subscribe", args, req_id)

    parser: ClassVar[NewParser]
    """The venue's L1 parser class."""

    def new_parser(self, symbols: Callable[[str], str | None], drops: DropCounter,
                   ids: Sequence[str] = ()) -> FrameParser:
        """A parser that maps venue ids to canonical symbols with `symbols`. `ids`: the
        venue ids its connection subscribes to, where known; its inline path then reads
        an id as one of those (`arbot.exchanges.wire.id_type`), and frames of any other id
        take the checked path, with the same outcome."""
        return self.parser(symbols, drops, ids)

    def unsubscribe_frame(self, args: list[object], req_id: int) -> str:
        """One unsubscribe request carrying `args` (how a broken book is resubscribed)."""
        return self.request_frame("unsubscribe", args, req_id)

    @abc.abstractmethod
    def depth_channel_arg(self, venue_id: str) -> object:
        """One subscription argument for the depth channel (docs/depth.md, "Channels chosen")."""

    depth_codec: ClassVar[DepthCodec]
    """How the venue's depth pushes (and, where it has one, REST snapshot) are read."""

    def new_depth_parser(self, symbols: Callable[[str], str | None], drops: DropCounter,
                         board: DepthBoard) -> FrameParser:
        """A parser keeping the depth channel's books in `board`: the venue's depth codec,
        with its L1 parser for every other frame (acks, pongs, errors, notices)."""
        return DepthFrameParser(symbols, drops, board, self.depth_codec,
                                self.new_parser(symbols, drops))

    def depth_snapshot_path(self, venue_id: str) -> str | None:
        """The REST path of the snapshot a depth book starts from, where the venue's stream
        sends only diffs; None where the stream sends its own snapshots."""
        return None

    def band_price_path(self, venue_id: str) -> str | None:
        """The public REST path of the price the venue's limit-price band is measured
        from (its recent average); None where the venue publishes none."""
        return None

    def parse_band_price(self, body: bytes) -> float:
        """That price from the answer (ValueError when unreadable)."""
        raise ValueError(f"{self.venue} publishes no band price")

    @abc.abstractmethod
    def parse_instruments(self, body: str | bytes) -> list[Instrument]:
        """Spot instruments from the venue's REST instruments response."""

    # Public REST, for the one client in rest.py: where the venue tells the time.
    time_path: ClassVar[str]

    @abc.abstractmethod
    def parse_server_time(self, body: str | bytes) -> int:
        """The venue's clock in ms from its time endpoint's reply; ValueError if unreadable."""

    signed: SignedRest
    """The venue's signed REST module (`arbot.venues.<venue>.rest`): what its requests cost,
    how it reports errors, and live trading's requests and answers, handed on below."""

    @property
    def order_window_ms(self) -> int:
        """`SignedRest.ORDER_WINDOW_MS`."""
        return self.signed.ORDER_WINDOW_MS

    @property
    def rest_limits(self) -> RestLimits:
        return self.signed.LIMITS

    @property
    def rest_errors(self) -> ErrorTable:
        return self.signed.ERRORS

    def rest_error(self, status: int, body: bytes) -> RestProblem | None:
        """What went wrong with a REST reply (None: nothing), from the HTTP status and the
        venue's error envelope, which some venues send with HTTP 200."""
        return self.signed.ERRORS.classify(status, body)

    # Where accounts come in modes with their own private endpoints (`accountmode`): how
    # to find the mode; `for_mode` is the adapter whose signed REST serves that mode.
    account_modes: ClassVar[AccountModes | None] = None

    def for_mode(self, mode: str) -> Adapter:
        """The adapter for an account in `mode` (this one where the venue has no modes)."""
        return self

    # Signed REST, for live trading: `signed`'s (`SignedRest` says what each does).

    def sign_place(self, creds: Credentials, order: OrderRequest, ts_ms: int) -> SignedRequest:
        return self.signed.sign_place(creds, order, ts_ms)

    def sign_status(self, creds: Credentials, ref: OrderRef, ts_ms: int) -> SignedRequest:
        return self.signed.sign_status(creds, ref, ts_ms)

    def sign_status_history(self, creds: Credentials, ref: OrderRef, ts_ms: int
                            ) -> SignedRequest | None:
        """Where a venue keeps some finished orders only in its order history: that
        lookup by client id, answered like `sign_status` (`parse_status`). None where
        `sign_status` finds every order."""
        return None

    def sign_cancel(self, creds: Credentials, ref: OrderRef, ts_ms: int) -> SignedRequest:
        return self.signed.sign_cancel(creds, ref, ts_ms)

    def sign_balances(self, creds: Credentials, ts_ms: int) -> SignedRequest:
        return self.signed.sign_balances(creds, ts_ms)

    def sign_fee_rates(self, creds: Credentials, venue_symbol: str, ts_ms: int
                       ) -> SignedRequest:
        return self.signed.sign_fee_rates(creds, venue_symbol, ts_ms)

    def parse_place(self, body: bytes, ref: OrderRef) -> OrderReport:
        return self.signed.parse_place(body, ref)

    def parse_status(self, body: bytes, ref: OrderRef) -> OrderReport | None:
        return self.signed.parse_status(body, ref)

    def parse_cancel(self, body: bytes, ref: OrderRef) -> OrderReport:
        return self.signed.parse_cancel(body, ref)

    def parse_balances(self, body: bytes) -> dict[str, Balance]:
        return self.signed.parse_balances(body)

    def parse_fee_rates(self, body: bytes, venue_symbol: str) -> FeeRates:
        return self.signed.parse_fee_rates(body, venue_symbol)

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
