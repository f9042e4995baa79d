"""`arbot --demo --no-ui` on a disk that fills up: a real process, a real small filesystem.

Two honest ways to run out of space: a 1 MiB tmpfs (SQLite's SQLITE_FULL, "database or
disk is full"; needs root and mount, else skipped with the reason) and a file-size limit
(RLIMIT_FSIZE: every write past it fails, SQLite's "disk I/O error"), which always runs.
Either way ArBot must warn once, stop recording and trading, keep the feeds, and still
stop within a bounded time on every stop path, saying how many rows were not written.
"""

from __future__ import annotations

import contextlib
import os
import queue
import resource
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.tui.test_hangup import alive, terminal

WARNING = "recording stopped:"
FSIZE_LIMIT = 512 * 1024


@contextlib.contextmanager
def tmpfs(directory: Path, size: str = "1m") -> Iterator[Path]:
    """A small tmpfs at `directory`, unmounted on every path."""
    directory.mkdir()
    try:
        subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(directory)],
                       check=True, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError) as exc:
        reason = getattr(exc, "stderr", "") or exc
        pytest.skip(f"cannot mount a small tmpfs here ({str(reason).strip()}); "
                    "the RLIMIT_FSIZE variant covers the same code path")
    try:
        yield directory
    finally:
        subprocess.run(["umount", "-l", str(directory)], capture_output=True, timeout=30)


class Lines:
    """A process's stderr read by a thread, so a wait can time out even when the process
    hangs without writing (a blocked readline could not)."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.seen: list[str] = []
        self._lines: queue.Queue[str | None] = queue.Queue()
        assert proc.stderr is not None
        stream = proc.stderr
        threading.Thread(target=self._read, args=(stream,), daemon=True).start()

    def _read(self, stream: Iterator[str]) -> None:
        for line in stream:
            self._lines.put(line)
        self._lines.put(None)

    def wait_for(self, needle: str | None, timeout_s: float = 30.0) -> str:
        """Read until a line holds `needle` (None: until the end); return all read so far."""
        end = time.monotonic() + timeout_s
        with contextlib.suppress(queue.Empty):
            while (line := self._lines.get(timeout=max(0.0, end - time.monotonic()))
                   ) is not None:
                self.seen.append(line)
                if needle is not None and needle in line:
                    return "".join(self.seen)
            if needle is None:
                return "".join(self.seen)
        raise AssertionError(f"{needle or 'the end'!r} not seen within {timeout_s} s in:\n"
                             f"{''.join(self.seen[-40:])}")


def _limit_file_size() -> None:
    resource.setrlimit(resource.RLIMIT_FSIZE, (FSIZE_LIMIT, FSIZE_LIMIT))


@contextlib.contextmanager
def arbot_on_a_full_disk(tmp_path: Path, how: str, *args: str
                         ) -> Iterator[subprocess.Popen[str]]:
    """`arbot --demo --no-ui ARGS` whose database lives where space runs out; killed (and
    the filesystem unmounted) on every path."""
    (tmp_path / "arbot.toml").write_text(
        '[storage]\nflush_ms = 100\nrecord_quotes = "all"\n[feeds]\nstatus_log_s = 1.0\n'
        '[sim]\nprofile = "steady"\n')  # a steady stream of rows to fill the disk with
    with contextlib.ExitStack() as stack:
        where = stack.enter_context(tmpfs(tmp_path / "small")) if how == "tmpfs" else tmp_path
        limit: Callable[[], None] | None = _limit_file_size if how == "fsize" else None
        env = {**os.environ, "ARBOT_STORAGE__PATH": str(where / "arbot.db")}
        proc = subprocess.Popen([sys.executable, "-m", "arbot", "--demo", "--no-ui", *args],
                                cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, env=env, preexec_fn=limit)
        try:
            yield proc
        finally:
            if proc.poll() is None:
                proc.kill()
            proc.wait(timeout=30)


def check_report(err: str, returncode: int) -> None:
    """Warned once, trading halted for it, one last line with the rows not written."""
    assert returncode == 1, err
    assert "Traceback" not in err
    assert err.count(WARNING) == 1, err
    assert "trading HALTED: the database cannot be written" in err
    last = err.strip().splitlines()[-1]
    assert "rows were not written" in last, last
    assert int(last.split("; ")[1].split()[0]) > 0, last


@pytest.mark.parametrize("how", ["tmpfs", "fsize"])
def test_a_full_disk_stops_recording_and_trading_and_the_duration_still_ends(
        tmp_path: Path, how: str) -> None:
    with arbot_on_a_full_disk(tmp_path, how, "--duration", "20") as proc:
        lines = Lines(proc)
        lines.wait_for(WARNING, timeout_s=60)
        lines.wait_for("RECORDING STOPPED")
        lines.wait_for("binance  live")  # the feeds carry on
        err = lines.wait_for(None, timeout_s=60)  # before the fix: never
        check_report(err, proc.wait(timeout=30))


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_stop_signal_after_the_disk_filled_stops_within_seconds(
        tmp_path: Path, sig: signal.Signals) -> None:
    with arbot_on_a_full_disk(tmp_path, "fsize") as proc:
        lines = Lines(proc)
        lines.wait_for(WARNING, timeout_s=60)
        proc.send_signal(sig)
        err = lines.wait_for(None, timeout_s=30)  # before the fix: deaf to it, for ever
        check_report(err, proc.wait(timeout=30))


@pytest.mark.skipif(not shutil.which("tmux") or not shutil.which("prlimit"),
                    reason=".ci/run installs tmux; prlimit is util-linux")
def test_q_in_the_ui_after_the_disk_filled_quits_and_says_how_many_rows_were_lost(
        tmp_path: Path) -> None:
    (tmp_path / "arbot.toml").write_text('[storage]\npath = "arbot.db"\nflush_ms = 100\n'
                                         'record_quotes = "all"\n')
    with terminal(tmp_path) as term:
        shell = term.start(f"prlimit --fsize={FSIZE_LIMIT} {sys.executable} -m arbot --demo; "
                           "echo EXITED $?; sleep 60")
        term.wait_for("4/4 live")
        arbot = int(Path(f"/proc/{shell}/task/{shell}/children").read_text().split()[0])
        try:
            term.wait_for("HALTED", timeout_s=60)  # trading stopped with the recording
            term.tmux("send-keys", "-t", "t", "q")
            shown = term.wait_for("EXITED", timeout_s=30)  # before the fix: never
            assert "EXITED 1" in shown and "rows were not written" in shown, shown
        finally:
            if alive(arbot):
                os.kill(arbot, signal.SIGKILL)
