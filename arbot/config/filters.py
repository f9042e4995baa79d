"""Settings of the opportunity filters (`[filters.*]`), one small model per filter.

Each filter can be switched off with `enabled = false`; a disabled filter passes every
opportunity, so turning one off can only ever let more through, never fewer.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class SanityFilterSettings(BaseModel):
    """Reject gaps too good to be true (above `strategy.max_net_profit_bps`) and prices
    that make no sense (non-positive, or a sell price not above the buy price)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    enabled: bool = Field(True, description="Apply the sanity filter.")


class FreshnessFilterSettings(BaseModel):
    """With `strategy.quote_freshness = "age"` only: both quotes younger than
    `strategy.max_quote_age_ms`, and received close together. With "connection" each quote
    is its venue's current top while the connection is live, so there is no skew to judge."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    enabled: bool = Field(True, description="Apply the freshness filter.")
    max_skew_ms: int = Field(500, ge=1, le=60000, description=(
        "Largest gap between the two quotes' receive times, in ms."))


class VolumeFilterSettings(BaseModel):
    """Enough size at the top of both books to be worth trading."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    enabled: bool = Field(True, description="Apply the volume filter.")
    min_top_notional: float = Field(50.0, ge=0, allow_inf_nan=False, description=(
        "Smallest notional (quote currency) on each side's top level."))


class TrendFilterSettings(BaseModel):
    """The gap must persist, and the fair price must not be running away."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    enabled: bool = Field(True, description="Apply the trend filter.")
    min_persist_ms: int = Field(200, ge=0, le=60000, description=(
        "The gap passes once it has lasted this long (ms) ..."))
    min_updates: int = Field(3, ge=1, le=1000, description=(
        "... or once it has been seen on this many consecutive updates."))
    max_move_bps: float = Field(50.0, gt=0, allow_inf_nan=False, description=(
        "Reject while the fair price moved more than this (bps) within the window."))
    window_ms: int = Field(5000, ge=100, le=600000, description=(
        "Length of the fair-price window, in ms."))


class FiltersSettings(BaseModel):
    """The filters every opportunity must pass before it can be traded."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    sanity: SanityFilterSettings = Field(default_factory=SanityFilterSettings)
    freshness: FreshnessFilterSettings = Field(default_factory=FreshnessFilterSettings)
    volume: VolumeFilterSettings = Field(default_factory=VolumeFilterSettings)
    trend: TrendFilterSettings = Field(default_factory=TrendFilterSettings)
