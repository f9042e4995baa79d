"""`arbot sweep --out DIR` that cannot be written: a folder that cannot exist is said
before any trial runs, and a disk that fills while the results are written is one line
after the table; exit 1 either way, never an OSError traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from arbot.cli import main
from tests.test_full_disk import tmpfs

OKX = Path(__file__).parent.parent / "fixtures/okx/ws_tickers_BTC-USDT_2022-05-13.jsonl"
PARAM = "strategy.min_net_profit_bps=1,2"


def recorded(tmp_path: Path) -> Path:
    db = tmp_path / "a.db"
    assert main(["import", "raw", "--venue", "okx", "--db", str(db), str(OKX)]) == 0
    return db


def test_an_out_folder_that_cannot_exist_is_said_before_the_trials(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = recorded(tmp_path)
    (tmp_path / "file").write_text("")
    capsys.readouterr()
    code = main(["sweep", "--db", str(db), "--param", PARAM, "--no-progress",
                 "--out", str(tmp_path / "file" / "sweep")])
    out, err = capsys.readouterr()
    assert code == 1 and "cannot create --out directory" in err, err
    assert "trials" not in out  # nothing ran


def test_a_full_disk_while_writing_is_one_line(tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    db = recorded(tmp_path)
    with tmpfs(tmp_path / "disk", "64k") as disk:
        (disk / "sweep").mkdir()
        with (disk / "filler").open("wb", buffering=0) as f, pytest.raises(OSError):
            while True:
                f.write(b"\0" * 4096)
        capsys.readouterr()
        code = main(["sweep", "--db", str(db), "--param", PARAM, "--no-progress",
                     "--out", str(disk / "sweep")])
        err = capsys.readouterr().err
    assert code == 1, err
    assert err.startswith("arbot: cannot write the sweep to") and err.count("\n") == 1, err
