"""`--demo`: the simulator on 127.0.0.1 standing in for every venue.

The one module outside the simulator and the front ends that knows it exists: it starts
the simulator, points the venues' URLs at it, hands out its demo keys and, for a backtest
of a demo recording, the trading rules the simulator served. The core (engine, exchanges,
trading, storage, backtest) never imports `arbot.sim` (import contract in pyproject.toml);
whoever builds a demo run passes these in.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import parse_qsl

from pydantic import SecretStr

from arbot.config import ArbotSettings, VenueCredentials
from arbot.config.run import with_endpoints
from arbot.domain import Instrument, Venue
from arbot.exchanges import adapter_for
from arbot.sim import SimConfig, SimServer
from arbot.sim.instruments import is_valid_symbol, spec_for
from arbot.sim.server import PROTOCOLS
from arbot.sim.wire import RestRequest, dumps

__all__ = ["SimConfig", "SimServer", "credentials", "demo_instrument", "endpoints",
           "on_simulator", "simulator"]

Endpoints = dict[Venue, tuple[str, str]]


def simulator(config: SimConfig | None, symbols: Iterable[str]) -> SimServer:
    """The simulator to enter (`async with`): `config`, or the default one for `symbols`."""
    return SimServer(config or SimConfig(symbols=tuple(symbols)))


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
