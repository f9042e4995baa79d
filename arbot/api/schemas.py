"""What the API answers, as msgspec Structs: the one source of both the JSON bodies and
the OpenAPI components, so the description cannot drift from the responses.

Timestamps are ISO-8601 UTC text; amounts are JSON numbers (floats, as the engine holds
them); venue and state names are the lowercase names used everywhere in ArBot.
"""

from __future__ import annotations

from typing import Any

import msgspec


class Error(msgspec.Struct, frozen=True):
    """Every failure: a stable machine code and a sentence for a human."""

    code: str
    message: str


class VenueHealth(msgspec.Struct, frozen=True):
    venue: str
    state: str  # connecting, live, stale, reconnecting, quarantined, disabled, unknown


class Health(msgspec.Struct, frozen=True):
    healthy: bool
    engine_heartbeat_age_s: float | None  # None before the engine's first tick
    live_venues: int
    venues: list[VenueHealth]
    problems: list[str]


class Percentiles(msgspec.Struct, frozen=True):
    count: int
    p50_us: float | None
    p99_us: float | None


class FeedOut(msgspec.Struct, frozen=True):
    """One venue connection's health as last reported. Lag is exchange time to receive
    time, corrected by the venue's clock offset (ms); None with `lag_note` saying why
    where it is not measured (e.g. "n/a (bookTicker has no time)")."""

    venue: str
    connection: int
    state: str  # connecting, subscribing, live, stale, reconnecting, quarantined, disabled
    stale_reason: str | None  # why it is stale: silence, or "lag 820 ms > max_lag_ms 500"
    quotes_per_s: float
    last_frame_age_s: float | None
    reconnects: int
    lag_p50_ms: float | None
    lag_p99_ms: float | None
    lag_samples: int
    lag_note: str | None
    clock_offset_ms: float | None  # the venue's clock minus ours, from its REST time
    resyncs: dict[str, int]  # depth books resynced, by reason (gap, checksum, crossed...)
    books_resyncing: int  # depth books out being resynced now (0 at depth 1)


class DriftOut(msgspec.Struct, frozen=True):
    """One asset whose venue balance left the ledger's expectation by more than
    `[trading] max_balance_drift`; the venue opens no trade until it is cleared."""

    venue: str
    asset: str
    expected: float  # what the ledger expected from the fills it booked
    actual: float  # what the venue reported
    relative: float  # |actual - expected| over the larger of the two
    source: str  # rest, stream
    detected: str


class DriftAck(msgspec.Struct, frozen=True):
    """The venues whose drifts were acknowledged (the ledger took the venue's numbers and
    they trade again), and the drifts still open."""

    acknowledged: list[str]
    open: list[DriftOut]


class PrivateStreamOut(msgspec.Struct, frozen=True):
    """One venue's private stream (live trading): fills are confirmed on it while it is
    live; while the venue refuses the keys, that venue opens no trade."""

    venue: str
    state: str  # connecting, live, reconnecting, refused
    reconnects: int
    refused: str  # the venue's refusal of the keys, in one line ("" when none)
    account_mode: str = ""  # Bitget: "classic" or "unified" (UTA); "" where no modes


class Status(msgspec.Struct, frozen=True):
    mode: str  # off, paper, live
    armed: bool
    trading_state: str  # running, paused, halted (or "off" without a trader)
    trading_reason: str
    demo: bool
    started: str
    uptime_s: float
    funnel: dict[str, Any]
    trading: dict[str, Any]
    decision_latency: Percentiles  # passed episode -> both orders scheduled
    feeds: list[FeedOut]  # every venue connection, in (venue, connection) order
    balance_drift: list[DriftOut] = []  # open drifts: their venues open no trade
    private_streams: list[PrivateStreamOut] = []  # live trading only, by venue


class QuoteOut(msgspec.Struct, frozen=True):
    venue: str
    symbol: str
    bid: float
    bid_size: float
    ask: float
    ask_size: float
    received: str
    exchange_time: str | None


class EpisodeOut(msgspec.Struct, frozen=True):
    """An episode. `size_peak`, `profit_peak` and the net bps are top-of-book figures; the
    `walk_*`, `*_vwap`, `*_worst` and `*_levels` ones are what a walk of both books could
    fill at the threshold (docs/depth.md), at the peak (the largest walked profit). They
    are null for episodes recorded before ArBot walked books."""

    id: str
    symbol: str
    buy_venue: str
    sell_venue: str
    opened: str
    closed: str | None
    open: bool
    net_bps_open: float
    net_bps_peak: float
    size_peak: float
    profit_peak: float
    buy_ask: float
    sell_bid: float
    verdict: str | None
    close_reason: str | None
    walk_size_peak: float | None  # base units both books fill at the threshold
    walk_profit_peak: float | None  # quote currency, net of both taker fees
    walk_net_bps_peak: float | None  # walked profit over its cost at buy_vwap
    buy_vwap_peak: float | None  # mean ask paid over the walk
    sell_vwap_peak: float | None  # mean bid got over the walk
    buy_worst_peak: float | None  # the last ask walked: the buy leg's limit
    sell_worst_peak: float | None  # the last bid walked: the sell leg's limit
    buy_levels_peak: int | None  # ask levels walked (1: the top only)
    sell_levels_peak: int | None  # bid levels walked
    # [strategy] rebalance_cost (docs/inventory.md): the amortized transfer cost in bps and
    # the peak net after fees and it; null for episodes recorded before either existed
    transfer_bps: float | None = None
    net_bps_after_transfers: float | None = None
    # `verdict` split (arbot.verdicts): the step code to group by (passed,
    # filtered:<filter>) and the filter's words and numbers
    verdict_code: str | None = None
    verdict_detail: str | None = None


class TradeOut(msgspec.Struct, frozen=True):
    trade_id: str
    opened: str
    closed: str | None
    mode: str
    symbol: str
    buy_venue: str
    sell_venue: str
    planned_qty: float
    bought_qty: float | None
    sold_qty: float | None
    buy_avg_price: float | None
    sell_avg_price: float | None
    fees: float | None
    expected_pnl: float | None
    pnl: float | None
    status: str
    leg_outcome: str | None
    detail: str | None


class BalanceOut(msgspec.Struct, frozen=True):
    """One asset on one venue, and its worth in the quote currency at the latest mid
    (arbot.valuation: the venue's own pair, else the other venues' mean)."""

    venue: str
    asset: str
    free: float
    currency: str = "USDT"  # the quote currency the values are in
    value: float | None = None  # None when no venue quotes the asset in `currency`
    venue_value: float = 0.0  # every priced asset of this venue, in `currency`


class Control(msgspec.Struct, frozen=True):
    """The trading state after a pause, resume or halt."""

    trading_state: str
    trading_reason: str


class Event(msgspec.Struct, frozen=True):
    """One server-sent event's data: `kind` is episode, trade or status."""

    kind: str
    time: str
    data: dict[str, Any]
