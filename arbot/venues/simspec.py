"""What the simulator needs to know of each venue, as plain data held by its VenueSpec.

These types live here rather than in `arbot.sim` so that a venue's spec can carry its
simulator tables without importing the simulator: the client reads the same registry.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Heartbeat:
    """The server side of a venue's keep-alive rules.

    Client-ping venues drop a connection after `idle_timeout_s` without a ping; where
    the venue's docs say pushed data also keeps the line alive `data_keeps_alive` is
    set. Server-ping venues ping at the WebSocket level every `ping_interval_s` and drop
    a client that has not echoed the ping within `pong_timeout_s`.
    """

    idle_timeout_s: float = 600.0
    data_keeps_alive: bool = True
    ping_interval_s: float = 20.0
    pong_timeout_s: float = 60.0


@dataclass(frozen=True)
class Credentials:
    """One API key as a venue issues it; `passphrase` is empty where the venue has none."""

    key: str
    secret: str
    passphrase: str = ""


@dataclass(frozen=True)
class FeeRates:
    """Account fee rates as fractions (0.001 = 0.1 %), positive = the account pays."""

    maker: Decimal
    taker: Decimal


@dataclass(frozen=True)
class RateLimit:
    """At most `requests` private requests per sliding `window_s`; counted per endpoint
    path where the venue limits per endpoint, else per venue (`per_path=False`: limits
    per IP across endpoints)."""

    requests: int
    window_s: float
    per_path: bool = True


@dataclass(frozen=True)
class VenueStyle:
    """How one venue quotes: full spread, typical top size (in quote currency), lag.

    `lag_ms` and `lag_jitter_ms` are the market profile's delivery lag (mean and standard
    deviation): how long after the venue's clock stamps a change its frame reaches us.
    """

    spread_bps: float
    depth_quote: float
    latency_ticks: int
    jitter_bps: float
    lag_ms: float = 0.0
    lag_jitter_ms: float = 0.0


@dataclass(frozen=True)
class Rules:
    """One venue's trading rules for one symbol."""

    price_dp: int
    qty_dp: int
    min_qty: str
    min_notional: str

    @property
    def tick(self) -> float:
        return 10.0**-self.price_dp

    @property
    def lot(self) -> float:
        return 10.0**-self.qty_dp


@dataclass(frozen=True, kw_only=True)
class SimSpec:
    """One venue as the simulator plays it: keep-alive, demo account, fees, order-entry
    limit, quoting style, and the trading rules of the symbols it knows by name."""

    heartbeat: Heartbeat
    demo_credentials: Credentials
    fees: FeeRates
    order_limit: RateLimit
    style: VenueStyle
    rules: Mapping[str, Rules]
