"""Domain types shared by every layer: frozen msgspec Structs, cheap to build on the hot path.

Every Struct is keyword-only, so a construction site names each field and a field added,
removed or reordered cannot silently shift the others (the field order, and so the JSON,
is unchanged by `kw_only`).

Market data is float (detection compares bps against thresholds; float error is ~1e-16
relative). Instrument rules stay exact strings, because order quantization must be done
with Decimal from the venue's own text.
"""

from __future__ import annotations

import enum
import re

import msgspec


class Venue(enum.StrEnum):
    """The four supported venues; the value is the name used in config, the DB and the CLI."""

    BINANCE = "binance"
    BYBIT = "bybit"
    OKX = "okx"
    BITGET = "bitget"


class Quote(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """Top of book on one venue for one canonical symbol (`BASE-QUOTE`).

    `ts_exchange_ms` is None where the venue sends no timestamp (Binance bookTicker).
    `ts_recv_ns` is wall-clock receive time, for storage; staleness uses a monotonic
    clock kept beside the quote by whoever needs it.
    """

    venue: Venue
    symbol: str
    bid: float
    bid_size: float
    ask: float
    ask_size: float
    ts_exchange_ms: int | None
    ts_recv_ns: int


class PriceBand(msgspec.Struct, frozen=True, kw_only=True):
    """How far an order's limit price may stray from the venue's recent average price,
    as multipliers of it per side (exact strings): a buy within [buy_down, buy_up] times
    the average, a sell within [sell_down, sell_up]. `avg_minutes` is the averaging
    window the venue uses (0: its last price)."""

    buy_down: str
    buy_up: str
    sell_down: str
    sell_up: str
    avg_minutes: int = 0


class Instrument(msgspec.Struct, frozen=True, kw_only=True):
    """A spot instrument's trading rules, decimal fields as the venue's exact strings.
    `price_band` is None where the venue publishes no band for order prices."""

    venue: Venue
    symbol: str
    venue_id: str
    base: str
    quote: str
    tick_size: str
    lot_size: str
    min_qty: str
    min_notional: str
    status: str
    trading: bool
    price_band: PriceBand | None = None


class SubscribeAck(msgspec.Struct, frozen=True, kw_only=True):
    """The venue confirmed a subscription; `ref` is the request id or channel it names."""

    venue: Venue
    ref: str


class VenueError(msgspec.Struct, frozen=True, kw_only=True):
    """An error frame from the venue, with its own code and message."""

    venue: Venue
    code: str
    message: str


class Pong(msgspec.Struct, frozen=True, kw_only=True):
    """Answer to our application-level heartbeat."""

    venue: Venue


class ShutdownNotice(msgspec.Struct, frozen=True, kw_only=True):
    """The venue announced it will close the connection soon; reconnect early."""

    venue: Venue
    message: str


class BookDelta(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """One depth frame of one venue for one symbol: a snapshot, or changed levels.

    Levels are (price, size) as the venue's own strings, because checksums are computed
    over them (docs/depth.md); a size of zero deletes the level. The sequence fields are
    the venue's, named for their role: `seq` is this frame's last update id (Binance `u`,
    Bybit `u`, OKX `seqId`, Bitget `seq`), `prev_seq` what the frame chains from (Binance
    `U`, the first update id in it; OKX `prevSeqId`), None where the venue sends none.
    `checksum` is the venue's CRC32 of the top levels after this frame (OKX, Bitget).
    """

    venue: Venue
    symbol: str
    snapshot: bool
    bids: list[tuple[str, str]]
    asks: list[tuple[str, str]]
    seq: int | None = None
    prev_seq: int | None = None
    checksum: int | None = None
    ts_exchange_ms: int | None = None
    ts_recv_ns: int = 0


class BookResync(msgspec.Struct, frozen=True, kw_only=True):
    """A depth book broke its venue's integrity rules (sequence gap, checksum mismatch,
    crossed, out of order) or has no snapshot yet: it is reset and takes part in nothing
    until the feed has resubscribed its channel (or, where the venue says so, fetched a
    REST snapshot) and a snapshot has been applied. `reason` is counted per venue."""

    venue: Venue
    symbol: str
    reason: str


ControlEvent = SubscribeAck | VenueError | Pong | ShutdownNotice | BookResync
FeedEvent = Quote | ControlEvent


class FeedState(enum.StrEnum):
    """Where one venue connection stands; only LIVE quotes may take part in opportunities."""

    CONNECTING = "connecting"  # opening the socket
    SUBSCRIBING = "subscribing"  # socket open, subscriptions sent, waiting for data
    LIVE = "live"  # subscribed and frames arriving
    STALE = "stale"  # connected, but no frame for longer than the stale limit
    RECONNECTING = "reconnecting"  # waiting out the backoff after a failure
    QUARANTINED = "quarantined"  # too many failures in a row: cooling down
    DISABLED = "disabled"  # switched off in the settings


class FeedStatus(msgspec.Struct, frozen=True, kw_only=True):
    """A venue connection's health, emitted on every state change and once a second."""

    venue: Venue
    connection: int
    state: FeedState
    frames_per_s: float
    quotes_per_s: float
    last_frame_age_s: float | None  # None until the first frame arrives
    reconnects: int
    drops: dict[str, int]
    last_error: str | None
    ts_ns: int
    # Why a planned make-before-break rotation is under way (a venue's notice, the
    # connection's age), None otherwise; the connection stays LIVE on its old socket
    # until the replacement quotes. `rotations` counts the completed ones, which are
    # not reconnects.
    rotating: str | None = None
    rotations: int = 0
    # The venue's lag, exchange time to receive time corrected by its clock offset
    # (`arbot.exchanges.lag`): rolling p50/p99 over the samples counted; None with
    # `lag_note` saying why where it is not measured (no venue time, no offset yet).
    lag_p50_ms: float | None = None
    lag_p99_ms: float | None = None
    lag_samples: int = 0
    lag_note: str | None = None
    clock_offset_ms: float | None = None  # venue clock minus ours, from its REST time
    stale_reason: str | None = None  # why the state is STALE (silence, or lag over max)
    # Depth books (`[market] depth` > 1): resyncs by reason since the connection was
    # built (`BookResync`), and how many of its books are out being resynced now.
    resyncs: dict[str, int] = msgspec.field(default_factory=dict)
    books_resyncing: int = 0


class Opportunity(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """A cross-venue gap net of both taker fees: sized to what both top levels can fill
    (`size`, `profit`, `net_bps`) and to what a walk of both books fills (`walk_*`).

    It carries the two quotes and the fees it was built from, so anyone can recompute it:
    net_per_unit = sell.bid * (1 - sell_fee) - buy.ask * (1 + buy_fee);
    net_bps = net_per_unit / buy.ask * 1e4; profit = net_per_unit * size.
    """

    symbol: str
    buy: Quote  # bought at buy.ask on buy.venue
    sell: Quote  # sold at sell.bid on sell.venue
    buy_fee_bps: float
    sell_fee_bps: float
    net_per_unit: float
    net_bps: float
    size: float  # base units: min(ask size, bid size, max_notional / ask)
    profit: float  # quote currency, net of both fees
    # The same gap sized by walking both books (`arbot.depth.walk`): up the buy venue's
    # asks and down the sell venue's bids while each added unit still nets the threshold,
    # capped by max_notional (and balances when trading). With depth 1 the walk covers the
    # top levels only and these equal the top-of-book figures above.
    walk_size: float = 0.0  # base units both books fill at the threshold
    buy_vwap: float = 0.0  # mean price paid over the walked asks
    sell_vwap: float = 0.0  # mean price got over the walked bids
    buy_worst: float = 0.0  # the last (highest) ask walked: the buy leg's IOC limit
    sell_worst: float = 0.0  # the last (lowest) bid walked: the sell leg's IOC limit
    walk_profit: float = 0.0  # quote currency, net of both fees, over walk_size
    walk_net_bps: float = 0.0  # walk_profit over the cost of walk_size at buy_vwap, in bps
    buy_levels: int = 0  # ask levels walked (1: the top level only)
    sell_levels: int = 0  # bid levels walked
    # `[strategy] rebalance_cost = "amortized"`: the per-unit cost of moving the traded
    # inventory back, in bps of the ask (`arbot.engine.pairs.PairCost`); 0 when off or
    # while the venues' coin information is unknown.
    transfer_bps: float = 0.0

    @property
    def net_after_transfer_bps(self) -> float:
        """Net after both fees and the amortized transfer cost (the figure the threshold
        is applied to)."""
        return self.net_bps - self.transfer_bps


class Verdict(msgspec.Struct, frozen=True, kw_only=True):
    """What the filters said: `passed`, or the first filter that rejected and why."""

    passed: bool
    filter: str = ""
    reason: str = ""

    def __str__(self) -> str:
        return "passed" if self.passed else f"filtered:{self.filter}: {self.reason}"


PASSED = Verdict(passed=True)


class EpisodeKind(enum.StrEnum):
    OPEN = "open"
    UPDATE = "update"
    CLOSE = "close"


class Episode(msgspec.Struct, frozen=True, kw_only=True):
    """One opportunity's life for (symbol, buy venue, sell venue), from open to close.

    `passed` is whether it ever passed every filter (it was tradeable at some point);
    `verdict` is the latest filter verdict. Times are wall-clock ns at receipt.
    """

    id: str
    symbol: str
    buy_venue: Venue
    sell_venue: Venue
    opened_ns: int
    first: Opportunity
    peak: Opportunity
    last: Opportunity
    verdict: Verdict
    passed: bool
    updates: int  # consecutive quotes the gap has been seen on
    closed_ns: int | None = None
    close_reason: str | None = None


class EpisodeEvent(msgspec.Struct, frozen=True, kw_only=True):
    """Sent to sinks when an episode opens, changes materially (throttled) or closes."""

    kind: EpisodeKind
    episode: Episode


# --- orders (trading) ----------------------------------------------------------------


class Side(enum.StrEnum):
    BUY = "buy"
    SELL = "sell"


class OrderStatus(enum.StrEnum):
    """An order's state in ArBot's words; each venue's own names map onto these.

    UNKNOWN is what a timeout or a 5xx leaves behind: the order may or may not exist, so
    it must be looked up by client id before anything else is decided.
    """

    NEW = "new"
    PARTIALLY_FILLED = "partially_filled"
    FILLED = "filled"
    CANCELED = "canceled"
    REJECTED = "rejected"
    EXPIRED = "expired"
    UNKNOWN = "unknown"

    @property
    def final(self) -> bool:
        """Nothing more will fill: filled, canceled, rejected or expired."""
        return self in _FINAL


_FINAL = frozenset((OrderStatus.FILLED, OrderStatus.CANCELED, OrderStatus.REJECTED,
                    OrderStatus.EXPIRED))


class OrderRequest(msgspec.Struct, frozen=True, kw_only=True):
    """One IOC limit order as it leaves the process.

    `price` and `qty` are decimal text already quantized to the venue's tick and lot
    (floats never reach an order). `client_id` is at most 32 ASCII letters and digits,
    which every venue accepts (OKX is the strictest), and is the key under which the
    order is recorded before it is sent and looked up after a lost answer.
    """

    client_id: str
    venue: Venue
    symbol: str
    venue_symbol: str
    side: Side
    price: str
    qty: str


class OrderReport(msgspec.Struct, frozen=True, kw_only=True):
    """What a venue (or the paper executor) says about one order.

    `filled_qty` is in base currency, `avg_price` 0.0 when nothing filled, `fee` the
    total charged in `fee_asset` ("" when none). `error` is the venue's reason for a
    rejection, in its own words with its code.
    """

    client_id: str
    venue_order_id: str
    status: OrderStatus
    filled_qty: float = 0.0
    avg_price: float = 0.0
    fee: float = 0.0
    fee_asset: str = ""
    error: str = ""


class Balance(msgspec.Struct, frozen=True, kw_only=True):
    """One asset on one venue: what can be used now and what orders hold."""

    asset: str
    free: float
    locked: float = 0.0


class FeeRates(msgspec.Struct, frozen=True, kw_only=True):
    """Account fee rates as fractions charged (0.001 = 10 bps); a rebate is negative."""

    maker: float
    taker: float


class OrderNotSent(Exception):
    """ArBot's own last check, made right before an order would leave, refused it
    (trading halted, paused or disarmed while the order waited): nothing reached the
    venue, so the order is final as rejected."""


_CANONICAL = re.compile(r"^[A-Z0-9]{2,12}-[A-Z0-9]{2,12}$")


def is_canonical_symbol(symbol: str) -> bool:
    """`BASE-QUOTE`, upper case letters and digits: the shape of every symbol ArBot keys
    books, rules and records by."""
    return bool(_CANONICAL.match(symbol))
