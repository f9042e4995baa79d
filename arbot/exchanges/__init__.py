"""Venue -> adapter: each venue's adapter is `ADAPTER` in `arbot.venues.<venue>.public`.

Adapters are pure and cheap to build (class data plus a few decoders), so callers get a
fresh one each time instead of sharing a global. The classes are looked up by the venue
registry's module names on first use, so this shared package names no venue and the
client never loads a venue's simulator side.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping

from arbot.domain import Venue
from arbot.exchanges.base import Adapter
from arbot.venues import VENUES


class _Adapters(Mapping[Venue, type[Adapter]]):
    """Adapter classes by venue, imported on first use (a venue's `public` module imports
    this package's base classes, so it cannot be imported while this one loads)."""

    def __init__(self) -> None:
        self._loaded: dict[Venue, type[Adapter]] = {}

    def __getitem__(self, venue: Venue) -> type[Adapter]:
        cls = self._loaded.get(venue)
        if cls is None:
            module = importlib.import_module(f"{VENUES[venue].module}.public")
            cls = module.ADAPTER
            if not (isinstance(cls, type) and issubclass(cls, Adapter) and cls.venue is venue):
                raise TypeError(f"{module.__name__}.ADAPTER is not {venue.value}'s Adapter")
            self._loaded[venue] = cls
        return cls

    def __iter__(self) -> Iterator[Venue]:
        return iter(VENUES)

    def __len__(self) -> int:
        return len(VENUES)


ADAPTERS: Mapping[Venue, type[Adapter]] = _Adapters()


def adapter_for(venue: Venue) -> Adapter:
    """The adapter for `venue`; every Venue member has one (a test checks)."""
    return ADAPTERS[venue]()


__all__ = ["ADAPTERS", "Adapter", "adapter_for"]
