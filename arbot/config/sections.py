"""The sections of ArBot's settings: small frozen models, one per TOML table.

Why each forbids extra keys: a typo in arbot.toml must be an error, not a setting that is
silently ignored. Every field has a description; `arbot.toml` documents the same in prose.
The front ends' sections ([ui], [api], [serve]) are in `frontends`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    create_model,
    field_validator,
    model_validator,
)

from arbot.config.addresses import checked_url
from arbot.domain import Venue
from arbot.exchanges.symbols import parse_canonical
from arbot.venues import VENUES

Bps = Annotated[float, Field(ge=0, le=100, allow_inf_nan=False)]


class ExchangeSettings(BaseModel):
    """One venue's endpoints and fees. Defaults differ per venue; see `ExchangesSettings`."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    enabled: bool = Field(True, description="Connect to this venue and use its quotes.")
    ws_url: str = Field(description="Public market-data WebSocket URL (ws:// or wss://).")
    rest_url: str = Field(description="REST base URL (http:// or https://).")
    private_ws_url: str = Field("", description=(
        "Private stream (orders, fills, balances) WebSocket URL, used for live trading; "
        "empty: the venue's own while rest_url is the venue's, else beside rest_url at "
        "the venue's documented path (a simulator or proxy)."))
    taker_fee_bps: Bps = Field(description="Taker fee in basis points (10 = 0.10%), 0..100; "
                               "base tier by default: set your account's rate.")
    maker_fee_bps: Bps = Field(description="Maker fee in basis points, 0..100; base tier.")

    @field_validator("ws_url")
    @classmethod
    def _ws_url(cls, value: str) -> str:
        return checked_url(value, ("ws", "wss"))

    @field_validator("rest_url")
    @classmethod
    def _rest_url(cls, value: str) -> str:
        return checked_url(value, ("http", "https"))

    @field_validator("private_ws_url")
    @classmethod
    def _private_ws_url(cls, value: str) -> str:
        return checked_url(value, ("ws", "wss")) if value else value


# The venues' public endpoints and base-tier spot fees (bps), the documented defaults.
_VENUE_DEFAULTS: dict[str, dict[str, Any]] = {
    v.value: {"ws_url": s.ws_url, "rest_url": s.rest_url,
              "taker_fee_bps": s.taker_fee_bps, "maker_fee_bps": s.maker_fee_bps}
    for v, s in VENUES.items()
}


def _venue_field(venue: str) -> Any:
    return Field(default_factory=lambda: ExchangeSettings(**_VENUE_DEFAULTS[venue]),
                 description=f"{venue.capitalize()} spot.")


class _VenueTables(BaseModel):
    """One table per venue, `[exchanges.<venue>]`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    @model_validator(mode="before")
    @classmethod
    def _fill_venue_defaults(cls, data: Any) -> Any:
        """A partial `[exchanges.<venue>]` keeps that venue's own defaults for the keys it
        leaves out."""
        if not isinstance(data, Mapping):
            return data
        return {k: {**_VENUE_DEFAULTS[k], **v} if k in _VENUE_DEFAULTS and isinstance(v, Mapping)
                else v for k, v in data.items()}

    def for_venue(self, venue: Venue) -> ExchangeSettings:
        settings: ExchangeSettings = getattr(self, venue.value)
        return settings

    def enabled_venues(self) -> list[Venue]:
        return [v for v in Venue if self.for_venue(v).enabled]

    def private_ws_url(self, venue: Venue) -> str:
        """The venue's private stream: as set; else the venue's own while `rest_url` is
        the venue's; else beside `rest_url` at the path the venue documents, which is
        where a stand-in for the venue (the simulator, a proxy) serves it."""
        ex = self.for_venue(venue)
        if ex.private_ws_url:
            return ex.private_ws_url
        spec = VENUES[venue]
        if ex.rest_url.rstrip("/") == spec.rest_url.rstrip("/"):
            return spec.private_ws_url
        rest = urlsplit(ex.rest_url)
        scheme = "wss" if rest.scheme == "https" else "ws"
        path = urlsplit(spec.private_ws_url).path
        return f"{scheme}://{rest.netloc}{rest.path.rstrip('/')}{path}"


# One field per registered venue, named by its value: built from the registry so that a
# new venue needs no edit here. mypy sees the base, which has every method callers use.
if TYPE_CHECKING:
    ExchangesSettings = _VenueTables
else:
    ExchangesSettings = create_model(
        "ExchangesSettings", __base__=_VenueTables, __module__=__name__,
        __doc__=_VenueTables.__doc__,
        **{v.value: (ExchangeSettings, _venue_field(v.value)) for v in VENUES})


def _canonical(symbol: str) -> str:
    parse_canonical(symbol)
    return symbol


DEPTHS = (1, 5, 20, 50)


def _depth(levels: int) -> int:
    """An int, not a Literal, so `ARBOT_MARKET__DEPTH=20` (a string) is read as 20."""
    if levels not in DEPTHS:
        raise ValueError("must be one of: " + ", ".join(map(str, DEPTHS)))
    return levels


class MarketSettings(BaseModel):
    """What to watch."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    symbols: list[Annotated[str, AfterValidator(_canonical)]] = Field(
        default_factory=lambda: ["BTC-USDT", "ETH-USDT", "SOL-USDT", "XRP-USDT"], min_length=1,
        description="Canonical BASE-QUOTE symbols watched on every enabled venue; no duplicates.")
    depth: Annotated[int, AfterValidator(_depth)] = Field(1, description=(
        "Order-book levels kept per venue and symbol: 1 uses the top-of-book channels; "
        "5, 20 or 50 keep integrity-checked L2 books and size gaps by walking them."))

    @field_validator("symbols")
    @classmethod
    def _unique(cls, symbols: list[str]) -> list[str]:
        dups = sorted({s for s in symbols if symbols.count(s) > 1})
        if dups:
            raise ValueError("duplicate symbols: " + ", ".join(dups))
        return symbols


class StrategySettings(BaseModel):
    """When a price gap counts as an opportunity."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    min_net_profit_bps: float = Field(5.0, ge=0, allow_inf_nan=False, description=(
        "Smallest profit after both taker fees, in basis points, to report an opportunity."))
    max_net_profit_bps: float = Field(200.0, gt=0, allow_inf_nan=False, description=(
        "Sanity ceiling in bps: larger gaps are treated as bad data; must exceed the minimum."))
    max_quote_age_ms: int = Field(1000, ge=1, le=60000, description=(
        "With quote_freshness \"age\", quotes older than this (ms since receipt) never "
        "take part; with \"connection\", how late a channel's periodic re-send may be."))
    max_notional: float = Field(100.0, gt=0, allow_inf_nan=False, description=(
        "Largest trade size, in quote currency (e.g. USDT), per opportunity."))
    min_notional: float = Field(10.0, ge=0, allow_inf_nan=False, description=(
        "Smallest trade size worth reporting, in quote currency; venues refuse tiny orders."))
    rebalance_cost: Literal["off", "amortized"] = Field("amortized", description=(
        "\"amortized\": an opportunity's net also subtracts the per-unit cost of moving "
        "the traded inventory back (the cheapest open network's withdrawal fees spread "
        "over [inventory] transfer_batch); \"off\": fees only."))
    quote_freshness: Literal["connection", "age"] = Field("connection", description=(
        "\"connection\": a quote takes part while its venue's connection is live (a quiet "
        "symbol on a channel that pushes on change is not stale); \"age\": the old rule, "
        "every quote ages out max_quote_age_ms after receipt and filters.freshness "
        "compares receive times."))

    @model_validator(mode="after")
    def _max_above_min(self) -> StrategySettings:
        if self.max_net_profit_bps <= self.min_net_profit_bps:
            raise ValueError(f"max_net_profit_bps ({self.max_net_profit_bps:g}) must be greater "
                             f"than min_net_profit_bps ({self.min_net_profit_bps:g})")
        if self.min_notional > self.max_notional:
            raise ValueError(f"min_notional ({self.min_notional:g}) must not exceed "
                             f"max_notional ({self.max_notional:g})")
        return self


class StorageSettings(BaseModel):
    """The SQLite recording."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    path: str = Field("arbot.db", min_length=1, description="SQLite database file.")
    flush_ms: int = Field(250, ge=10, le=10000, description="Write batches every this many ms.")
    record_quotes: Literal["all", "changes", "throttled", "off"] = Field("changes", description=(
        "Which quotes to store: every one, only changed tops of book, one per throttle "
        "interval per venue and symbol, or none."))
    record_throttle_ms: int = Field(1000, ge=10, le=60000, description=(
        "Interval in ms for record_quotes = \"throttled\"."))
    record_books: Literal["throttled", "off"] = Field("throttled", description=(
        "With [market] depth above 1, store each venue's book (its top levels) at most "
        "once per record_books_ms per venue and symbol, for backtests by depth; or none."))
    record_books_ms: int = Field(1000, ge=0, le=60000, description=(
        "Interval in ms for record_books = \"throttled\"; 0 stores the book on every "
        "update of it."))
    record_books_levels: int = Field(20, ge=1, le=50, description=(
        "Levels per side stored with each book (at most [market] depth)."))
    retention_days: int = Field(30, ge=0, le=3650, description=(
        "Delete recorded rows older than this many days; 0 keeps them forever."))


class FeedSettings(BaseModel):
    """How market-data connections judge their health and recover."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    stale_after_s: float = Field(5.0, ge=0.1, le=300, allow_inf_nan=False, description=(
        "A connection with no frame for this long is shown as stale, in seconds."))
    silence_s: float = Field(30.0, ge=0.5, le=600, allow_inf_nan=False, description=(
        "A connection with no frame for this long is closed and reopened, in seconds."))
    backoff_cap_s: float = Field(30.0, ge=0.1, le=600, allow_inf_nan=False, description=(
        "Longest wait between reconnect attempts, in seconds."))
    quarantine_after: int = Field(8, ge=1, le=100, description=(
        "Failed connections in a row before a venue is quarantined."))
    quarantine_s: float = Field(300.0, ge=1, le=86400, allow_inf_nan=False, description=(
        "How long a quarantined venue is left alone, in seconds."))
    status_log_s: float = Field(5.0, ge=1, le=3600, allow_inf_nan=False, description=(
        "Interval of the per-venue status lines in --no-ui mode, in seconds."))
    max_lag_ms: float = Field(500.0, ge=10, le=60000, allow_inf_nan=False, description=(
        "A venue whose quotes arrive later than this behind its own clock (the median "
        "of the last 5 s) is stale and its quotes are not used, in ms."))

    @model_validator(mode="after")
    def _silence_after_stale(self) -> FeedSettings:
        if self.silence_s <= self.stale_after_s:
            raise ValueError("silence_s must be greater than stale_after_s")
        return self
