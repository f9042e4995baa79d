"""The one venue registry: every Venue member's VenueSpec.

Each venue lives in its own package here (`arbot.venues.<venue>`): the spec in its
`__init__`, the client side in `public` and `rest`, the simulator's side in `sim` and
`sim_private`. The shared machinery (`arbot.exchanges`, `arbot.sim`) reads per-venue data
from this mapping and names no venue.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from types import MappingProxyType
from typing import Generic, TypeVar

from arbot.domain import Venue
from arbot.venues import binance, bitget, bybit, okx
from arbot.venues.spec import CredentialNames, VenueSpec

VENUES: Mapping[Venue, VenueSpec] = MappingProxyType({
    Venue.BINANCE: binance.SPEC,
    Venue.BYBIT: bybit.SPEC,
    Venue.OKX: okx.SPEC,
    Venue.BITGET: bitget.SPEC,
})

T = TypeVar("T")


class VenueClasses(Mapping[Venue, type[T]], Generic[T]):
    """One class per venue, `name` in each venue's `module`, imported on first use.

    Lazy because the venue modules import the shared machinery that holds this mapping,
    and so that each side (client or simulator) loads only its own modules.
    """

    def __init__(self, module: str, name: str, base: type) -> None:
        # `base` is `type`, not `type[T]`: mypy refuses an abstract class there
        # (python/mypy#4717), so T is given explicitly, `VenueClasses[Adapter](...)`.
        self._module, self._name, self._base = module, name, base
        self._loaded: dict[Venue, type[T]] = {}

    def __getitem__(self, venue: Venue) -> type[T]:
        cls = self._loaded.get(venue)
        if cls is None:
            found = VENUES[venue].load(self._module, self._name, self._base)
            cls = self._loaded[venue] = found
        return cls

    def __iter__(self) -> Iterator[Venue]:
        return iter(VENUES)

    def __len__(self) -> int:
        return len(VENUES)


__all__ = ["VENUES", "CredentialNames", "VenueClasses", "VenueSpec"]
