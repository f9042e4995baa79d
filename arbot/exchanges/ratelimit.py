"""A token bucket that makes callers wait instead of letting a venue ban the IP.

Venues count request weight in windows (e.g. 6000 per minute, or 600 requests per
5 s); exceeding them costs a 429, then a ban "from 2 minutes to 3 days". Clock and sleep
are injected (docs/design.md, "No globals"), so tests run the bucket in virtual time.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

from arbot.exchanges.restspec import RateLimit

# Waits this short count as done: sleeping exactly the computed wait can leave the float
# arithmetic a rounding error short, and a clock does not move by 1e-16.
_SLACK_S = 1e-9

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]


class TokenBucket:
    """`capacity` tokens, refilled at `refill_per_s`; `acquire(weight)` takes `weight`
    tokens, waiting until they are there.

    Waiters are served one at a time in arrival order (an asyncio lock), so a heavy
    request is not starved by a stream of light ones.
    """

    def __init__(self, capacity: float, refill_per_s: float, *, clock: Clock = time.monotonic,
                 sleep: Sleep = asyncio.sleep) -> None:
        if capacity <= 0 or refill_per_s <= 0:
            raise ValueError("a token bucket needs a positive capacity and refill rate")
        self.capacity = capacity
        self.refill_per_s = refill_per_s
        self._clock = clock
        self._sleep = sleep
        self._tokens = capacity
        self._stamp = clock()
        self._paused_until = float("-inf")
        self._lock = asyncio.Lock()

    @classmethod
    def for_limit(cls, limit: RateLimit, *, clock: Clock = time.monotonic,
                  sleep: Sleep = asyncio.sleep) -> TokenBucket:
        """A bucket that can never exceed `limit` in any window of `window_s`.

        A bucket of capacity C refilled at C/W can spend C at once and C more within the
        next W seconds, i.e. 2C in one window. Venues count in fixed or sliding windows,
        so half the limit is the capacity and half the rate the refill: at most `limit`
        in any window, wherever it starts.
        """
        half = limit.limit / 2
        return cls(half, half / limit.window_s, clock=clock, sleep=sleep)

    @property
    def tokens(self) -> float:
        """Tokens available now (no waiting)."""
        self._refill(self._clock())
        return self._tokens

    @property
    def paused_until(self) -> float:
        """Clock time before which nothing is let through (-inf when not paused)."""
        return self._paused_until

    def _refill(self, now: float) -> None:
        if now > self._stamp:
            earned = (now - self._stamp) * self.refill_per_s
            self._tokens = min(self.capacity, self._tokens + earned)
            self._stamp = now

    async def acquire(self, weight: float = 1.0) -> None:
        """Wait until `weight` tokens are available and no pause is in force, then take them.

        A pause that starts while a caller waits is honoured when it wakes. Cancelling
        a waiter takes nothing.
        """
        if not 0 < weight <= self.capacity:
            raise ValueError(f"weight {weight} does not fit a bucket of {self.capacity:g}")
        async with self._lock:
            while True:
                now = self._clock()
                self._refill(now)
                wait = max(self._paused_until - now, (weight - self._tokens) / self.refill_per_s)
                if wait <= _SLACK_S:
                    self._tokens -= weight
                    return
                await self._sleep(wait)

    def pause_until(self, t: float) -> None:
        """Let nothing through before clock time `t` (a venue's Retry-After or ban).

        The venue has just said we were too fast, so the bucket also starts empty at `t`:
        traffic resumes at the refill rate rather than with a burst.
        """
        if t <= self._paused_until:
            return
        self._paused_until = t
        self._tokens = min(self._tokens, 0.0)
        self._stamp = max(self._stamp, t)
