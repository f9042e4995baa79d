"""The one venue registry: every Venue member's VenueSpec.

Each venue lives in its own package here (`arbot.venues.<venue>`): the spec in its
`__init__`, the client side in `public` and `rest`, the simulator's side in `sim` and
`sim_private`. Shared code reads per-venue data from this mapping and never names a venue.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from arbot.domain import Venue
from arbot.venues import binance, bitget, bybit, okx
from arbot.venues.spec import CredentialNames, VenueSpec

VENUES: Mapping[Venue, VenueSpec] = MappingProxyType({
    Venue.BINANCE: binance.SPEC,
    Venue.BYBIT: bybit.SPEC,
    Venue.OKX: okx.SPEC,
    Venue.BITGET: bitget.SPEC,
})

__all__ = ["VENUES", "CredentialNames", "VenueSpec"]
