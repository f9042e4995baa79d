"""`--demo`: the simulator on 127.0.0.1 standing in for every venue.

The one module outside the simulator and the front ends that knows it exists: it starts
the simulator, points the venues' URLs at it, hands out its demo keys and, for a backtest
of a demo recording, the trading rules the simulator served. It also turns the `[sim]`
settings into the simulator's `SimConfig`, for `--demo` and `arbot sim` alike. The core
(engine, exchanges, trading, storage, backtest) never imports `arbot.sim` (import contract
in pyproject.toml); whoever builds a demo run passes these in.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import parse_qsl

from pydantic import SecretStr

from arbot.config import ArbotSettings, SimVenueSettings, VenueCredentials
from arbot.config.run import with_endpoints
from arbot.config.simulator import SimSettings
from arbot.domain import Instrument, Venue
from arbot.exchanges import adapter_for
from arbot.sim import Faults, SimConfig, SimServer
from arbot.sim.coins import CoinTweaks
from arbot.sim.config import Accounts
from arbot.sim.instruments import is_valid_symbol, spec_for
from arbot.sim.server import PROTOCOLS
from arbot.sim.wire import RestRequest, dumps

__all__ = ["SimConfig", "SimServer", "credentials", "demo_instrument", "endpoints",
           "on_simulator", "sim_config", "sim_faults", "simulator"]

Endpoints = dict[Venue, tuple[str, str]]


def simulator(config: SimConfig | None, settings: ArbotSettings) -> SimServer:
    """The simulator to enter (`async with`): `config`, or the one `settings` describe."""
    return SimServer(config or sim_config(settings))


def sim_config(settings: ArbotSettings, symbols: Iterable[str] | None = None) -> SimConfig:
    """The simulator the `[sim]` section describes, serving `symbols` (by default the
    `[market]` symbols, the ones the run subscribes to). A venue whose connection age is
    unset is left out of `max_ages`, so it keeps its documented one; 0 means never."""
    sim = settings.sim
    ages = {v: age or None for v in Venue
            if (age := sim.for_venue(v).max_connection_age_s) is not None}
    modes = {v: mode for v in Venue if (mode := sim.for_venue(v).account_mode) is not None}
    return SimConfig(profile=sim.profile, seed=sim.seed, rate=sim.rate,
                     symbols=tuple(settings.market.symbols if symbols is None else symbols),
                     faults={v: sim_faults(sim.for_venue(v)) for v in Venue}, max_ages=ages,
                     coins=sim_coins(sim), accounts=Accounts(modes=modes))


def sim_coins(sim: SimSettings) -> CoinTweaks:
    """The `[sim.<venue>] fake_coins` and `closed_networks` as the simulator's tweaks."""
    return CoinTweaks(
        fake={v: frozenset(sim.for_venue(v).fake_coins) for v in Venue},
        closed={v: frozenset((coin, chain) for coin, _, chain in
                             (n.partition(":") for n in sim.for_venue(v).closed_networks))
                for v in Venue})


def sim_faults(venue: SimVenueSettings) -> Faults:
    """One venue's `[sim.<venue>]` table as the simulator's `Faults` (0 is off). A lag or
    jitter left unset is not passed at all, so the profile's own value for the venue holds."""
    lag = {name: value for name in ("lag_ms", "jitter_ms")
           if (value := getattr(venue, name)) is not None}
    return Faults(drop_every_s=venue.drop_every_s or None,
                  stall_every_s=venue.stall_every_s or None, stall_for_s=venue.stall_for_s,
                  garbage_rate=venue.garbage_rate, absurd_rate=venue.absurd_rate,
                  shutdown_every_s=venue.shutdown_every_s or None,
                  book_gap_every_s=venue.book_gap_every_s or None,
                  book_bad_checksum_every_s=venue.book_bad_checksum_every_s or None,
                  book_restart_every_s=venue.book_restart_every_s or None,
                  book_reorder_every_s=venue.book_reorder_every_s or None, **lag)


def endpoints(sim: SimServer) -> Endpoints:
    """Every venue's (websocket, REST) URL on the running simulator."""
    return {v: (sim.urls(v).ws_url, sim.urls(v).rest_url) for v in Venue}


def on_simulator(settings: ArbotSettings, urls: Endpoints) -> ArbotSettings:
    """`settings` with every venue pointed at the simulator (also for settings saved
    while the demo runs, so a save never sends a demo run to the real venues)."""
    return with_endpoints(settings, urls) if urls else settings


def credentials(sim: SimServer) -> dict[Venue, VenueCredentials]:
    """The simulator's demo keys in the shape the environment's keys take."""
    keys = {v: sim.config.accounts.credentials_for(v) for v in Venue}
    return {v: VenueCredentials(api_key=SecretStr(c.key), api_secret=SecretStr(c.secret),
                                passphrase=SecretStr(c.passphrase) if c.passphrase else None)
            for v, c in keys.items()}


def demo_instrument(venue: Venue, symbol: str) -> Instrument | None:
    """The instrument a `--demo` run traded `symbol` under: the simulator's own
    instruments endpoint answers in-process and the venue's real adapter parses the
    answer, exactly the path the live runtime takes at start-up."""
    if not is_valid_symbol(symbol):
        return None
    adapter = adapter_for(venue)
    path, _, query = adapter.instruments_path.partition("?")
    handler = PROTOCOLS[venue]().rest_routes()[path]
    status, body = handler(RestRequest(dict(parse_qsl(query)), (spec_for(symbol),), 0))
    if status != 200:
        return None
    found = [i for i in adapter.parse_instruments(dumps(body)) if i.symbol == symbol]
    return found[0] if found and found[0].trading else None
