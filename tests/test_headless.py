"""`arbot --demo --no-ui` as a user runs it: a real process, real signals, a real file."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from arbot.domain import Venue

FLUSH_MS = 100


def start(tmp_path: Path, *args: str) -> subprocess.Popen[str]:
    (tmp_path / "arbot.toml").write_text(
        f'[storage]\npath = "arbot.db"\nflush_ms = {FLUSH_MS}\nrecord_quotes = "all"\n'
        '[feeds]\nstatus_log_s = 1.0\n'
        '[sim]\nprofile = "steady"\n')  # every symbol re-sent steadily: every venue records
    return subprocess.Popen([sys.executable, "-m", "arbot", "--demo", "--no-ui", *args],
                            cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def wait_for_line(proc: subprocess.Popen[str], needle: str, timeout_s: float = 30.0) -> list[str]:
    """Read stderr until a line contains `needle`; return the lines read."""
    assert proc.stderr is not None
    lines: list[str] = []
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        line = proc.stderr.readline()
        if not line:
            break
        lines.append(line)
        if needle in line:
            return lines
    raise AssertionError(f"{needle!r} not seen in:\n{''.join(lines)}")


def quotes_by_venue(db: Path) -> dict[str, int]:
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        return dict(conn.execute("SELECT venue, COUNT(*) FROM quotes GROUP BY venue").fetchall())
    finally:
        conn.close()


def test_demo_run_for_a_duration_shows_every_venue_live_and_exits_0(tmp_path: Path) -> None:
    proc = start(tmp_path, "--duration", "6")
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert lines and all(" DEMO " in ln for ln in lines), err
    for venue in Venue:
        assert any(ln.split(" DEMO ")[1].split()[1:3] == [venue.value, "live"] for ln in lines), \
            f"no live status line for {venue}:\n{err}"
    assert "database flushed" in lines[-1]
    assert "Traceback" not in err
    counts = quotes_by_venue(tmp_path / "arbot.db")
    assert set(counts) == {v.value for v in Venue} and min(counts.values()) > 0


def test_sigterm_stops_cleanly_with_everything_flushed(tmp_path: Path) -> None:
    proc = start(tmp_path)
    wait_for_line(proc, "storage  recorded")
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    recorded = [ln for ln in err.splitlines() if "storage  recorded" in ln][-1]
    written = int(recorded.split("recorded ")[1].split()[0])
    assert sum(quotes_by_venue(tmp_path / "arbot.db").values()) == written > 0


def test_sigkill_leaves_a_database_that_opens_and_lost_at_most_a_flush(tmp_path: Path) -> None:
    proc = start(tmp_path)
    wait_for_line(proc, "storage  recorded")
    time.sleep(1.0)
    killed_ns = time.time_ns()
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=30)
    db = tmp_path / "arbot.db"
    assert sum(quotes_by_venue(db).values()) > 0
    conn = sqlite3.connect(db)
    (newest,) = conn.execute("SELECT MAX(ts_recv_ns) FROM quotes").fetchone()
    conn.close()
    # One flush interval may be lost; the slack covers a busy machine's scheduling.
    assert killed_ns - newest < (FLUSH_MS + 1500) * 1_000_000


def test_sim_command_prints_urls_and_stops_on_sigint(tmp_path: Path) -> None:
    proc = subprocess.Popen([sys.executable, "-m", "arbot", "sim", "--port", "0", "--seed", "3"],
                            cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    assert proc.stdout is not None
    banner = [proc.stdout.readline() for _ in range(10)]  # the header, then the tables
    assert any(ln.startswith("[exchanges.binance]") for ln in banner), banner
    assert any(ln.startswith('ws_url = "ws://127.0.0.1:') for ln in banner), banner
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=20)
    assert proc.returncode == 0 and "Traceback" not in err


def test_db_vacuum_compacts_and_reports(tmp_path: Path) -> None:
    db = tmp_path / "v.db"
    proc = start(tmp_path, "--duration", "3")
    proc.communicate(timeout=60)
    (tmp_path / "arbot.db").rename(db)
    conn = sqlite3.connect(db)
    conn.execute("DELETE FROM quotes")
    conn.commit()
    conn.close()
    before = db.stat().st_size
    result = subprocess.run([sys.executable, "-m", "arbot", "db", "vacuum", "--db", str(db)],
                            cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"vacuumed {db}: {before:,} -> ")
    assert db.stat().st_size < before


@pytest.mark.parametrize("argv", [["db", "vacuum", "--db", "missing.db"],
                                  ["--duration", "0"], ["--log-format", "xml"]])
def test_bad_run_arguments_fail_cleanly(tmp_path: Path, argv: list[str]) -> None:
    result = subprocess.run([sys.executable, "-m", "arbot", *argv], cwd=tmp_path,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode in (1, 2)
    assert "Traceback" not in result.stderr and result.stderr.startswith(("arbot", "usage"))


def test_sigusr1_is_the_kill_switch_and_trading_stays_halted(tmp_path: Path) -> None:
    proc = start(tmp_path)
    try:
        wait_for_line(proc, "trading  paper RUNNING")
        proc.send_signal(signal.SIGUSR1)
        wait_for_line(proc, "trading HALTED: kill switch (SIGUSR1)")
        lines = wait_for_line(proc, "trading  paper HALTED (kill switch (SIGUSR1))")
        assert proc.poll() is None, "the kill switch stops trading, not ArBot"
        assert any("HALTED" in line for line in lines)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
