"""The venues' clock and their private rate limits, both adjustable while running.

A client trading for real must correct its clock with the venue's server time and back
off when told it is too fast; tests move the clock and force the limit at runtime
through `SimServer`, so these two live as small mutable objects the server shares.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from arbot.sim.config import RateLimit


class SkewedClock:
    """Our wall clock (ms) plus the venues' skew: what every simulated venue calls now."""

    def __init__(self, base: Callable[[], int], skew_ms: int = 0) -> None:
        self._base = base
        self.skew_ms = skew_ms

    def now_ms(self) -> int:
        return self._base() + self.skew_ms


@dataclass(frozen=True)
class Usage:
    """One request's verdict: allowed or not, how much of the window is used, and how
    long until a slot frees up (seconds, rounded up to whole seconds for headers)."""

    allowed: bool
    used: int
    limit: int
    window_s: float
    retry_after_s: int


class Limiter:
    """A sliding-window request counter per endpoint path (or per venue), with a switch
    that forces the next requests over the limit whatever the count."""

    def __init__(self, limit: RateLimit,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self._monotonic = monotonic
        self._hits: dict[str, deque[float]] = {}
        self._forced: int | None = 0
        """Requests still to refuse: 0 none, None every one until cleared."""

    def force(self, times: int | None = 1) -> None:
        """Refuse the next `times` requests (None: all of them until `clear()`)."""
        self._forced = times

    def clear(self) -> None:
        self._forced = 0
        self._hits.clear()

    def hit(self, path: str) -> Usage:
        """Count a request to `path`; refused requests are not counted."""
        now = self._monotonic()
        lim = self.limit
        log = self._hits.setdefault(path if lim.per_path else "", deque())
        while log and now - log[0] >= lim.window_s:
            log.popleft()
        if self._forced is None or self._forced > 0:
            if self._forced is not None:
                self._forced -= 1
            return Usage(False, len(log), lim.requests, lim.window_s,
                         max(1, math.ceil(lim.window_s)))
        if len(log) >= lim.requests:
            wait = lim.window_s - (now - log[0])
            return Usage(False, len(log), lim.requests, lim.window_s, max(1, math.ceil(wait)))
        log.append(now)
        return Usage(True, len(log), lim.requests, lim.window_s, 0)
