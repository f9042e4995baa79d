"""`arbot doctor`: one line per check, exit 1 naming the check that failed; run against the
simulator and against closed ports on 127.0.0.1, never the internet."""

from __future__ import annotations

import dataclasses
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path

from arbot.config import load_settings
from arbot.demo import sim_config
from arbot.doctor.checks import Status
from arbot.doctor.command import diagnose
from arbot.sim.config import Accounts
from arbot.storage.db import MIGRATIONS
from tests.unprivileged import unprivileged

BINANCE_ONLY = """
[exchanges.bybit]
enabled = false
[exchanges.okx]
enabled = false
[exchanges.bitget]
enabled = false
"""


def doctor(*args: str, cwd: Path, env: dict[str, str] | None = None
           ) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "arbot", "doctor", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120)


def statuses(stdout: str) -> dict[str, str]:
    """Check name -> status, from the report's lines (the last line is the count)."""
    lines = stdout.splitlines()[:-1]
    return {line[6:20].strip(): line[:4].strip() for line in lines}


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_the_demo_passes_every_check_without_printing_a_key(tmp_path: Path) -> None:
    done = doctor("--demo", cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    found = statuses(done.stdout)
    venues = ("binance", "bybit", "okx", "bitget")
    assert set(found) == {"config", "database", "disk", *(f"{kind} {v}" for v in venues
                                                          for kind in ("keys", "rest", "clock"))}
    assert set(found.values()) == {"ok"}
    assert done.stdout.splitlines()[-1] == f"{len(found)} checks, all passed"
    assert "BINANCE_API_KEY" in done.stdout
    assert "demo-binance" not in done.stdout.lower()  # names only, never the demo values
    assert not list(tmp_path.iterdir())  # it created nothing, not even the database


def test_a_broken_config_is_a_failing_check_naming_the_key(tmp_path: Path) -> None:
    (tmp_path / "arbot.toml").write_text("[strategy]\nmin_net_bps = \"lots\"\n")
    done = doctor("--demo", cwd=tmp_path)
    assert done.returncode == 1
    assert done.stdout.startswith("FAIL  config")
    assert "min_net_bps" in done.stdout.splitlines()[0]
    assert done.stdout.splitlines()[-1] == "1 check, 1 failed: config"
    assert "Traceback" not in done.stderr


def test_an_unwritable_database_fails_its_check(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    sqlite3.connect(folder / "arbot.db").close()
    folder.chmod(0o555)
    try:
        done = unprivileged([sys.executable, "-m", "arbot", "doctor", "--demo", "--db",
                             str(folder / "arbot.db")], cwd=tmp_path)
    finally:
        folder.chmod(0o755)
    assert done.returncode == 1, done.stdout
    line = next(ln for ln in done.stdout.splitlines() if ln.startswith("FAIL"))
    assert line.startswith("FAIL  database") and "does not take new files" in line
    assert done.stdout.splitlines()[-1].endswith("1 failed: database")


def test_a_read_only_database_file_fails_its_check(tmp_path: Path) -> None:
    db = tmp_path / "arbot.db"
    sqlite3.connect(db).close()
    db.chmod(0o444)
    done = unprivileged([sys.executable, "-m", "arbot", "doctor", "--demo", "--db", str(db)],
                        cwd=tmp_path)
    assert done.returncode == 1, done.stdout
    assert statuses(done.stdout)["database"] == "FAIL"
    assert "read-only" in done.stdout


def test_a_database_from_a_newer_arbot_fails(tmp_path: Path) -> None:
    db = tmp_path / "arbot.db"
    with sqlite3.connect(db) as conn:
        conn.execute(f"PRAGMA user_version = {MIGRATIONS[-1].version + 1}")
    done = doctor("--demo", "--db", str(db), cwd=tmp_path)
    assert done.returncode == 1
    assert "newer than this ArBot" in done.stdout


def test_too_little_disk_fails_and_says_how_much_is_wanted(tmp_path: Path) -> None:
    done = doctor("--demo", "--min-free-mb", "1e12", cwd=tmp_path)
    assert done.returncode == 1
    assert statuses(done.stdout)["disk"] == "FAIL"
    assert "--min-free-mb" in done.stdout


def test_unreachable_rest_and_missing_live_keys_fail_by_name(tmp_path: Path) -> None:
    port = closed_port()
    (tmp_path / "arbot.toml").write_text(
        f'[exchanges.binance]\nrest_url = "http://127.0.0.1:{port}"\n' + BINANCE_ONLY
        + '[trading]\nmode = "live"\n')
    env = {"PATH": "/usr/bin:/bin", "BINANCE_API_KEY": "k3y-that-must-not-print"}
    done = doctor(cwd=tmp_path, env=env)
    assert done.returncode == 1
    found = statuses(done.stdout)
    assert found == {"config": "ok", "keys binance": "FAIL", "rest binance": "FAIL",
                     "clock binance": "FAIL", "database": "ok", "disk": "ok"}
    assert "BINANCE_API_SECRET not set" in done.stdout
    assert f"127.0.0.1:{port}" in done.stdout
    assert "k3y-that-must-not-print" not in done.stdout + done.stderr


async def test_a_venue_clock_far_from_ours_fails(tmp_path: Path) -> None:
    settings = load_settings(None, overrides={"storage": {"path": str(tmp_path / "a.db")}},
                             environ={})
    skewed = dataclasses.replace(sim_config(settings), accounts=Accounts(clock_skew_ms=4000))
    checks = await diagnose(None, {"storage": {"path": str(tmp_path / "a.db")}}, demo=True,
                            sim_config=skewed, environ={})
    clocks = [c for c in checks if c.name.startswith("clock")]
    assert len(clocks) == 4 and all(c.status is Status.FAIL for c in clocks)
    assert all("ahead of ours" in c.detail and "sync" in c.detail for c in clocks)
    assert all(c.status is Status.OK for c in checks if c not in clocks)
