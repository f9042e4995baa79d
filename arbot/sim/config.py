"""Simulator settings: plain frozen dataclasses, so tests build them inline and swap
them at runtime with `dataclasses.replace`.

Per-venue defaults come from each venue's spec (`arbot.venues`); every timeout is a
parameter because the documented values (10 min, 2 min, 60 s) are far too slow for tests.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

from arbot.domain import Venue
from arbot.sim.coins import CoinTweaks
from arbot.sim.market import NO_LAG, Lag, Market
from arbot.venues import VENUES
from arbot.venues.simspec import Credentials as Credentials  # re-exported: sim settings
from arbot.venues.simspec import FeeRates as FeeRates
from arbot.venues.simspec import Heartbeat as Heartbeat
from arbot.venues.simspec import RateLimit as RateLimit

DEFAULT_SYMBOLS: tuple[str, ...] = ("BTC-USDT", "ETH-USDT", "SOL-USDT", "XRP-USDT")


@dataclass(frozen=True)
class Faults:
    """Per-venue misbehaviour, all off by default.

    Periods restart when a fault is switched on, so a test that flips one at runtime
    sees it fire one period later, not immediately.
    """

    drop_every_s: float | None = None
    """Cut each connection's TCP socket (no close frame) this long after it opened."""
    stall_every_s: float | None = None
    """After this much normal service, send nothing at all (data, acks, pongs, pings)."""
    stall_for_s: float = 5.0
    garbage_rate: float = 0.0
    """Fraction (0..1) of pushed frames replaced by malformed ones."""
    absurd_rate: float = 0.0
    """Fraction (0..1) of pushed frames that are well formed but absurd (`faults.ABSURD`):
    finite numbers any parser reads, that only a plausibility check can refuse."""
    refuse_subscriptions: bool = False
    """Answer every subscribe request with the venue's error ack."""
    ignore_subscriptions: bool = False
    """Take subscribe requests and never answer or serve them (a venue that lost them)."""
    shutdown_every_s: float | None = None
    """Send the venue's shutdown notice (if it has one), then close after the grace."""
    shutdown_grace_s: float = 1.0
    lag_ms: float | None = None
    """How far behind the venue's own clock its frames arrive (None: the profile's
    default, none for `steady`, the venue's for `market`). `steady` stamps each frame's
    time fields this much (plus jitter) before the moment it is sent; `market` stamps the
    moment the book changed and sends the frame this much later."""
    jitter_ms: float | None = None
    """Standard deviation of the lag, drawn per frame (the lag never goes below zero);
    None: the profile's default."""
    book_gap_every_s: float | None = None
    """Depth channels: leave out one push (a gap in the sequence) this often."""
    book_bad_checksum_every_s: float | None = None
    """Depth channels that carry a checksum: send a wrong one this often (ignored where
    the channel has none)."""
    book_restart_every_s: float | None = None
    """Depth channels whose venue documents a book restart: restart the book this often
    (the whole book as an update numbered 1, which such a venue's docs say to take as a
    snapshot; ignored elsewhere)."""
    book_reorder_every_s: float | None = None
    """Depth channels: send one push after the next one this often."""


DEFAULT_HEARTBEATS: Mapping[Venue, Heartbeat] = {v: s.sim.heartbeat for v, s in VENUES.items()}

DEFAULT_MAX_AGES: Mapping[Venue, float | None] = {
    v: s.max_connection_age_s for v, s in VENUES.items()}
"""Each venue's documented cut of a connection by age (`VenueSpec.max_connection_age_s`)."""


@dataclass(frozen=True)
class Dislocations:
    """Random venue dislocations: the source of real, short-lived arbitrage."""

    rate_per_s: float = 0.05
    """Expected new dislocations per second across all symbols and venues."""
    size_bps: float = 30.0
    life_s: float = 2.0


DEMO_CREDENTIALS: Mapping[Venue, Credentials] = {
    v: s.sim.demo_credentials for v, s in VENUES.items()}
"""Public constants, valid on the simulator only; `arbot --demo` hands them to ArBot."""

DEFAULT_FEES: Mapping[Venue, FeeRates] = {v: s.sim.fees for v, s in VENUES.items()}

DEFAULT_RATE_LIMITS: Mapping[Venue, RateLimit] = {v: s.sim.order_limit for v, s in VENUES.items()}
"""Order-entry limits from each venue's docs."""


@dataclass(frozen=True)
class Accounts:
    """The simulated trading accounts: one per venue, all starting alike."""

    credentials: Mapping[Venue, Credentials] = field(default_factory=lambda: DEMO_CREDENTIALS)
    quote_balance: Decimal = Decimal(100_000)
    """Starting balance of every quote asset (USDT for the default symbols)."""
    base_value: Decimal = Decimal(100_000)
    """Starting holding of every base asset, worth this much quote at the symbol's start
    price, so the account can sell as well as buy."""
    balances: Mapping[str, Decimal] = field(default_factory=dict)
    """Explicit starting balances per asset; they override the two amounts above."""
    fees: Mapping[Venue, FeeRates] = field(default_factory=lambda: DEFAULT_FEES)
    clock_skew_ms: int = 0
    """The venues' clock runs this far ahead of ours (negative: behind). Every timestamp
    the simulator shows and checks uses it, so a client must correct with server time."""
    rate_limits: Mapping[Venue, RateLimit] = field(default_factory=lambda: DEFAULT_RATE_LIMITS)
    modes: Mapping[Venue, str] = field(default_factory=dict)
    """The account's mode where a venue has modes with their own private endpoints
    (`VenueSpec.account_modes`); unset: the venue's first."""

    def credentials_for(self, venue: Venue) -> Credentials:
        return self.credentials.get(venue, DEMO_CREDENTIALS[venue])

    def fees_for(self, venue: Venue) -> FeeRates:
        return self.fees.get(venue, DEFAULT_FEES[venue])

    def rate_limit_for(self, venue: Venue) -> RateLimit:
        return self.rate_limits.get(venue, DEFAULT_RATE_LIMITS[venue])

    def mode_for(self, venue: Venue) -> str:
        """The venue's account mode ("" where it has none); ValueError for one it lacks."""
        known = VENUES[venue].account_modes
        mode = self.modes.get(venue, known[0] if known else "")
        if mode not in (known or ("",)):
            raise ValueError(f"{venue} has no account mode {mode!r}")
        return mode


@dataclass(frozen=True)
class SimConfig:
    """Everything `SimServer` needs. Port 0 picks a free port; loopback by default."""

    host: str = "127.0.0.1"
    port: int = 0
    profile: Literal["steady", "market"] = "steady"
    """`steady`: every subscription re-sent round-robin at `rate` (the load generator).
    `market`: each channel pushes as its venue documents it (see `arbot.sim.market`)."""
    seed: int = 0
    symbols: tuple[str, ...] = DEFAULT_SYMBOLS
    rate: float = 50.0
    """`steady`: frames per second per connection, shared round-robin by its subscriptions."""
    flood: bool = False
    """`steady`: send as fast as possible from pre-encoded frames (also when `rate` <= 0)."""
    tick_s: float = 0.05
    """Price model step; quotes change at most this often."""
    vol_bps: float = 0.3
    """Standard deviation of the fair price per tick, in bps (0.3 bp per 50 ms is about
    BTC's usual volatility; natural cross-venue crosses stay rare and tiny)."""
    faults: Mapping[Venue, Faults] = field(default_factory=dict)
    heartbeats: Mapping[Venue, Heartbeat] = field(default_factory=lambda: DEFAULT_HEARTBEATS)
    max_ages: Mapping[Venue, float | None] = field(default_factory=lambda: DEFAULT_MAX_AGES)
    """Close each connection of a venue this long after it opened, without a notice, as
    the venue does (None: never); venues missing here keep their documented age."""
    dislocations: Dislocations = Dislocations()
    """The `steady` profile's random dislocations (`market` injects its own)."""
    market: Market = field(default_factory=Market)
    """The `market` profile: activity per symbol, lag per venue, injected dislocations."""
    flood_ring: int = 1024
    """Pre-encoded frames per flood connection, re-encoded about once a second."""
    close_timeout_s: float = 2.0
    """How long a server-initiated close waits for the client's close frame."""
    accounts: Accounts = Accounts()
    """Private REST: credentials, balances, fees, clock skew and rate limits."""
    coins: CoinTweaks = field(default_factory=CoinTweaks)
    """Coin information: coins a venue serves as another token, networks it has closed."""
    book_idle_s: float | None = None
    """How long a depth book may go unchanged before a channel that documents a
    no-change push sends one (an empty update); None: the venue's documented interval
    (`VenueProtocol.idle_update_s`)."""

    @classmethod
    def from_flags(
        cls,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        seed: int = 0,
        symbols: tuple[str, ...] | None = None,
        rate: float = 50.0,
        drop_every: float | None = None,
        stall_every: float | None = None,
        garbage_rate: float = 0.0,
    ) -> SimConfig:
        """What `arbot sim [--host] [--port] [--seed] [--symbols] [--rate] [--drop-every]
        [--stall-every] [--garbage-rate]` means: the faults apply to every venue."""
        faults = Faults(drop_every_s=drop_every, stall_every_s=stall_every,
                        garbage_rate=garbage_rate)
        return cls(host=host, port=port, seed=seed, symbols=symbols or DEFAULT_SYMBOLS,
                   rate=rate, faults=all_venues(faults))

    @property
    def credentials(self) -> Mapping[Venue, Credentials]:
        """Each venue's key the simulator accepts (what `arbot --demo` hands to ArBot)."""
        return {v: self.accounts.credentials_for(v) for v in Venue}

    @property
    def flooding(self) -> bool:
        return self.flood or self.rate <= 0

    def faults_for(self, venue: Venue) -> Faults:
        return self.faults.get(venue, Faults())

    def lag_for(self, venue: Venue, faults: Faults | None = None) -> Lag:
        """The venue's lag under `faults` (the configured ones by default): a fault's
        value where set, else the profile's default."""
        f = faults or self.faults_for(venue)
        default = self.market.lag_for(venue) if self.profile == "market" else NO_LAG
        return Lag(default.lag_ms if f.lag_ms is None else f.lag_ms,
                   default.jitter_ms if f.jitter_ms is None else f.jitter_ms)

    def heartbeat_for(self, venue: Venue) -> Heartbeat:
        return self.heartbeats.get(venue, DEFAULT_HEARTBEATS[venue])

    def max_age_for(self, venue: Venue) -> float | None:
        return self.max_ages.get(venue, DEFAULT_MAX_AGES[venue])


def all_venues(faults: Faults) -> dict[Venue, Faults]:
    """The same faults on every venue (what the `arbot sim` flags set)."""
    return dict.fromkeys(Venue, faults)
