"""Whether an alert goes out now: deduplicated per kind and subject, rate-limited per kind.

A flapping venue or a gap that opens and closes every second must not turn into a
hundred messages: the first is sent, repeats of the same subject within `dedup_s` are
dropped, and past `max_per_hour` of a kind the rest are only counted, the count riding
on the next one that is sent. Time is passed in (monotonic ns), so tests drive it.
"""

from __future__ import annotations

from collections import Counter, deque

from arbot.alerts.alert import AlertKind

NS_PER_S = 1_000_000_000
HOUR_NS = 3600 * NS_PER_S


class Gate:
    """Not thread-safe: its owner holds a lock around `admit`."""

    def __init__(self, dedup_s: float, max_per_hour: int) -> None:
        self.dedup_ns = round(dedup_s * NS_PER_S)
        self.max_per_hour = max_per_hour
        self._last: dict[tuple[AlertKind, str], int] = {}
        self._sent: dict[AlertKind, deque[int]] = {}
        self._held: Counter[AlertKind] = Counter()  # rate-limited since the kind's last send
        self.duplicates: Counter[AlertKind] = Counter()
        self.rate_limited: Counter[AlertKind] = Counter()

    def admit(self, kind: AlertKind, subject: str, now_ns: int) -> int | None:
        """None when the alert is not to be sent; else how many of its kind the rate
        limit held back since the last one sent (to say so in this one)."""
        last = self._last.get((kind, subject))
        if last is not None and now_ns - last < self.dedup_ns:
            self.duplicates[kind] += 1
            return None
        sent = self._sent.setdefault(kind, deque())
        while sent and now_ns - sent[0] >= HOUR_NS:
            sent.popleft()
        if len(sent) >= self.max_per_hour:
            self.rate_limited[kind] += 1
            self._held[kind] += 1
            return None
        sent.append(now_ns)
        self._last[(kind, subject)] = now_ns
        return self._held.pop(kind, 0)
