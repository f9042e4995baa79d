"""The real `arbot --demo` losing its terminal (an SSH drop): it must close the run and exit
within seconds, not linger as an orphan. The terminal is tmux on a private socket, and
each test kills that tmux server on every path."""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

EXIT_S = 20.0  # generous: the clean stop takes a few seconds on a busy machine

pytestmark = pytest.mark.skipif(not shutil.which("tmux"),
                                reason=".ci/run installs tmux; these tests need it")


class Terminal:
    """One tmux server of our own running one command in a 100x30 pane."""

    def __init__(self, cwd: Path) -> None:
        self.socket = f"arbot-hup-{uuid.uuid4().hex[:12]}"
        self.cwd = cwd

    def tmux(self, *args: str, check: bool = True) -> str:
        return subprocess.run(["tmux", "-L", self.socket, *args], capture_output=True,
                              text=True, check=check, timeout=30).stdout

    def start(self, command: str) -> int:
        """Run `command` (which execs the process under test); return that process's pid."""
        self.tmux("new-session", "-d", "-s", "t", "-x", "100", "-y", "30", "-c",
                  str(self.cwd), command)
        return int(self.tmux("display-message", "-p", "-t", "t", "#{pane_pid}").strip())

    def wait_for(self, text: str, timeout_s: float = 60.0) -> str:
        """The screen, once it shows `text`."""
        end = time.monotonic() + timeout_s
        shown = ""
        while time.monotonic() < end:
            shown = self.tmux("capture-pane", "-t", "t", "-p", check=False)
            if text in shown:
                return shown
            time.sleep(0.25)
        raise AssertionError(f"{text!r} never appeared; the screen was:\n{shown}")

    def kill(self) -> None:
        self.tmux("kill-server", check=False)


@contextmanager
def terminal(cwd: Path) -> Iterator[Terminal]:
    term = Terminal(cwd)
    try:
        yield term
    finally:
        term.kill()


def alive(pid: int) -> bool:
    """Running (not gone, not a zombie waiting for a parent that may never reap it)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state not in ("Z", "X")


def wait_gone(pid: int, timeout_s: float = EXIT_S) -> bool:
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        if not alive(pid):
            return True
        time.sleep(0.1)
    return False


@contextmanager
def arbot_in(term: Terminal, prefix: str = "") -> Iterator[int]:
    """`arbot --demo` in the terminal, showing live prices; SIGKILLed if it outlives the test."""
    pid = term.start(f"exec {prefix}{sys.executable} -m arbot --demo")
    try:
        term.wait_for("4/4 live")
        if prefix:  # the pane runs the prefix command; arbot is its child
            pid = int(Path(f"/proc/{pid}/task/{pid}/children").read_text().split()[0])
        yield pid
    finally:
        if alive(pid):
            os.kill(pid, signal.SIGKILL)


def assert_run_closed(db: Path) -> None:
    conn = sqlite3.connect(db)
    try:
        runs = conn.execute("SELECT ended_ns FROM runs").fetchall()
    finally:
        conn.close()
    assert len(runs) == 1 and runs[0][0] is not None, runs


def test_killing_the_terminal_exits_within_seconds_with_the_run_closed(tmp_path: Path) -> None:
    with terminal(tmp_path) as term, arbot_in(term) as pid:
        term.kill()  # the SSH drop: the pty hangs up (SIGHUP, then EIO on every write)
        assert wait_gone(pid), "arbot outlived its terminal"
    assert_run_closed(tmp_path / "arbot.db")


def test_a_lost_terminal_without_sighup_is_noticed(tmp_path: Path) -> None:
    # In a session of its own (setsid), the hang-up signal goes to the shell's session, not
    # to arbot: only its writes failing tell it that the terminal is gone.
    with terminal(tmp_path) as term, arbot_in(term, prefix="setsid -w ") as pid:
        term.kill()
        assert wait_gone(pid), "arbot outlived its terminal"
    assert_run_closed(tmp_path / "arbot.db")


def test_sighup_quits_cleanly(tmp_path: Path) -> None:
    with terminal(tmp_path) as term, arbot_in(term) as pid:
        os.kill(pid, signal.SIGHUP)
        assert wait_gone(pid), "arbot ignored SIGHUP"
    assert_run_closed(tmp_path / "arbot.db")
