"""Local exchange simulator: each venue's documented public WS and REST protocol on
loopback, a seeded price model with real cross-venue dislocations, and fault injection.

Used by `arbot sim`, `--demo`, the tests and the benchmarks: ArBot's real adapters run
end to end against it over real sockets.
"""

from arbot.sim.config import (
    DEFAULT_HEARTBEATS,
    DEFAULT_SYMBOLS,
    Dislocations,
    Faults,
    Heartbeat,
    SimConfig,
    all_venues,
)
from arbot.sim.faults import GARBAGE_KINDS, VenueStats
from arbot.sim.prices import PriceModel, VenueQuote
from arbot.sim.restfault import RestFault
from arbot.sim.server import SimServer, VenueUrls, serve_forever, sim_banner

__all__ = [
    "DEFAULT_HEARTBEATS",
    "DEFAULT_SYMBOLS",
    "GARBAGE_KINDS",
    "Dislocations",
    "Faults",
    "Heartbeat",
    "PriceModel",
    "RestFault",
    "SimConfig",
    "SimServer",
    "VenueQuote",
    "VenueStats",
    "VenueUrls",
    "all_venues",
    "serve_forever",
    "sim_banner",
]
