"""`arbot --demo --no-ui` whose disk fills (RLIMIT_FSIZE, as in tests/test_full_disk.py):
the database refusing writes and the halt it causes both reach a real receiver, and the
destination's URL appears nowhere in the output or the database."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import pytest

from tests.alerts.receiver import receiver
from tests.conftest import WAIT_S
from tests.test_full_disk import WARNING, Lines, arbot_on_a_full_disk

SECRET = "s3cr3t-webhook-token"


def test_a_full_disk_is_alerted_with_the_halt_it_causes(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with receiver() as r:
        monkeypatch.setenv("ARBOT_ALERT_URLS", r.url(f"hook/{SECRET}"))
        with arbot_on_a_full_disk(tmp_path, "fsize") as proc:
            lines = Lines(proc)
            lines.wait_for(WARNING, timeout_s=60)
            end = time.monotonic() + WAIT_S
            while len(r.titles("database refusing") + r.titles("HALTED")) < 2:
                assert time.monotonic() < end, r.titles()
                time.sleep(0.05)
            proc.send_signal(signal.SIGTERM)
            err = lines.wait_for(None, timeout_s=30)
            proc.wait(timeout=30)
    assert r.titles("database refusing") == ["ArBot DEMO: database refusing writes"]
    assert r.titles("HALTED") == ["ArBot DEMO: trading HALTED: the database cannot be "
                                  "written: disk I/O error writing the database (is its disk "
                                  "full or failing?)"]
    told = next(a["message"] for a in r.alerts if "database refusing" in a["title"])
    assert "rows were not written (disk I/O error" in told, told
    assert "alerts to alert destination 1 (JSON)" in err
    assert SECRET not in err and f":{r.port}" not in err
    assert SECRET.encode() not in (tmp_path / "arbot.db").read_bytes()
