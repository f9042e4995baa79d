"""The `[trading]` settings: mode, risk limits, the leg-risk policy and the paper account.

Limits are in the quote currency (USDT for the default symbols). Every limit has a
conservative default, because a trading tool must be safe when the user has not read
this far.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from typing import Annotated, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator

from arbot.domain import Venue
from arbot.tradekinds import LegPolicy, TradingMode

DEFAULT_ASSETS = {"USDT": 10_000.0, "BTC": 0.1, "ETH": 3.0, "SOL": 50.0, "XRP": 5_000.0}
E = TypeVar("E", bound=enum.Enum)


def _member(kind: type[E]) -> Callable[[object], object]:
    """A setting's text as its enum member: the file is checked strictly (TOML is typed),
    and strict validation takes only members. Anything else is left for the validator to
    refuse with the list of allowed values."""
    by_value = {m.value: m for m in kind}

    def member(value: object) -> object:
        return by_value.get(value, value) if isinstance(value, str) else value
    return member


class PaperSettings(BaseModel):
    """The paper executor: fills against the live books, with the troubles of real ones."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    latency_ms: float = Field(5.0, ge=0, le=10_000, allow_inf_nan=False, description=(
        "Simulated time an order takes to reach the venue; it fills against the book as "
        "it is then (it may have moved), walking its levels up to the order's limit when "
        "[market] depth > 1."))
    venue_latency_ms: dict[str, float] = Field(default_factory=dict, description=(
        "Per-venue latency_ms (venue -> ms), for venues farther away than the rest."))
    reject_rate: float = Field(0.0, ge=0, le=1, allow_inf_nan=False, description=(
        "Fraction of orders the paper venue rejects, to rehearse leg risk."))
    partial_rate: float = Field(0.0, ge=0, le=1, allow_inf_nan=False, description=(
        "Fraction of orders that fill only partly (a random part of the quantity)."))
    balances: dict[str, dict[str, float]] = Field(
        default_factory=lambda: {"*": dict(DEFAULT_ASSETS)}, description=(
            "Starting balances per venue (or \"*\" for every venue): asset -> amount."))
    seed: int = Field(0, ge=0, description="Seed for rejects and partial fills; "
                      "0 = a different draw every run.")

    @field_validator("balances")
    @classmethod
    def _venues_and_amounts(cls, value: dict[str, dict[str, float]]
                            ) -> dict[str, dict[str, float]]:
        names = {v.value for v in Venue} | {"*"}
        for venue, assets in value.items():
            if venue not in names:
                raise ValueError(f"unknown venue {venue!r}; use one of {sorted(names)}")
            for asset, amount in assets.items():
                if not amount >= 0 or amount == float("inf"):
                    raise ValueError(f"{venue}.{asset} must be a finite amount >= 0")
        return value

    @field_validator("venue_latency_ms")
    @classmethod
    def _venue_latencies(cls, value: dict[str, float]) -> dict[str, float]:
        names = {v.value for v in Venue}
        for venue, ms in value.items():
            if venue not in names:
                raise ValueError(f"unknown venue {venue!r}; use one of {sorted(names)}")
            if not 0 <= ms <= 10_000:
                raise ValueError(f"{venue} must be between 0 and 10000 ms")
        return value

    def latency_s(self, venue: Venue) -> float:
        """How long an order to `venue` takes to arrive: its own setting, else latency_ms."""
        return self.venue_latency_ms.get(venue.value, self.latency_ms) / 1000

    def starting(self, venue: Venue) -> dict[str, float]:
        """The venue's starting assets: its own table over the "*" one."""
        return {**self.balances.get("*", {}), **self.balances.get(venue.value, {})}


class TradingSettings(BaseModel):
    """Whether and how opportunities are acted on."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    mode: Annotated[TradingMode, BeforeValidator(_member(TradingMode))] = Field(
        TradingMode.PAPER, description=(
        "off: watch only; paper: simulated fills; live: real orders (needs API keys and "
        "arming at run time)."))
    slippage_bps: float = Field(0.0, ge=0, le=100, allow_inf_nan=False, description=(
        "Each leg's IOC limit goes this far past the worst price the depth walk took on "
        "its side (the top of book at depth 1), rounded to the tick back toward that "
        "price, to fill when the book moves a little."))
    max_open_exposure: float = Field(500.0, gt=0, allow_inf_nan=False, description=(
        "Most quote currency in trades not yet settled, all symbols together."))
    daily_loss_limit: float = Field(50.0, gt=0, allow_inf_nan=False, description=(
        "Realised loss in a UTC day that halts trading."))
    cooldown_s: float = Field(2.0, ge=0, le=3600, allow_inf_nan=False, description=(
        "Wait after a trade before the same symbol trades again."))
    max_trades_per_minute: int = Field(20, ge=1, le=10_000, description=(
        "Trades started in any 60 s, all symbols together."))
    leg_policy: Annotated[LegPolicy, BeforeValidator(_member(LegPolicy))] = Field(
        LegPolicy.UNWIND, description=(
        "When one leg fills more than the other: unwind the excess where it filled, chase "
        "the missing leg, or hold the imbalance and stop trading the symbol."))
    leg_ttl_ms: int = Field(2000, ge=10, le=60_000, description=(
        "Time the leg-risk policy has to even out the legs."))
    chase_max_slippage_bps: float = Field(20.0, ge=0, le=500, allow_inf_nan=False, description=(
        "How far past the original price a chased leg may go."))
    max_leg_failures: int = Field(3, ge=1, le=100, description=(
        "Leg-risk incidents in a row that halt trading."))
    balance_check_s: float = Field(15.0, ge=1, le=3600, allow_inf_nan=False, description=(
        "Live: how often each venue's balances are read again over REST and compared with "
        "what the ledger expects from the fills it booked."))
    max_balance_drift: float = Field(0.01, gt=0, le=1, allow_inf_nan=False, description=(
        "Live: the largest difference, per asset and relative to the larger of the two, "
        "between a venue's balance and the ledger's expectation; beyond it ArBot warns and "
        "stops opening trades on that venue until the drift is acknowledged or gone."))
    paper: PaperSettings = Field(default_factory=PaperSettings, description="Paper account.")
