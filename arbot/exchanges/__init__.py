"""Venue -> adapter: each venue's adapter is `ADAPTER` in `arbot.venues.<venue>.public`.

Adapters are pure and cheap to build (class data plus a few decoders), so callers get a
fresh one each time instead of sharing a global.
"""

from __future__ import annotations

from collections.abc import Mapping

from arbot.domain import Venue
from arbot.exchanges.base import Adapter
from arbot.venues import VenueClasses

ADAPTERS: Mapping[Venue, type[Adapter]] = VenueClasses[Adapter]("public", "ADAPTER", Adapter)


def adapter_for(venue: Venue) -> Adapter:
    """The adapter for `venue`; every Venue member has one (a test checks)."""
    return ADAPTERS[venue]()


__all__ = ["ADAPTERS", "Adapter", "adapter_for"]
