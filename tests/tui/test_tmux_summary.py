"""Quitting the real UI (in tmux) prints the run's summary on the restored terminal."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

SESSION = "arbot-summary-test"


def tmux(*args: str) -> str:
    return subprocess.run(["tmux", *args], capture_output=True, text=True, check=True,
                          timeout=30).stdout


def wait_for(text: str, timeout_s: float = 60.0) -> str:
    end = time.monotonic() + timeout_s
    shown = ""
    while time.monotonic() < end:
        shown = tmux("capture-pane", "-t", SESSION, "-p", "-J")
        if text in shown:
            return shown
        time.sleep(0.25)
    raise AssertionError(f"{text!r} never appeared; the screen was:\n{shown}")


def test_quitting_the_ui_prints_the_runs_summary(tmp_path: Path) -> None:
    assert shutil.which("tmux"), ".ci/run installs tmux; this test needs it"
    arbot = f"{sys.executable} -m arbot --demo"
    subprocess.run(["tmux", "kill-session", "-t", SESSION], capture_output=True)
    tmux("new-session", "-d", "-s", SESSION, "-x", "160", "-y", "30", "-c", str(tmp_path),
         f"{arbot}; echo EXITED $?; sleep 30")
    try:
        wait_for("4/4 live")
        tmux("send-keys", "-t", SESSION, "q")
        shown = wait_for("EXITED 0", timeout_s=30)
    finally:
        subprocess.run(["tmux", "kill-session", "-t", SESSION], capture_output=True)
    assert re.search(r"run \d+: \d+ episodes, \d+ passed every filter", shown), shown
    assert re.search(r"run \d+: \d+ trades settled .* USDT net of fees", shown), shown
