"""Trading rules (tick, lot, minimums) for the backtest's paper trader.

Recorded quotes carry no trading rules, and a backtest must not need the network. Two
sources, built lazily per (venue, symbol) as the trader asks:

* `demo`: what a `--demo` run traded under, from `arbot.demo.demo_instrument` (the
  simulator's own instruments endpoint, parsed by the venue's real adapter: the path the
  live runtime took at start-up), so a replayed demo run pre-flights like the original.
  Whoever runs the backtest passes it in: the backtest never imports the simulator.
* `generic`: frictionless rules (tick 1e-12, lot 1e-8, no minimums) for recordings of
  the real venues, whose rules at the time are unknown; the engine's own
  `min_notional` still keeps tiny opportunities out.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Literal

from arbot.domain import Instrument, Venue, is_canonical_symbol

InstrumentSource = Callable[[Venue, str], Instrument | None]
RulesKind = Literal["demo", "generic"]
GENERIC_TICK = "0.000000000001"
GENERIC_LOT = "0.00000001"


class LazyRules(Mapping[tuple[Venue, str], Instrument]):
    """Instruments by (venue, symbol), made on first use; unknown symbols have none."""

    def __init__(self, make: InstrumentSource) -> None:
        self._make = make
        self._made: dict[tuple[Venue, str], Instrument | None] = {}

    def __getitem__(self, key: tuple[Venue, str]) -> Instrument:
        if key not in self._made:
            self._made[key] = self._make(*key)
        inst = self._made[key]
        if inst is None:
            raise KeyError(key)
        return inst

    def __iter__(self) -> Iterator[tuple[Venue, str]]:
        return iter([k for k, v in self._made.items() if v is not None])

    def __len__(self) -> int:
        return sum(1 for v in self._made.values() if v is not None)


def generic_instrument(venue: Venue, symbol: str) -> Instrument | None:
    if not is_canonical_symbol(symbol):
        return None
    base, quote = symbol.split("-")
    return Instrument(venue=venue, symbol=symbol, venue_id=symbol, base=base, quote=quote,
                      tick_size=GENERIC_TICK, lot_size=GENERIC_LOT, min_qty="0", min_notional="0",
                      status="TRADING", trading=True)

