"""The venue's clock against ours, from its public REST server-time endpoint.

Lag (`arbot.exchanges.lag`) compares the venue's timestamps with our receive time, so
it needs the two clocks' offset. Each reading is taken at the midpoint of its round
trip, so its error is at most half that trip: of the last `keep` readings the one with
the shortest round trip is trusted. A reading is taken every `every_s` (sooner, every
`retry_s`, while none has succeeded). A failed reading is counted and shown, never
raised: the market-data feed it serves carries on without it.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from typing import NoReturn

from arbot.domain import Venue
from arbot.exchanges.rest import ClockSample
from arbot.exchanges.restspec import RestError

log = logging.getLogger("arbot.feed")

Sample = Callable[[], Awaitable[ClockSample]]


class VenueClock:
    """One venue's clock offset (venue minus ours, ms), refreshed while `run()` runs."""

    def __init__(self, venue: Venue, sample: Sample, *, every_s: float = 60.0,
                 retry_s: float = 5.0, keep: int = 5,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        self.venue = venue
        self.every_s = every_s
        self.retry_s = retry_s
        self.failures = 0
        self.last_error: str | None = None
        self._sample = sample
        self._sleep = sleep
        self._readings: deque[ClockSample] = deque(maxlen=keep)

    @property
    def offset_ms(self) -> float | None:
        """The offset of the kept reading with the shortest round trip (None: none yet)."""
        if not self._readings:
            return None
        return min(self._readings, key=lambda r: r.rtt_ms).offset_ms

    async def refresh(self) -> bool:
        """Take one reading; False (counted, logged, kept in `last_error`) if it failed."""
        try:
            reading = await self._sample()
        except asyncio.CancelledError:
            raise
        except (RestError, OSError, TimeoutError, ValueError) as exc:
            self.failures += 1
            self.last_error = f"server time: {exc}"
            log.warning("%s clock offset not measured (%d failures): %s", self.venue,
                        self.failures, exc)
            return False
        self._readings.append(reading)
        self.last_error = None
        return True

    async def run(self) -> NoReturn:
        while True:
            ok = await self.refresh()
            await self._sleep(self.every_s if ok or self._readings else self.retry_s)
