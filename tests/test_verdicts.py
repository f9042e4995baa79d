"""The verdict as a step code and a detail: in the split itself and in the episode CSV."""

from __future__ import annotations

import msgspec
import pytest

from arbot.api.convert import episode_row_out
from arbot.export import EPISODE_HEADER, episode_csv_row
from arbot.verdicts import split_verdict
from tests.api.test_convert import OLD


@pytest.mark.parametrize(("recorded", "code", "detail"), [
    ("passed", "passed", ""),
    ("filtered:trend: not persistent yet (12 ms, 1 updates)", "filtered:trend",
     "not persistent yet (12 ms, 1 updates)"),
    ("filtered:latency: buy quote 2.5 s old: over 1.0 s", "filtered:latency",
     "buy quote 2.5 s old: over 1.0 s"),
    ("filtered:trend", "filtered:trend", ""),
    ("stale", "stale", ""), ("", "", ""), (None, "", ""),
    ("  passed  ", "passed", ""),
])
def test_split(recorded: str | None, code: str, detail: str) -> None:
    assert split_verdict(recorded) == (code, detail)


def test_the_csv_has_the_code_and_the_detail_in_their_own_columns() -> None:
    filtered = msgspec.structs.replace(OLD, verdict="filtered:spread: 12.5 bps over 10 bps")
    row = dict(zip(EPISODE_HEADER, episode_csv_row(filtered), strict=True))
    assert (row["verdict"], row["verdict_detail"]) == ("filtered:spread", "12.5 bps over 10 bps")
    passed = dict(zip(EPISODE_HEADER, episode_csv_row(OLD), strict=True))
    assert (passed["verdict"], passed["verdict_detail"]) == ("passed", "")
    assert EPISODE_HEADER.index("verdict_detail") == EPISODE_HEADER.index("verdict") + 1


def test_the_api_episode_carries_the_code_and_the_detail() -> None:
    filtered = msgspec.structs.replace(OLD, verdict="filtered:trend: not persistent (3 ms)")
    out = episode_row_out(filtered)
    assert (out.verdict, out.verdict_code, out.verdict_detail) == (
        "filtered:trend: not persistent (3 ms)", "filtered:trend", "not persistent (3 ms)")
    assert episode_row_out(msgspec.structs.replace(OLD, verdict=None)).verdict_code is None
