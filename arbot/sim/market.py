"""The `market` profile's settings: a simulator that behaves like the venues' L1 channels.

All four L1 channels ArBot uses push on change (each venue's spec quotes its docs), so
under this profile a venue sends a symbol's book when it changes and otherwise stays
silent, except where its channel documents a re-send of an unchanged book
(`VenueSpec.quote_resend_s`). Symbols range from
busy (tens of changes a second) to quiet (one change every several seconds), each frame
reaches the client its venue's lag after the venue's clock stamped it, and dislocations
are injected at a known net profit and recorded as ground truth (`arbot.sim.truth`), so
a run can be scored against what really happened (`bench/truth.py`).

The `steady` profile (the load generator) reads none of this.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import NamedTuple

from arbot.domain import Venue
from arbot.venues import VENUES

DEFAULT_ACTIVITY: Mapping[str, float] = {
    "BTC-USDT": 40.0, "ETH-USDT": 20.0, "SOL-USDT": 1.0, "XRP-USDT": 0.2}
"""Changes per second of each venue's top of book, busy to quiet."""


class Lag(NamedTuple):
    """How far behind the venue's clock a frame arrives: mean and standard deviation."""

    lag_ms: float
    jitter_ms: float


NO_LAG = Lag(0.0, 0.0)

DEFAULT_LAGS: Mapping[Venue, Lag] = {
    v: Lag(s.sim.style.lag_ms, s.sim.style.lag_jitter_ms) for v, s in VENUES.items()}
"""Each venue's delivery lag under the market profile (its `VenueStyle`)."""


@dataclass(frozen=True)
class Market:
    """What the `market` profile does; every field has a default a demo can run on."""

    activity: Mapping[str, float] = field(default_factory=lambda: DEFAULT_ACTIVITY)
    """Changes per second of each venue's top of book, per symbol."""
    other_activity: float = 1.0
    """Changes per second for symbols `activity` does not name."""
    lags: Mapping[Venue, Lag] = field(default_factory=lambda: DEFAULT_LAGS)
    """Per venue delivery lag; a venue's `Faults.lag_ms`/`jitter_ms` override it."""
    resends: bool = True
    """Re-send an unchanged book where the venue's channel does (`quote_resend_s`)."""
    dislocations_per_s: float = 0.3
    """Expected injected dislocations per second, across all symbols."""
    truth_net_bps: float = 10.0
    """Net profit of an injected dislocation after both taker fees, in bps, against the
    best quote of the other venues when it starts: twice the default `min_net_profit_bps`,
    so the demo's episodes do not flicker open and shut on the threshold as the other
    venues' busy books move."""
    dislocation_life_s: float = 2.0
    """How long each injected dislocation lasts: long enough for a persistence filter
    and for the quiet symbols' other venues to be seen."""
    settle_s: float = 1.0
    """A symbol is left alone this long after a dislocation ends before the next one,
    so every episode has one cause."""

    def activity_for(self, symbol: str) -> float:
        return self.activity.get(symbol, self.other_activity)

    def lag_for(self, venue: Venue) -> Lag:
        return self.lags.get(venue, DEFAULT_LAGS[venue])
