"""Venue -> adapter: each venue's adapter is `ADAPTER` in `arbot.venues.<venue>.public`,
its private stream's protocol `STREAM` in `arbot.venues.<venue>.private`.

Adapters are pure and cheap to build (class data plus a few decoders), so callers get a
fresh one each time instead of sharing a global.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from arbot.domain import Venue
from arbot.exchanges.base import Adapter
from arbot.exchanges.privatewire import StreamProtocol
from arbot.venues import VenueClasses

ADAPTERS: Mapping[Venue, type[Adapter]] = VenueClasses[Adapter]("public", "ADAPTER", Adapter)
STREAMS: Mapping[Venue, type[StreamProtocol]] = VenueClasses[StreamProtocol](
    "private", "STREAM", StreamProtocol)


def adapter_for(venue: Venue) -> Adapter:
    """The adapter for `venue`; every Venue member has one (a test checks)."""
    return ADAPTERS[venue]()


def stream_for(venue: Venue, account_mode: Callable[[], str | None] = lambda: None
               ) -> StreamProtocol:
    """The private stream's protocol for `venue` (every Venue member has one), for the
    account mode `account_mode()` names at each connect."""
    return STREAMS[venue](account_mode)


__all__ = ["ADAPTERS", "STREAMS", "Adapter", "adapter_for", "stream_for"]
