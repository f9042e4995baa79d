"""Venue -> adapter registry (the ExchangeFactory of ORIGINAL-ARCHITECTURE.md).

Adapters are pure and cheap to build (class data plus a few decoders), so callers get a
fresh one each time instead of sharing a global.
"""

from __future__ import annotations

from arbot.domain import Venue
from arbot.exchanges.base import Adapter
from arbot.exchanges.binance import BinanceAdapter
from arbot.exchanges.bitget import BitgetAdapter
from arbot.exchanges.bybit import BybitAdapter
from arbot.exchanges.okx import OkxAdapter

ADAPTERS: dict[Venue, type[Adapter]] = {
    Venue.BINANCE: BinanceAdapter,
    Venue.BYBIT: BybitAdapter,
    Venue.OKX: OkxAdapter,
    Venue.BITGET: BitgetAdapter,
}


def adapter_for(venue: Venue) -> Adapter:
    """The adapter for `venue`; every Venue member has one (a test checks)."""
    return ADAPTERS[venue]()


__all__ = ["ADAPTERS", "Adapter", "adapter_for"]
