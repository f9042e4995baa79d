from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from arbot.timefmt import format_time_ns, parse_time_ns


@pytest.mark.parametrize(("text", "ns"), [
    ("1970-01-01", 0),
    ("2021-10-12T00:28:31.16Z", 1633998511_160_000_000),
    ("2021-10-12T02:28:31.16+02:00", 1633998511_160_000_000),
    ("2021-10-12T00:28:31.16", 1633998511_160_000_000),
    ("1633998511.16", 1633998511_160_000_000),
])
def test_parse(text: str, ns: int) -> None:
    assert parse_time_ns(text) == ns


def test_format() -> None:
    assert format_time_ns(1633998511_160_000_000) == "2021-10-12T00:28:31.160000Z"


def test_garbage_names_the_input() -> None:
    with pytest.raises(ValueError, match="'soon'"):
        parse_time_ns("soon")


@given(st.integers(min_value=0, max_value=4_000_000_000_000_000_000))
def test_round_trip_to_the_microsecond(ns: int) -> None:
    assert parse_time_ns(format_time_ns(ns)) == ns // 1000 * 1000
