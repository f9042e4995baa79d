"""What a venue protocol is, for the server: data plus small pure functions.

One `VenueProtocol` per venue turns client text into replies and subscription changes,
builds L1 pushes from a `Book`, and answers the public REST endpoints. It never touches
a socket: `session.py` owns connections, `server.py` owns routes, so everything that
differs between venues lives in the venue modules and nothing else asks which venue
it is talking to.

The venue modules encode frames from the venues' documentation on their own; they do
not import ArBot's adapters, so the simulator stays an independent peer that can catch
client bugs.
"""

from __future__ import annotations

import abc
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import msgspec

from arbot.domain import Venue
from arbot.sim.coins import SimNetwork
from arbot.sim.depthbook import BookView, DepthEvent
from arbot.sim.instruments import NumberStyle, SymbolSpec, format_units
from arbot.sim.prices import VenueQuote

JsonObj = dict[str, Any]

_encoder = msgspec.json.Encoder()


def dumps(obj: object) -> bytes:
    """Compact JSON, keys in insertion order (a venue may put `ts` before `type`)."""
    return _encoder.encode(obj)


class Invalid:
    """Marker for text that is not JSON (kept distinct from a JSON `null`)."""


INVALID = Invalid()


def loads(text: str | bytes) -> object:
    """Untyped decode of client text; `INVALID` when it is not JSON."""
    try:
        return msgspec.json.decode(text)
    except msgspec.DecodeError:
        return INVALID


@dataclass(frozen=True)
class Sub:
    """One live subscription on one connection.

    `key` is unique per connection (stream name, topic or channel:instId); `arg` is what
    the venue echoes in each push (some venues tag pushes with an arg object).
    """

    key: str
    symbol: str
    channel: str
    venue_id: str
    arg: object
    depth: bool = False
    """A depth channel (pushed by `arbot.sim.depthhub`), not an L1 one."""


@dataclass
class Ctx:
    """Per-connection state a protocol reads and (for properties) writes."""

    conn_id: str
    lookup: Mapping[str, SymbolSpec]
    """Venue id (as the venue's REST lists it) -> spec."""
    now_ms: Callable[[], int]
    subs: dict[str, Sub] = field(default_factory=dict)
    refuse: bool = False
    combined: bool = False
    """The `combined` stream property: wrap pushes as {"stream":..,"data":..}."""


@dataclass
class Outcome:
    """What one client message leads to. Replies go out before new subs start pushing."""

    replies: list[bytes] = field(default_factory=list)
    add: list[Sub] = field(default_factory=list)
    remove: list[str] = field(default_factory=list)
    ping: bool = False
    errors: int = 0


@dataclass(frozen=True)
class Book:
    """One L1 snapshot, numbers already written as the venue writes them.

    Fields are `object` so the garbage generator can put wrong types in them.
    """

    venue_id: str
    bid_px: object
    bid_sz: object
    ask_px: object
    ask_sz: object
    update_id: int
    ts_ms: int


def make_book(spec: SymbolSpec, venue: Venue, venue_id: str, q: VenueQuote,
              style: NumberStyle, ts_ms: int) -> Book:
    """Write a quote in integer ticks/lots as the venue's decimal strings."""
    r = spec.rules[venue]
    return Book(venue_id, format_units(q.bid, r.price_dp, style),
                format_units(q.bid_qty, r.qty_dp, style),
                format_units(q.ask, r.price_dp, style),
                format_units(q.ask_qty, r.qty_dp, style), q.update_id, ts_ms)


@dataclass(frozen=True)
class RestRequest:
    """A REST call reduced to what the handlers need.

    Public handlers read `query`; private ones also need the request exactly as it came
    off the wire, because every venue signs raw bytes: `path` (under the venue prefix,
    undecoded), `raw_query` (without the "?", undecoded), `headers` (case-insensitive)
    and the raw `body`.
    """

    query: Mapping[str, str]
    specs: tuple[SymbolSpec, ...]
    now_ms: int
    method: str = "GET"
    path: str = ""
    raw_query: str = ""
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""
    book: Callable[[SymbolSpec, int], BookView] | None = None
    """The venue's depth book of a symbol now, best `limit` levels a side (public REST)."""
    coins: Sequence[SimNetwork] = ()
    """The venue's coin and network table now (`arbot.sim.coins`)."""

    @property
    def target(self) -> str:
        """Path plus "?query" when there is one (the `requestPath` some venues sign)."""
        return f"{self.path}?{self.raw_query}" if self.raw_query else self.path


RestReply = tuple[int, object]
RestHandler = Callable[[RestRequest], RestReply]


class VenueProtocol(abc.ABC):
    """One venue's public protocol as the server speaks it."""

    venue: ClassVar[Venue]
    ws_paths: ClassVar[tuple[str, ...]]
    """WebSocket paths under the venue prefix; a trailing `/{tail}` takes a path tail. The
    first is the default URL a client is given."""
    numbers: ClassVar[NumberStyle]
    server_pings: ClassVar[bool] = False
    """True: the server sends WebSocket pings; else clients send app pings."""
    idle_close: ClassVar[tuple[int, str]] = (1000, "")
    """Close code and reason used when a client misses its heartbeat."""
    quote_keys: ClassVar[tuple[str, ...]]
    """Payload keys a quote cannot do without; 'missing field' garbage drops one."""
    initial_snapshot: ClassVar[bool] = True
    """The market profile pushes the current book on subscribing, as the venue documents;
    a venue whose channel pushes changes only sets False."""
    depth_push_ms: ClassVar[int] = 100
    """How often the depth channel pushes what changed, as documented."""
    depth_snapshot: ClassVar[bool] = True
    """The depth channel sends the whole book on subscribing (a stream of diffs alone
    does not: its snapshot comes from REST)."""
    book_checksum: ClassVar[bool] = False
    """Depth pushes carry a CRC32 of the top 25 levels (`arbot.sim.depthbook.checksum`)."""
    book_restarts: ClassVar[bool] = False
    """The venue documents restarting a book with update id 1."""
    idle_update_s: ClassVar[float | None] = None
    """The depth channel sends an empty update after this long without a change."""

    @staticmethod
    @abc.abstractmethod
    def venue_id(spec: SymbolSpec) -> str:
        """The id the venue's REST and WS use for `spec` (streams may lower-case it)."""

    def conn_id(self, token: int) -> str:
        """The connection id the venue echoes in acks; empty if it has none."""
        return ""

    def open(self, path_tail: str, query: Mapping[str, str], ctx: Ctx) -> list[Sub]:
        """Subscriptions named in the connect URL (raw and combined stream paths)."""
        return []

    @abc.abstractmethod
    def handle(self, text: str, ctx: Ctx) -> Outcome:
        """Answer one text frame from the client. Never raises on bad input."""

    @abc.abstractmethod
    def push(self, sub: Sub, book: Book, ctx: Ctx) -> JsonObj:
        """The L1 push for one subscription."""

    @abc.abstractmethod
    def depth_push(self, sub: Sub, event: DepthEvent, ctx: Ctx) -> JsonObj:
        """The depth channel's frame carrying `event` for one subscription."""

    @abc.abstractmethod
    def payload(self, frame: JsonObj, ctx: Ctx) -> JsonObj:
        """The object inside `frame` that holds the book fields."""

    def shutdown_notice(self, ctx: Ctx) -> bytes | None:
        """The frame announcing a server shutdown, if the venue documents one."""
        return None

    @abc.abstractmethod
    def rest_routes(self) -> Mapping[str, RestHandler]:
        """Public REST endpoints (path under the venue prefix -> handler)."""


def str_field(obj: object, key: str) -> str | None:
    """`obj[key]` when obj is a JSON object and the value a string."""
    if isinstance(obj, dict):
        value = obj.get(key)
        if isinstance(value, str):
            return value
    return None
