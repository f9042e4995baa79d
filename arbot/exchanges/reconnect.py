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

    `heartbeat_s` None means the venue's documented interval.
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


DEFAULT_TIMING = FeedTiming()


def backoff_delay(failures: int, timing: FeedTiming, rng: random.Random) -> float:
    """Full jitter: uniform in [0, min(cap, base * 2^(failures-1))], so many clients
    reconnecting after one outage spread out instead of arriving together."""
    ceiling = min(timing.backoff_cap_s, timing.backoff_base_s * 2 ** (failures - 1))
    return rng.uniform(0.0, ceiling)


class Reconnect(Exception):
    """Leave this connection and open a new one. `failure` False: no backoff (a notice)."""

    def __init__(self, reason: str, *, failure: bool = True) -> None:
        super().__init__(reason)
        self.reason = reason
        self.failure = failure
