"""`arbot archive --to` a disk with no room: one line and exit 1, and no temporary file
left behind; never an OSError traceback from pyarrow."""

from __future__ import annotations

from pathlib import Path

import pytest

from arbot.cli import main
from tests.test_full_disk import tmpfs

OKX = Path(__file__).parent / "fixtures/okx/ws_tickers_BTC-USDT_2022-05-13.jsonl"

pytest.importorskip("pyarrow")


def test_archive_to_a_full_disk_is_one_line(tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "a.db"
    assert main(["import", "raw", "--venue", "okx", "--db", str(db), str(OKX)]) == 0
    with tmpfs(tmp_path / "disk", "64k") as disk:
        filler = disk / "filler"
        with filler.open("wb", buffering=0) as f, pytest.raises(OSError):
            while True:
                f.write(b"\0" * 4096)
        capsys.readouterr()
        code = main(["archive", "--db", str(db), "--to", str(disk / "arch")])
        err = capsys.readouterr().err
        assert code == 1, err
        assert err.startswith("arbot: ") and err.count("\n") == 1, err
        assert [p for p in (disk / "arch").rglob("*") if p.is_file()] == []
