"""Trading rules (tick, lot, minimums) for the backtest's paper trader.

Recorded quotes carry no trading rules, and a backtest must not need the network. Two
sources, built lazily per (venue, symbol) as the trader asks:

* `demo`: what a `--demo` run traded under. The simulator's own instruments endpoint
  answers in-process and the venue's real adapter parses the answer, exactly the path
  the live runtime took at start-up, so a replayed demo run pre-flights like the original.
* `generic`: frictionless rules (tick 1e-12, lot 1e-8, no minimums) for recordings of
  the real venues, whose rules at the time are unknown; the engine's own
  `min_notional` still keeps tiny opportunities out.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Literal
from urllib.parse import parse_qsl

from arbot.domain import Instrument, Venue
from arbot.exchanges import adapter_for
from arbot.sim.instruments import is_valid_symbol, spec_for
from arbot.sim.server import PROTOCOLS
from arbot.sim.wire import RestRequest, dumps

RulesKind = Literal["demo", "generic"]
GENERIC_TICK = "0.000000000001"
GENERIC_LOT = "0.00000001"


class LazyRules(Mapping[tuple[Venue, str], Instrument]):
    """Instruments by (venue, symbol), made on first use; unknown symbols have none."""

    def __init__(self, kind: RulesKind) -> None:
        self.kind = kind
        self._made: dict[tuple[Venue, str], Instrument | None] = {}

    def __getitem__(self, key: tuple[Venue, str]) -> Instrument:
        if key not in self._made:
            venue, symbol = key
            self._made[key] = (demo_instrument(venue, symbol) if self.kind == "demo"
                               else generic_instrument(venue, symbol))
        inst = self._made[key]
        if inst is None:
            raise KeyError(key)
        return inst

    def __iter__(self) -> Iterator[tuple[Venue, str]]:
        return iter([k for k, v in self._made.items() if v is not None])

    def __len__(self) -> int:
        return sum(1 for v in self._made.values() if v is not None)


def generic_instrument(venue: Venue, symbol: str) -> Instrument | None:
    if not is_valid_symbol(symbol):
        return None
    base, quote = symbol.split("-")
    return Instrument(venue, symbol, symbol, base, quote, GENERIC_TICK, GENERIC_LOT, "0", "0",
                      "TRADING", True)


def demo_instrument(venue: Venue, symbol: str) -> Instrument | None:
    """The simulator's instrument for `symbol`, through its REST handler and the adapter."""
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
