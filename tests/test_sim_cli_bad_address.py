"""`arbot sim` with an address it cannot listen on (a port out of range, a host that is
no address, a port already taken) says so in a line naming it, with a non-zero exit,
as the API and `arbot serve` do; never a traceback."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest


def run_sim(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "arbot", "sim", *args], cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize(("args", "code"), [
    (["--port", "99999"], 2),
    (["--port", "-1"], 2),
    (["--host", "256.1.1.1", "--port", "0"], 1),
])
def test_an_address_it_cannot_use_is_one_line(tmp_path: Path, args: list[str],
                                              code: int) -> None:
    done = run_sim(tmp_path, *args)
    assert done.returncode == code, done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    last = done.stderr.strip().splitlines()[-1]  # argparse's usage error, or our one line
    assert last.startswith("arbot") and ("port" in last or "listen" in last), done.stderr


def test_a_port_already_taken_is_one_line(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        done = run_sim(tmp_path, "--port", str(taken.getsockname()[1]))
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr and "cannot listen" in done.stderr, done.stderr
