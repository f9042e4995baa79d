"""Canonical BASE-QUOTE <-> venue ids, built from each venue's real instruments response."""

from __future__ import annotations

import pytest

from arbot.domain import Venue
from arbot.exchanges import ADAPTERS, adapter_for
from arbot.exchanges.symbols import SymbolMap, UnknownSymbolError, parse_canonical
from arbot.venues.bybit.public import BybitAdapter
from tests.exchanges import FIXTURES, instruments_map, lines, obj

INSTRUMENTS = {
    Venue.BINANCE: ("binance/rest_exchangeInfo_TRIMMED_2021-10-12.json", 7),
    Venue.BYBIT: ("bybit/rest_instruments_info_spot_2026-08-09.json", 557),
    Venue.OKX: ("okx/rest_public_instruments_SPOT_2022-05-13.json", 513),
    Venue.BITGET: ("bitget/DOCS_EXAMPLE_symbols.json", 1),
}


def test_every_venue_has_an_adapter() -> None:
    assert set(ADAPTERS) == set(Venue)
    for venue in Venue:
        adapter = adapter_for(venue)
        assert isinstance(adapter, ADAPTERS[venue]) and adapter.venue is venue


@pytest.mark.parametrize("venue", list(Venue))
def test_round_trip_every_listed_instrument(venue: Venue) -> None:
    rel, count = INSTRUMENTS[venue]
    adapter = adapter_for(venue)
    instruments = adapter.parse_instruments((FIXTURES / rel).read_bytes())
    assert len(instruments) == count
    smap = SymbolMap.from_instruments(venue, instruments)
    assert len(smap) == count  # no two instruments share a canonical symbol
    for i in instruments:
        assert i.venue is venue
        assert parse_canonical(i.symbol) == (i.base, i.quote)
        assert i.venue_id == adapter.venue_id(i.base, i.quote)  # the naming rule holds
        assert smap.to_venue(i.symbol) == i.venue_id
        assert smap.to_canonical(smap.to_venue(i.symbol)) == i.symbol


@pytest.mark.parametrize("venue", list(Venue))
def test_unlisted_symbol_raises_a_clear_error(venue: Venue) -> None:
    adapter = adapter_for(venue)
    smap = instruments_map(venue, INSTRUMENTS[venue][0])
    with pytest.raises(UnknownSymbolError, match=f"^{venue} does not list NOPE-USDT$"):
        smap.to_venue("NOPE-USDT")
    assert smap.to_canonical(adapter.venue_id("NOPE", "USDT")) is None


def test_bybit_recorded_subscriptions_map_from_symbols() -> None:
    """MASAUSDT is in the 2025 L1 recording but not the 2026 instruments list."""
    ids = [obj(f)["args"][0].removeprefix("orderbook.1.")
           for f in lines("bybit/ws_spot_orderbook1_2025-06-13_SENT.jsonl")]
    canonical = ["OP-USDC", "TUSD-USDT", "KCS-USDT", "CPOOL-USDT", "ARB-USDC", "MASA-USDT"]
    smap = SymbolMap.from_symbols(Venue.BYBIT, canonical, BybitAdapter.venue_id)
    assert [smap.to_venue(s) for s in canonical] == ids
    assert [smap.to_canonical(i) for i in ids] == canonical


@pytest.mark.parametrize("bad", ["BTCUSDT", "btc-usdt", "BTC-", "-USDT", "BTC-USD-SWAP"])
def test_malformed_canonical_symbol(bad: str) -> None:
    with pytest.raises(ValueError, match="BASE-QUOTE"):
        parse_canonical(bad)
