"""A file whose first line is not CSV a reader can split (a bare carriage return inside a
field, as in a binary file or a capture cut mid-line) is "not this format", said in one
line with the usage exit code, by every importer that checks a CSV header and by
`backtest --input`; never a traceback from the csv module."""

from __future__ import annotations

from pathlib import Path

import pytest

from arbot.cli import main

COMMANDS = [
    ["import", "tardis-quotes"],
    ["import", "tardis-book"],
    ["import", "binance-bookticker", "--symbol", "BTC-USDT"],
]


@pytest.mark.parametrize("command", COMMANDS)
def test_an_unsplittable_first_line_is_not_the_format(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], command: list[str]) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"abc\rdef,1\n2,3\n")
    code = main([*command, "--db", str(tmp_path / "t.db"), str(bad)])
    err = capsys.readouterr().err
    assert code == 2, err
    assert err.startswith("arbot: ") and "bad.csv" in err and err.count("\n") == 1, err


def test_backtest_input_says_it_is_no_format_it_reads(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"abc\rdef,1\n2,3\n")
    code = main(["backtest", "--input", str(bad), "--no-progress"])
    err = capsys.readouterr().err
    assert code == 2, err
    assert "not a format --input recognises" in err, err
