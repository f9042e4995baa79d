"""`arbot export -o PATH` where PATH cannot be written (a folder that cannot exist, a
directory, a full device, a file where a folder should be): one line naming the path and
exit 1, never a traceback, and no partial file left behind."""

from __future__ import annotations

from pathlib import Path

import pytest

from arbot.cli import main

OKX = Path(__file__).parent / "fixtures/okx/ws_tickers_BTC-USDT_2022-05-13.jsonl"


@pytest.mark.parametrize("where", ["/proc/no/such.csv", "DIR", "/dev/full", "FILE/x.csv"])
def test_an_unwritable_target_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                          where: str) -> None:
    db = tmp_path / "a.db"
    assert main(["import", "raw", "--venue", "okx", "--db", str(db), str(OKX)]) == 0
    (tmp_path / "FILE").write_text("")
    target = where.replace("DIR", str(tmp_path)).replace("FILE", str(tmp_path / "FILE"))
    capsys.readouterr()
    code = main(["export", "quotes", "--db", str(db), "-o", target])
    err = capsys.readouterr().err
    assert code == 1, err
    assert err.startswith("arbot: ") and err.count("\n") == 1 and target in err, err
    assert not list(tmp_path.glob(".*.part"))
