"""Stop signals at any moment: during start-up, and for `arbot sim` started with SIGINT
ignored (what a non-interactive shell's `&` does to a background job). Real processes."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest


def _ignore_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _catches_sigterm(pid: int) -> bool:
    """Whether the process has a handler for SIGTERM yet (`SigCgt` in /proc)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    caught = next(line for line in status.splitlines() if line.startswith("SigCgt:"))
    return bool(int(caught.split()[1], 16) & (1 << (signal.SIGTERM - 1)))


@pytest.mark.parametrize("after_s", [0.0, 0.2, 0.4, 1.5])
def test_sigterm_during_start_up_exits_0_with_no_run_left_open(tmp_path: Path,
                                                               after_s: float) -> None:
    """SIGTERM `after_s` after the handlers exist, which `arbot` installs before anything
    heavy loads (only the interpreter's own start comes before them: no Python code runs
    there, so no program can catch a signal that early)."""
    (tmp_path / "arbot.toml").write_text('[storage]\npath = "arbot.db"\n')
    proc = subprocess.Popen([sys.executable, "-m", "arbot", "--demo", "--no-ui"], cwd=tmp_path,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        while not _catches_sigterm(proc.pid):
            assert proc.poll() is None and time.monotonic() < deadline, "no handler"
            time.sleep(0.001)
        time.sleep(after_s)
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, err  # as a running headless ArBot answers SIGTERM
    assert "Traceback" not in err
    db = tmp_path / "arbot.db"
    if db.exists():  # the run never started, or it was closed
        conn = sqlite3.connect(db)
        try:
            assert conn.execute("SELECT COUNT(*) FROM runs WHERE ended_ns IS NULL"
                                ).fetchone()[0] == 0
        finally:
            conn.close()


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_sim_in_the_background_stops_on_sigint_and_sigterm(tmp_path: Path,
                                                           sig: signal.Signals) -> None:
    proc = subprocess.Popen([sys.executable, "-m", "arbot", "sim", "--port", "0"],
                            cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, preexec_fn=_ignore_sigint)
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().startswith("# ArBot exchange simulator on 127.0.0.1:")
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=20)  # before the fix: SIGINT ignored for ever
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, err
    assert "Traceback" not in err
