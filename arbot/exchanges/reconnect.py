"""When the feed loop gives up on a connection and how long it waits before the next.

`FeedTiming` holds every interval the loop (`arbot.exchanges.feed`) waits on, so settings
build one without importing the socket code; `backoff_delay` spaces reconnects out, and
`Reconnect` is what ends a connection.
"""

from __future__ import annotations

import random

import msgspec


class FeedTiming(msgspec.Struct, frozen=True):
    """Every interval the loop uses, in seconds; tests shorten them.

    `heartbeat_s` None means the venue's documented interval. `max_connection_age_s`
    None means the venue's documented cut (`Adapter.max_connection_age_s`); the feed
    rotates `rotate_lead_s` before it (at half the age where the lead is longer).
    """

    connect_timeout_s: float = 10.0
    ack_timeout_s: float = 10.0
    stale_after_s: float = 5.0
    silence_s: float = 30.0
    backoff_base_s: float = 0.5
    backoff_cap_s: float = 30.0
    healthy_s: float = 60.0
    quarantine_after: int = 8
    quarantine_s: float = 300.0
    status_s: float = 1.0
    tick_s: float = 0.25
    heartbeat_s: float | None = None
    max_connection_age_s: float | None = None
    rotate_lead_s: float = 300.0


DEFAULT_TIMING = FeedTiming()


def backoff_delay(failures: int, timing: FeedTiming, rng: random.Random) -> float:
    """Full jitter: uniform in [0, min(cap, base * 2^(failures-1))], so many clients
    reconnecting after one outage spread out instead of arriving together."""
    ceiling = min(timing.backoff_cap_s, timing.backoff_base_s * 2 ** (failures - 1))
    return rng.uniform(0.0, ceiling)


def rotate_at_age(max_age_s: float | None, timing: FeedTiming) -> float | None:
    """The connection age at which a planned rotation starts (None: never by age)."""
    if max_age_s is None:
        return None
    return max(max_age_s - timing.rotate_lead_s, max_age_s / 2)


class Reconnect(Exception):
    """Leave this connection and open a new one. `failure` False: no backoff (the venue
    announced the close, or cut a connection the feed was already replacing)."""

    def __init__(self, reason: str, *, failure: bool = True) -> None:
        super().__init__(reason)
        self.reason = reason
        self.failure = failure
