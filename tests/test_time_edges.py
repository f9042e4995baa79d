"""Times typed on the command line at the edges: far-future or far-past dates and huge
epoch numbers filter like the edge of what ArBot stores (nothing after, everything
before), and "inf"/"nan" are unreadable times; never an OverflowError traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from arbot.cli import main
from arbot.timefmt import parse_time_ns

INT64_MAX = 2**63 - 1


@pytest.mark.parametrize("text", ["9999-12-31T23:59:59Z", "1e20", "99999999999999999999"])
def test_a_time_past_the_stored_range_is_its_edge(text: str) -> None:
    assert parse_time_ns(text) == INT64_MAX


@pytest.mark.parametrize("text", ["0001-01-01", "-1e20"])
def test_a_time_before_the_stored_range_is_its_edge(text: str) -> None:
    assert parse_time_ns(text) == -(2**63)


@pytest.mark.parametrize("text", ["inf", "-inf", "nan", "Infinity"])
def test_non_finite_epoch_numbers_are_no_time(text: str) -> None:
    with pytest.raises(ValueError, match="cannot read time"):
        parse_time_ns(text)


@pytest.mark.parametrize("args", [
    ["export", "quotes", "--since", "9999-12-31", "-o", "-"],
    ["report", "--since", "1e20"],
    ["report", "--until", "inf"],
])
def test_the_commands_answer_without_a_traceback(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    okx = Path(__file__).parent / "fixtures/okx/ws_tickers_BTC-USDT_2022-05-13.jsonl"
    assert main(["import", "raw", "--venue", "okx", "--db", str(tmp_path / "a.db"),
                 str(okx)]) == 0
    code = main([*args, "--db", str(tmp_path / "a.db")])
    err = capsys.readouterr().err
    assert code in (0, 1, 2) and "Traceback" not in err, err
