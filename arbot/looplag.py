"""How late the event loop runs: a task that sleeps a fixed interval and measures how
much later than asked it woke.

Everything in ArBot shares one loop (feeds, engine, trader, API), so a callback that
blocks delays them all alike; this number is that delay, as the metrics' histogram
(`arbot_event_loop_lag_seconds`). It costs one wake-up every `INTERVAL_S`.
"""

from __future__ import annotations

import asyncio
import bisect
import time
from collections.abc import Awaitable, Callable

INTERVAL_S = 0.25
# Upper bounds in seconds, Prometheus' default buckets from 1 ms: a healthy loop lands in
# the first, a stall of seconds in the last ones.
BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class LoopLag:
    """Cumulative samples of the loop's lag: counts per bucket (non-cumulative; the last
    is above every bound), their sum, and the latest sample."""

    def __init__(self, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        self.counts = [0] * (len(BUCKETS) + 1)
        self.total_s = 0.0
        self.last_s = 0.0
        self._clock = clock
        self._sleep = sleep

    @property
    def samples(self) -> int:
        return sum(self.counts)

    def add(self, lag_s: float) -> None:
        lag_s = max(0.0, lag_s)
        self.counts[bisect.bisect_left(BUCKETS, lag_s)] += 1
        self.total_s += lag_s
        self.last_s = lag_s

    async def run(self) -> None:
        """Sample until cancelled."""
        while True:
            start = self._clock()
            await self._sleep(INTERVAL_S)
            self.add(self._clock() - start - INTERVAL_S)
