"""Timestamps at the edges: ISO-8601 UTC text <-> integer nanoseconds since the epoch.

Inside ArBot times are integers with their unit in the name (docs/design.md,
"Timestamps carry units"); aware datetimes appear only where a person reads or types a
time.
"""

from __future__ import annotations

import datetime as dt

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
NS_PER_MS = 1_000_000
NS_PER_S = 1_000_000_000


_MIN_NS = -(2**63)  # the range of the integers ArBot stores times as (SQLite INTEGER)
_MAX_NS = 2**63 - 1


def parse_time_ns(text: str) -> int:
    """Parse `2024-05-01`, `2024-05-01T12:00:00Z`, `...+02:00` or epoch seconds to ns.

    A time without a zone is taken as UTC, because ArBot stores and shows UTC only. A
    time beyond what a stored time can be (before 1678, after 2262) is that range's edge:
    as a filter it means the same. "inf" and "nan" are no time.
    """
    value = text.strip()
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        if seconds - seconds != 0.0:  # NaN or an infinity
            raise ValueError(f"cannot read time {text!r}: not a finite number of seconds")
        return _clamped(round(seconds * NS_PER_S))
    try:
        when = dt.datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise ValueError(
            f"cannot read time {text!r}: use ISO-8601 such as 2024-05-01 or "
            "2024-05-01T12:00:00Z, or epoch seconds"
        ) from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    delta = when - _EPOCH
    return _clamped((delta.days * 86_400 + delta.seconds) * NS_PER_S + delta.microseconds * 1_000)


def _clamped(ns: int) -> int:
    return min(max(ns, _MIN_NS), _MAX_NS)


def format_time_ns(ns: int) -> str:
    """ISO-8601 UTC with microseconds, e.g. `2021-10-12T00:28:31.160000Z`."""
    when = _EPOCH + dt.timedelta(microseconds=ns // 1_000)
    return when.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def format_duration(seconds: float | None) -> str:
    """A span a trader reads at a glance: `45 s`, `12 min`, `3.5 h`, `2.1 d`; `-` for none."""
    if seconds is None:
        return "-"
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    if seconds < 172_800:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86_400:.1f} d"
