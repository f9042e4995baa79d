"""The prices venues measure their limit-price bands from, read now and then.

Binance refuses a limit too far from its average price over the filter's
`avgPriceMins` (PERCENT_PRICE_BY_SIDE, `filters.md`), which it publishes at
`GET /api/v3/avgPrice` (`rest-api.md`, "Current average price"). Pre-flight and the
follow-up orders check the band around that average when a fresh one is at hand, and
around the book's mid otherwise (`arbot.trading.priceband`). The average moves slowly
(minutes), so it is read every `REFRESH_S` for each symbol with rules on such a venue;
a reading older than `MAX_AGE_S` is not used.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping

from arbot.domain import Venue
from arbot.exchanges.rest import RestClient
from arbot.trading.preflight import Instruments

log = logging.getLogger("arbot.trading")

REFRESH_S = 15.0
MAX_AGE_S = 60.0


class BandPrices:
    """The latest band price per (venue, symbol), with when it was read."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._prices: dict[tuple[Venue, str], tuple[float, float]] = {}

    def get(self, venue: Venue, symbol: str) -> float | None:
        """The venue's band price for the symbol when read within `MAX_AGE_S`."""
        held = self._prices.get((venue, symbol))
        if held is None or self._clock() - held[1] > MAX_AGE_S:
            return None
        return held[0]

    async def read_once(self, clients: Mapping[Venue, RestClient],
                        instruments: Instruments) -> None:
        """Ask each venue that publishes a band price for every symbol it trades."""
        for (venue, symbol), inst in list(instruments.items()):
            client = clients.get(venue)
            if client is None or inst.price_band is None or \
                    client.adapter.band_price_path(inst.venue_id) is None:
                continue
            try:
                price = await client.band_price(inst.venue_id)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # keep the others; this one goes stale, then unused
                log.warning("%s %s band price unavailable: %s", venue, symbol, exc)
                continue
            if price is not None:
                self._prices[(venue, symbol)] = (price, self._clock())

    async def keep_fresh(self, clients: Mapping[Venue, RestClient], instruments: Instruments,
                         sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        """Read every `REFRESH_S` until cancelled."""
        while True:
            await self.read_once(clients, instruments)
            await sleep(REFRESH_S)
