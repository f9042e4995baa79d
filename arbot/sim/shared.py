"""The server-wide state every client session reads (`arbot.sim.session`), built once by
the server (`arbot.sim.server`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from arbot.domain import Venue
from arbot.sim.config import Faults, SimConfig
from arbot.sim.depthhub import DepthHub
from arbot.sim.faults import VenueStats
from arbot.sim.instruments import Catalog
from arbot.sim.prices import PriceModel


@dataclass
class Shared:
    """Server-wide state every session reads; faults are swapped at runtime."""

    config: SimConfig
    catalog: Catalog
    model: PriceModel
    faults: dict[Venue, Faults]
    stats: dict[Venue, VenueStats]
    now_ms: Callable[[], int]
    books: DepthHub
