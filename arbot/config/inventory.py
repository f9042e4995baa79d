"""The `[inventory]` settings: where each asset should sit, and how moving it is judged.

Why a section of its own: cross-venue arbitrage drains itself (every trade moves quote
currency to one venue and base to the other), so how the inventory should be split, how
fast it is being used and what moving it back costs are settings a trader tunes apart
from the detection thresholds.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

from arbot.domain import Venue


class InventorySettings(BaseModel):
    """Target split, consumption window, transfer batching and coin-information refresh."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    targets: dict[str, dict[str, float]] = Field(default_factory=dict, description=(
        "Per asset, the share each venue should hold (asset -> venue -> share; shares "
        "are relative, e.g. {binance = 2, okx = 1}); an asset not listed is split equally "
        "over the enabled venues."))
    tolerance: float = Field(0.10, ge=0, le=1, allow_inf_nan=False, description=(
        "Skew (a venue's share minus its target share, of the asset's total) within which "
        "no transfer is planned, 0..1."))
    rate_window_s: float = Field(3600.0, ge=60, le=7 * 86_400, allow_inf_nan=False,
                                 description=(
        "Trades within this many seconds make the consumption rate and the time until "
        "each direction runs dry."))
    transfer_batch: float = Field(10_000.0, gt=0, allow_inf_nan=False, description=(
        "Quote currency worth of trades moved back by one transfer of each asset: the "
        "withdrawal fees are spread over this much traded notional (rebalance_cost)."))
    refresh_s: float = Field(3600.0, ge=60, le=86_400, allow_inf_nan=False, description=(
        "How often each venue's coin and network information (withdrawal fees, open "
        "networks, contracts) is read again, in seconds."))

    @field_validator("targets")
    @classmethod
    def _venues_and_shares(cls, value: dict[str, dict[str, float]]
                           ) -> dict[str, dict[str, float]]:
        names = {v.value for v in Venue}
        for asset, shares in value.items():
            for venue, share in shares.items():
                if venue not in names:
                    raise ValueError(f"{asset}: unknown venue {venue!r}; use one of "
                                     f"{sorted(names)}")
                if not 0 <= share < float("inf"):
                    raise ValueError(f"{asset}.{venue} must be a finite share >= 0")
            if shares and sum(shares.values()) <= 0:
                raise ValueError(f"{asset}: the shares must not all be 0")
        return {asset.upper(): shares for asset, shares in value.items()}

    def shares(self, asset: str, venues: list[Venue]) -> dict[Venue, float]:
        """Each venue's target fraction of `asset` (summing to 1 over `venues`): the
        configured shares normalised, else equal."""
        listed = self.targets.get(asset.upper())
        if not venues:
            return {}
        if listed is None:
            return dict.fromkeys(venues, 1 / len(venues))
        raw = {v: listed.get(v.value, 0.0) for v in venues}
        total = sum(raw.values())
        if total <= 0:
            return dict.fromkeys(venues, 1 / len(venues))
        return {v: s / total for v, s in raw.items()}
