"""How far behind the venue its quotes arrive: exchange time to receive time, per venue.

A quote stamped by the venue at `ts_exchange_ms` (its clock) and received at
`ts_recv_ns` (our wall clock) is `recv - ts_exchange + offset` ms late, where `offset`
is the venue's clock minus ours (`arbot.exchanges.venueclock`). Samples are kept raw and
corrected when read, so a newer offset corrects the older samples too; until the first
offset is known no figure is shown, since an uncorrected one may be our clock's error.

The rolling p50/p99 cover the last `window_s`; the figure judged against
`[feeds] max_lag_ms` is the median of the last `judge_s` and needs `min_samples` in
that span, so one late frame never condemns a venue and a venue too quiet to judge is
not condemned (docs/design.md, "Market-shaped truth"). A venue whose L1 channel carries
no time (`VenueSpec.no_event_time`) gets a note instead of an invented figure.
"""

from __future__ import annotations

import math
import statistics
from collections import deque
from collections.abc import Callable, Iterable
from typing import NamedTuple

from arbot.domain import FeedState, FeedStatus, Quote, Venue
from arbot.venues import VENUES

NS_PER_MS = 1_000_000


class LagFigures(NamedTuple):
    """What the status shows; the figures are None where `note` says why."""

    p50_ms: float | None
    p99_ms: float | None
    samples: int
    note: str | None
    offset_ms: float | None


class LagTracker:
    """One venue's lag samples; fed by its connections' supervisors, read by their status.

    `offset_ms` answers the venue's current clock offset (None until measured). Times
    given to `add` and the readers are monotonic seconds. `depth`: the venue's quotes
    come from its depth channel, which carries a time even where its L1 channel has none.
    """

    def __init__(self, venue: Venue, offset_ms: Callable[[], float | None], *,
                 max_lag_ms: float = 500.0, window_s: float = 60.0, judge_s: float = 5.0,
                 min_samples: int = 5, depth: bool = False) -> None:
        spec = VENUES[venue]
        self.venue = venue
        self.max_lag_ms = max_lag_ms
        self.window_s = window_s
        self.judge_s = judge_s
        self.min_samples = min_samples
        self.no_time_note = (f"n/a ({spec.l1_channel or 'its channel'} has no time)"
                             if spec.no_event_time and not depth else None)
        self._offset_ms = offset_ms
        self._samples: deque[tuple[float, float]] = deque()  # (monotonic s, raw lag ms)

    def add(self, quote: Quote, now: float) -> None:
        """Take one quote's raw lag (receive minus venue time, uncorrected)."""
        ts = quote.ts_exchange_ms
        if ts is None:
            return
        self._samples.append((now, quote.ts_recv_ns / NS_PER_MS - ts))
        self._trim(now)

    def _trim(self, now: float) -> None:
        samples, oldest = self._samples, now - self.window_s
        while samples and samples[0][0] < oldest:
            samples.popleft()

    def figures(self, now: float) -> LagFigures:
        """Rolling p50/p99 over the window, corrected by the current offset."""
        offset = self._offset_ms()
        if self.no_time_note is not None:
            return LagFigures(None, None, 0, self.no_time_note, offset)
        self._trim(now)
        n = len(self._samples)
        if offset is None:
            return LagFigures(None, None, n, "no clock offset yet (server time unanswered)",
                              None)
        if not n:
            return LagFigures(None, None, 0, None, offset)
        lags = sorted(raw for _, raw in self._samples)
        p99 = lags[min(n - 1, math.ceil(0.99 * n) - 1)]
        return LagFigures(statistics.median(lags) + offset, p99 + offset, n, None, offset)

    def judged_ms(self, now: float) -> float | None:
        """The median lag of the last `judge_s`, or None when it cannot be judged (no
        venue time, no clock offset yet, or fewer than `min_samples` in that span)."""
        offset = self._offset_ms()
        if offset is None or self.no_time_note is not None:
            return None
        since = now - self.judge_s
        recent = []
        for t, raw in reversed(self._samples):
            if t < since:
                break
            recent.append(raw)
        if len(recent) < self.min_samples:
            return None
        return statistics.median(recent) + offset

    def verdict(self, now: float) -> str | None:
        """Why the venue is too late to use (None: it is not, or cannot be judged)."""
        lag = self.judged_ms(now)
        if lag is None or lag <= self.max_lag_ms:
            return None
        return f"lag {lag:.0f} ms > max_lag_ms {self.max_lag_ms:g}"


def lag_status(statuses: Iterable[FeedStatus]) -> FeedStatus | None:
    """The status that speaks for a venue's lag: the newest of its connections' (they
    share the venue's tracker), DISABLED ones (stopped by a restart) aside."""
    shown = [s for s in statuses if s.state is not FeedState.DISABLED]
    return max(shown, key=lambda s: s.ts_ns) if shown else None
