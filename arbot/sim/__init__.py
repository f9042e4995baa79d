"""Local exchange simulator: each venue's documented public WS and REST protocol and its
signed private REST (orders, balances, fee rates against a demo account) on loopback, a
seeded price model with real cross-venue dislocations, and fault injection. Two
profiles: `steady` re-sends every subscription at a fixed rate (a load generator);
`market` behaves like the venues' channels (`arbot.sim.market`) and records the ground
truth of the dislocations it injects (`arbot.sim.truth`, `GET /sim/truth`).

Used by `arbot sim`, `--demo`, the tests and the benchmarks: ArBot's real adapters run
end to end against it over real sockets.
"""

from arbot.sim.account import AccountView, SimOrder
from arbot.sim.addresses import VenueUrls
from arbot.sim.config import (
    DEFAULT_HEARTBEATS,
    DEFAULT_SYMBOLS,
    DEMO_CREDENTIALS,
    Accounts,
    Credentials,
    Dislocations,
    Faults,
    FeeRates,
    Heartbeat,
    RateLimit,
    SimConfig,
    all_venues,
)
from arbot.sim.faults import GARBAGE_KINDS, VenueStats
from arbot.sim.market import DEFAULT_ACTIVITY, DEFAULT_LAGS, Lag, Market
from arbot.sim.prices import PriceModel, VenueQuote
from arbot.sim.restfault import RestFault
from arbot.sim.run import serve_forever, serve_until_stopped, sim_banner
from arbot.sim.server import SimServer
from arbot.sim.truth import Dislocation, Truth

__all__ = [
    "DEFAULT_ACTIVITY",
    "DEFAULT_HEARTBEATS",
    "DEFAULT_LAGS",
    "DEFAULT_SYMBOLS",
    "DEMO_CREDENTIALS",
    "GARBAGE_KINDS",
    "AccountView",
    "Accounts",
    "Credentials",
    "Dislocation",
    "Dislocations",
    "Faults",
    "FeeRates",
    "Heartbeat",
    "Lag",
    "Market",
    "PriceModel",
    "RateLimit",
    "RestFault",
    "SimConfig",
    "SimOrder",
    "SimServer",
    "Truth",
    "VenueQuote",
    "VenueStats",
    "VenueUrls",
    "all_venues",
    "serve_forever",
    "serve_until_stopped",
    "sim_banner",
]
