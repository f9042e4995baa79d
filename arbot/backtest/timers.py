"""Sleeping on the replay clock: how a backtest gives paper orders their latency.

Live, the paper executor sleeps `latency_ms` and then fills against the books as they
are, with every quote received meanwhile applied. In a replay, `ReplayTimers.sleep` parks
the caller until the replay reaches that instant: the replay keeps applying quotes and
timeline events up to it, then wakes the sleeper (`wake_next`) with the replay clock set
to its due time, so the order fills against the same books the live executor would see.
The leg-risk policy's retry gaps and deadline use the same clock.
"""

from __future__ import annotations

import asyncio
import heapq
from collections.abc import Callable

SETTLE_YIELDS = 8
"""Loop turns without anything new before the trader counts as parked. Waking a sleeper
resumes its task; the task's end wakes the `gather` over both legs, which wakes the trade's
task: three hops, none of which waits on anything but the loop."""


class ReplayTimers:
    """Sleepers ordered by due time (then by arrival, as the loop's own timers are)."""

    def __init__(self, now_ns: Callable[[], int]) -> None:
        self._now = now_ns
        self._heap: list[tuple[int, int, asyncio.Future[None]]] = []
        self._seq = 0  # also counts every sleep started: the trader's sign of life

    async def sleep(self, seconds: float) -> None:
        """Return once the replay clock has reached now + `seconds`."""
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._seq += 1
        heapq.heappush(self._heap, (self._now() + round(seconds * 1e9), self._seq, fut))
        await fut

    def due_ns(self) -> int | None:
        """When the earliest sleeper is due (None: nobody sleeps)."""
        while self._heap and self._heap[0][2].done():  # its task was cancelled
            heapq.heappop(self._heap)
        return self._heap[0][0] if self._heap else None

    def wake_next(self) -> None:
        """Wake the earliest sleeper; the caller has moved the replay clock to its time."""
        _, _, fut = heapq.heappop(self._heap)
        if not fut.done():
            fut.set_result(None)

    async def settle(self, busy: Callable[[], int]) -> None:
        """Let the trader's tasks run until each has finished or sleeps on this clock:
        `SETTLE_YIELDS` loop turns in a row in which no sleep started and `busy()` (the
        trades in flight) did not change, or none is left."""
        quiet = 0
        while quiet < SETTLE_YIELDS and busy():
            before = (self._seq, busy())
            await asyncio.sleep(0)
            quiet = quiet + 1 if (self._seq, busy()) == before else 0
