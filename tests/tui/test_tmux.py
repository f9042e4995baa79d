"""The real `arbot --demo` in a real terminal (tmux): what a user over SSH would see."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

SESSION = "arbot-test"


def tmux(*args: str) -> str:
    return subprocess.run(["tmux", *args], capture_output=True, text=True, check=True,
                          timeout=30).stdout


def screen() -> str:
    return tmux("capture-pane", "-t", SESSION, "-p")


def wait_for(text: str, timeout_s: float = 60.0) -> str:
    end = time.monotonic() + timeout_s
    shown = ""
    while time.monotonic() < end:
        shown = screen()
        if text in shown:
            return shown
        time.sleep(0.25)
    raise AssertionError(f"{text!r} never appeared; the screen was:\n{shown}")


def test_arbot_demo_in_tmux(tmp_path: Path) -> None:
    assert shutil.which("tmux"), ".ci/run installs tmux; this test needs it"
    arbot = f"{sys.executable} -m arbot --demo"
    subprocess.run(["tmux", "kill-session", "-t", SESSION], capture_output=True)
    tmux("new-session", "-d", "-s", SESSION, "-x", "100", "-y", "30", "-c", str(tmp_path),
         f"{arbot}; echo EXITED $?; sleep 30")
    try:
        prices = wait_for("4/4 live")
        assert "DEMO" in prices and "PAPER" in prices
        for symbol in ("BTC-USDT", "ETH-USDT", "SOL-USDT", "XRP-USDT"):
            assert symbol in prices
        tmux("send-keys", "-t", SESSION, "o")
        opportunities = wait_for("why no trade")
        assert "Verdict" in opportunities
        tmux("send-keys", "-t", SESSION, "q")
        wait_for("EXITED 0", timeout_s=30)
    finally:
        subprocess.run(["tmux", "kill-session", "-t", SESSION], capture_output=True)
    db = sqlite3.connect(tmp_path / "arbot.db")
    assert db.execute("SELECT COUNT(*) FROM quotes").fetchone()[0] > 0
    assert db.execute("SELECT COUNT(*) FROM runs WHERE ended_ns IS NOT NULL").fetchone()[0] == 1
    db.close()
