"""How long a REST call may take and how it is retried: `RestTiming`, and the venue's
Retry-After read as seconds. Shared by the public client (`arbot.exchanges.rest`) and
the signed one (`arbot.exchanges.private`)."""

from __future__ import annotations

import msgspec


class RestTiming(msgspec.Struct, frozen=True):
    """Timeouts and retry policy, in seconds; tests shorten them.

    `retries` counts attempts after the first. A venue that asks for a longer wait than
    `max_wait_s` (IP bans run from minutes to days) makes the call fail at
    once instead of hanging start-up; the buckets stay paused for the whole wait.
    """

    timeout_s: float = 10.0
    retries: int = 3
    backoff_base_s: float = 0.5
    backoff_cap_s: float = 10.0
    max_wait_s: float = 60.0


DEFAULT_REST_TIMING = RestTiming()


def retry_after_s(value: str | None) -> float | None:
    """Retry-After in seconds; the HTTP-date form is ignored (venues send seconds)."""
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        return None
    return seconds if seconds >= 0 else None
