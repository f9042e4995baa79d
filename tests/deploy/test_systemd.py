"""The systemd service: a headless demo run tells a real notify socket READY once its
feeds are up, pings the watchdog while its engine beats, and says STOPPING at the stop;
its logs take the journal's form; and deploy/arbot.service passes `systemd-analyze verify`.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from arbot.config import ArbotSettings
from arbot.runtime import Runtime
from arbot.sdnotify import Notifier
from arbot.service import tell_systemd
from tests.conftest import WAIT_S, until

UNIT = Path(__file__).parents[2] / "deploy" / "arbot.service"


@pytest.fixture
def notify_socket() -> Iterator[tuple[socket.socket, str]]:
    """A datagram socket standing in for systemd's (a short path: AF_UNIX allows 107)."""
    folder = tempfile.mkdtemp(prefix="sd-")
    path = os.path.join(folder, "notify")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(path)
    sock.settimeout(WAIT_S)
    try:
        yield sock, path
    finally:
        sock.close()
        shutil.rmtree(folder)


def messages(sock: socket.socket, until_text: str) -> list[dict[str, str]]:
    """Datagrams as {KEY: VALUE} until one holds `until_text`."""
    got = []
    while True:
        text = sock.recv(4096).decode()
        got.append(dict(line.split("=", 1) for line in text.splitlines()))
        if until_text in text:
            return got


def test_a_headless_demo_is_ready_after_its_feeds_pings_and_says_stopping(
        notify_socket: tuple[socket.socket, str], tmp_path: Path) -> None:
    sock, path = notify_socket
    env = {**os.environ, "NOTIFY_SOCKET": path, "WATCHDOG_USEC": "400000"}
    proc = subprocess.Popen([sys.executable, "-m", "arbot", "--demo", "--no-ui"], cwd=tmp_path,
                            env=env, stderr=subprocess.PIPE, text=True)
    try:
        before_ready = messages(sock, "READY=1")
        after_ready = []
        while sum("WATCHDOG" in m for m in after_ready) < 2:
            after_ready += messages(sock, "WATCHDOG=1")
        proc.send_signal(signal.SIGTERM)
        at_stop = messages(sock, "STOPPING=1")
        assert proc.wait(WAIT_S) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    log = proc.stderr.read() if proc.stderr else ""
    ready = before_ready[-1]
    assert ready["READY"] == "1" and "of 4 venues live" in ready["STATUS"]
    assert all(m.get("STATUS", "").startswith("starting") for m in before_ready[:-1]
               if "STATUS" in m)
    lines = log.splitlines()
    ready_at = next(i for i, ln in enumerate(lines) if "ready:" in ln)
    assert sum(ln.endswith(": live") for ln in lines[:ready_at]) >= 2  # feeds up first
    assert at_stop[-1] == {"STOPPING": "1", "STATUS": "stopping: signal"}
    assert not any("WATCHDOG" in m for m in at_stop[1:])
    sock.settimeout(0)
    with pytest.raises(BlockingIOError):  # nothing after STOPPING
        sock.recv(4096)


async def test_watchdog_pings_stop_while_the_engine_heartbeat_stands_still(
        notify_socket: tuple[socket.socket, str], caplog: pytest.LogCaptureFixture) -> None:
    sock, path = notify_socket
    sock.setblocking(False)
    notifier = Notifier({"NOTIFY_SOCKET": path, "WATCHDOG_USEC": "20000"})
    beat = {"ns": 1}
    now = {"ns": 1}  # the engine beat at 1 and the clock reads 1: fresh
    runtime = Runtime(ArbotSettings())  # never started: no venue is live
    task = asyncio.create_task(tell_systemd(notifier, runtime, lambda: beat["ns"],
                                            mono_ns=lambda: now["ns"]))
    received: list[str] = []

    def drain() -> list[str]:
        while True:
            try:
                received.append(sock.recv(4096).decode())
            except BlockingIOError:
                return received

    try:
        await until(lambda: drain().count("WATCHDOG=1") >= 2, "pings while the engine beats")
        now["ns"] = 3 * 10**9  # three seconds without a beat: stalled
        await until(lambda: "engine stalled" in caplog.text, "the stall to be logged")
        drain()
        received.clear()
        for _ in range(5):  # five more turns of the notifier's loop, none with a ping
            await asyncio.sleep(0.01)
        assert "WATCHDOG=1" not in drain()
        beat["ns"] = now["ns"]  # beating again: pings resume
        await until(lambda: "WATCHDOG=1" in drain(), "pings to resume")
    finally:
        task.cancel()
        notifier.close()
    assert not any("READY" in m for m in received)  # no venue live, never ready


def test_abstract_socket_names_and_foreign_watchdogs() -> None:
    name = f"arbot-test-{os.getpid()}"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind("\0" + name)
    sock.settimeout(WAIT_S)
    try:
        notifier = Notifier({"NOTIFY_SOCKET": "@" + name, "WATCHDOG_USEC": "1000000",
                             "WATCHDOG_PID": str(os.getpid() + 1)})
        assert notifier.send(STATUS="hello\nworld")
        assert sock.recv(100) == b"STATUS=hello world"
        assert notifier.watchdog_s is None  # meant for another process
        notifier.close()
    finally:
        sock.close()
    outside = Notifier({})
    assert not outside.enabled and not outside.send(READY="1")


def test_a_vanished_socket_is_reported_once_and_never_raised(
        caplog: pytest.LogCaptureFixture, tmp_path: Path) -> None:
    notifier = Notifier({"NOTIFY_SOCKET": str(tmp_path / "gone")})
    assert not notifier.send(READY="1") and not notifier.send(WATCHDOG="1")
    assert caplog.text.count("cannot notify systemd") == 1
    notifier.close()


def test_logs_take_the_journal_form_when_stderr_is_the_journal(tmp_path: Path) -> None:
    err = tmp_path / "stderr"
    with err.open("w") as stream:
        st = os.fstat(stream.fileno())
        env = {**os.environ, "JOURNAL_STREAM": f"{st.st_dev}:{st.st_ino}"}
        done = subprocess.run([sys.executable, "-m", "arbot", "--demo", "--no-ui",
                               "--duration", "1"], cwd=tmp_path, env=env, stderr=stream,
                              timeout=120, check=False)
    assert done.returncode == 0
    lines = err.read_text().splitlines()
    assert lines and all(ln[:3] in ("<6>", "<4>", "<3>") for ln in lines), lines[:5]
    assert "<6>DEMO binance: live" in lines
    assert not any(ln[3:5].isdigit() for ln in lines)  # no clock time: the journal has it


def test_the_unit_file_passes_systemd_analyze_verify(tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed here")
    text = UNIT.read_text()
    assert "Type=notify" in text and "WatchdogSec=" in text
    arbot = Path(sys.executable).with_name("arbot")
    # verify checks that ExecStart's program exists: point it at this install's arbot.
    good = tmp_path / "arbot.service"
    good.write_text(text.replace("/opt/arbot/bin/arbot", str(arbot)))
    done = subprocess.run([analyze, "verify", str(good)], capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.returncode == 0 and done.stderr.strip() == "", done.stderr
    bad = tmp_path / "broken.service"  # the check can fail: a typo is reported
    bad.write_text(good.read_text().replace("Type=notify", "Type=notifyy"))
    done = subprocess.run([analyze, "verify", str(bad)], capture_output=True, text=True,
                          timeout=60, check=False)
    assert "notifyy" in done.stderr
