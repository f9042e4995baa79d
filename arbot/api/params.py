"""Query parameters, checked: a bad one is a 400 naming the parameter, never a 500."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from arbot.exchanges.symbols import parse_canonical
from arbot.timefmt import parse_time_ns

MAX_LIMIT = 1000
LATEST_NS = 4_102_444_800 * 1_000_000_000  # 2100-01-01, far inside SQLite's int64


class BadParameter(ValueError):
    def __init__(self, name: str, why: str) -> None:
        super().__init__(f"{name}: {why}")
        self.name = name


def check_known(query: Mapping[str, str], allowed: frozenset[str]) -> None:
    for name in query:
        if name not in allowed:
            raise BadParameter(name, f"unknown parameter; allowed: {', '.join(sorted(allowed))}")


def symbol(query: Mapping[str, str]) -> str | None:
    value = query.get("symbol")
    if value is None:
        return None
    _ascii("symbol", value)
    try:
        parse_canonical(value)
    except ValueError as exc:
        raise BadParameter("symbol", str(exc)) from None
    return value


def _ascii(name: str, value: str) -> str:
    """Only ASCII digits are numbers: Python's `int` and `float` also read `١٢` or `１２`
    (and `str.isdigit` passes `²`, which `int` then refuses), so anything else is refused
    here, before either sees it (a symbol likewise: `ＢＴＣ-USDT` would match nothing)."""
    if not value.isascii():
        raise BadParameter(name, f"{value!r} is not plain ASCII (digits are 0-9 only)")
    return value


def time_ns(query: Mapping[str, str], name: str) -> int | None:
    value = query.get(name)
    if value is None:
        return None
    _ascii(name, value)
    try:
        ns = parse_time_ns(value)
    except (ValueError, OverflowError) as exc:
        raise BadParameter(name, str(exc)) from None
    return min(max(ns, 0), LATEST_NS)  # a filter before 1970 or after 2100 matches the edge


def choice(query: Mapping[str, str], name: str, allowed: Sequence[str]) -> str | None:
    """One of `allowed`, exactly as spelled there; None when absent."""
    value = query.get(name)
    if value is None:
        return None
    if value not in allowed:
        raise BadParameter(name, f"must be one of {', '.join(allowed)}")
    return value


def limit(query: Mapping[str, str], default: int = 100) -> int:
    value = query.get("limit")
    if value is None:
        return default
    if not _ascii("limit", value).isdigit() or not 1 <= int(value) <= MAX_LIMIT:
        raise BadParameter("limit", f"must be a whole number from 1 to {MAX_LIMIT} in "
                                    "ASCII digits")
    return int(value)
