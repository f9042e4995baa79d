"""`arbot --no-ui` started with its terminal already gone: stdout and stderr closed (a
daemon launcher that closes them, `2>&-`, a shell whose terminal went away). The run must
go on as usual, recording to its database, and end cleanly: a lost terminal is no reason
to stop trading, and a closed descriptor must not be reused by a file the run writes."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest


def _close(*fds: int) -> None:
    for fd in fds:
        os.close(fd)


@pytest.mark.parametrize("fds", [(2,), (1, 2), (0, 1, 2)])
def test_headless_run_with_closed_stdio_records_and_exits_0(tmp_path: Path,
                                                            fds: tuple[int, ...]) -> None:
    (tmp_path / "arbot.toml").write_text('[storage]\npath = "arbot.db"\nflush_ms = 100\n'
                                         'record_quotes = "all"\n[sim]\nprofile = "steady"\n')
    proc = subprocess.run([sys.executable, "-m", "arbot", "--demo", "--no-ui", "--duration", "3"],
                          cwd=tmp_path, preexec_fn=lambda: _close(*fds), timeout=60)
    assert proc.returncode == 0
    conn = sqlite3.connect(tmp_path / "arbot.db")
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert conn.execute("SELECT COUNT(*) FROM quotes").fetchone()[0] > 0
        assert conn.execute("SELECT COUNT(*) FROM runs WHERE ended_ns IS NULL"
                            ).fetchone()[0] == 0
    finally:
        conn.close()
