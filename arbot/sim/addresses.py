"""Where a running simulator is reached: each venue's WS and REST URLs and the ground
truth, on the host it listens on (a wildcard host becomes loopback)."""

from __future__ import annotations

from typing import NamedTuple

from arbot.domain import Venue
from arbot.sim.config import SimConfig
from arbot.sim.streamhub import StreamHub
from arbot.sim.wire import VenueProtocol

TRUTH_PATH = "/sim/truth"


class VenueUrls(NamedTuple):
    """What to put in `[exchanges.<venue>]`: the L1 socket and the REST base."""

    ws_url: str
    rest_url: str


class Addresses:
    """Mixed into `SimServer`, which sets `config`, `protocols`, `streams` and `_port`."""

    config: SimConfig
    protocols: dict[Venue, VenueProtocol]
    streams: StreamHub
    _port: int

    @property
    def port(self) -> int:
        if not self._port:
            raise RuntimeError("SimServer is not started")
        return self._port

    def _base(self, scheme: str) -> str:
        host = self.config.host
        host = "127.0.0.1" if host in ("", "0.0.0.0") else "::1" if host == "::" else host
        host = f"[{host}]" if ":" in host else host
        return f"{scheme}://{host}:{self.port}"

    @property
    def truth_url(self) -> str:
        """Where the ground truth of injected dislocations is served (`GET`, JSON)."""
        return f"{self._base('http')}{TRUTH_PATH}"

    def urls(self, venue: Venue) -> VenueUrls:
        """The default WS URL (the protocol's first WS path) and REST base."""
        ws_path = self.protocols[venue].ws_paths[0]
        return VenueUrls(f"{self._base('ws')}/{venue.value}{ws_path}",
                         f"{self._base('http')}/{venue.value}")

    def private_ws_url(self, venue: Venue) -> str:
        """The venue's (main) private stream: orders, fills, balances."""
        return f"{self._base('ws')}/{venue.value}{self.streams.apis[venue].paths[0]}"

    def ws_urls(self, venue: Venue) -> tuple[str, ...]:
        """Every WS path the venue serves (e.g. `/ws`, `/ws/<streams>`, `/stream`)."""
        return tuple(f"{self._base('ws')}/{venue.value}{p}"
                     for p in self.protocols[venue].ws_paths if "{" not in p)
