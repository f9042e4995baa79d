"""The test and demo controls of the market side, mixed into `SimServer`.

Like `AccountControls` for the private side, these change the running simulator:
swap a venue's stream faults, make its REST endpoints misbehave, cut or shut down its
connections, and push its quotes away from the others.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from arbot.domain import Venue
from arbot.sim.config import Faults
from arbot.sim.faults import VenueStats
from arbot.sim.marketrun import MarketRun
from arbot.sim.prices import PriceModel
from arbot.sim.publicws import PublicSessions
from arbot.sim.restfault import ArmedRestFault, RestFault
from arbot.sim.restroutes import RestRoutes
from arbot.sim.shared import Shared


class MarketControls:
    """Needs `_shared`, `public`, `rest`, `stats`, `market` and `model`, which
    `SimServer` sets up."""

    _shared: Shared
    public: PublicSessions
    rest: RestRoutes
    stats: dict[Venue, VenueStats]
    market: MarketRun | None
    model: PriceModel

    def faults(self, venue: Venue) -> Faults:
        return self._shared.faults[venue]

    def set_faults(self, venue: Venue, faults: Faults | None = None, **changes: Any) -> Faults:
        """Replace a venue's faults, or change some fields: `set_faults(v, garbage_rate=.1)`."""
        new = dataclasses.replace(faults or self._shared.faults[venue], **changes)
        self._shared.faults[venue] = new
        return new

    def set_rest_fault(self, venue: Venue, **fields: Any) -> RestFault:
        """Make a venue's REST endpoints misbehave until cleared, or for `times` requests:
        `set_rest_fault(v, status=429, retry_after=1, times=1)` (see `RestFault`)."""
        fault = RestFault(**fields)
        self.rest.faults[venue] = ArmedRestFault(fault)
        return fault

    def clear_rest_fault(self, venue: Venue) -> None:
        self.rest.faults.pop(venue, None)

    def drop_all(self, venue: Venue, *, count: bool = True) -> int:
        """Cut every connection of a venue at the TCP level; returns how many."""
        sessions = list(self.public.open[venue])
        for s in sessions:
            s.abort()
        if count:
            self.stats[venue].fault_drops += len(sessions)
        return len(sessions)

    def announce_shutdown(self, venue: Venue, grace_s: float = 0.5) -> int:
        """Send the venue's shutdown notice on every connection, close after `grace_s`."""
        sessions = list(self.public.open[venue])
        for s in sessions:
            s.request_shutdown(grace_s)
        return len(sessions)

    def dislocate(self, symbol: str, venue: Venue, bps: float,
                  life_s: float | None = None) -> None:
        """Push one venue's quotes for `symbol` away by `bps` for `life_s` seconds."""
        if self.market is not None:
            self.market.dislocate(symbol, venue, bps, life_s)
        else:
            self.model.dislocate(symbol, venue, bps, life_s)

    def connections(self, venue: Venue) -> int:
        return len(self.public.open[venue])
