"""One running ArBot per database: real `arbot --demo --no-ui` processes on one file.

A second instance on the same file would interleave its `runs` with the first's (a
backtest then replays both mixed) and could reconcile the other's trades at a restart, so
it must be refused at once, naming the holder; the lock must not outlive its holder, even
one killed with SIGKILL.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from tests.test_headless import start, wait_for_line


def arbot(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "arbot", *args], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)


def stop(proc: subprocess.Popen[str]) -> str:
    """SIGTERM, then the rest of stderr; kills it if it does not stop in time."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
    try:
        _, err = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        _, err = proc.communicate(timeout=30)
        raise
    return err


def test_a_second_instance_is_refused_naming_the_first_which_keeps_running(
        tmp_path: Path) -> None:
    first = start(tmp_path)
    try:
        wait_for_line(first, "storage  recorded")
        second = arbot(tmp_path, "--demo", "--no-ui", "--duration", "5")
        assert second.returncode == 1, second.stderr
        lines = second.stderr.splitlines()
        assert len(lines) == 1 and "Traceback" not in second.stderr, second.stderr
        db = (tmp_path / "arbot.db").resolve()
        assert lines[0].startswith(f"arbot: database {db} is in use by another ArBot "
                                   f"(pid {first.pid}"), lines[0]
        # the first goes on recording, untouched
        wait_for_line(first, "storage  recorded")
        wait_for_line(first, "storage  recorded")
        assert first.poll() is None
        # a writer maintenance command is refused the same way
        vacuum = arbot(tmp_path, "db", "vacuum")
        assert vacuum.returncode == 1 and f"(pid {first.pid}" in vacuum.stderr, vacuum.stderr
        assert "vacuumed" not in vacuum.stdout
    finally:
        err = stop(first)
    assert first.returncode == 0, err
    assert not (tmp_path / "arbot.db.lock").exists()  # released and removed on a clean stop
    again = arbot(tmp_path, "--demo", "--no-ui", "--duration", "2")
    assert again.returncode == 0, again.stderr
    runs = subprocess.run([sys.executable, "-c", "import sqlite3,sys;print(sqlite3.connect("
                           "sys.argv[1]).execute('SELECT count(*) FROM runs').fetchone()[0])",
                           str(tmp_path / "arbot.db")], capture_output=True, text=True,
                          timeout=60)
    assert runs.stdout.strip() == "2"  # the refused instance left no run behind


def test_the_lock_of_a_killed_instance_does_not_block_the_next(tmp_path: Path) -> None:
    first = start(tmp_path)
    try:
        wait_for_line(first, "storage  recorded")
        lock = tmp_path / "arbot.db.lock"
        assert lock.read_text().split()[0] == str(first.pid)
        os.kill(first.pid, signal.SIGKILL)
        first.communicate(timeout=30)
    finally:
        if first.poll() is None:
            first.kill()
            first.communicate(timeout=30)
    assert lock.exists()  # left behind by SIGKILL: stale, the kernel dropped its lock
    again = arbot(tmp_path, "--demo", "--no-ui", "--duration", "2")
    assert again.returncode == 0, again.stderr
    assert not lock.exists()
