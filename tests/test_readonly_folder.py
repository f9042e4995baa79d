"""A recording in a read-only folder (a mounted archive, another user's directory) can be
exported and backtested: readers open it read-only and create nothing beside it.

The tests run as root, as CI does, and root ignores file modes; the readers therefore run
through `tests.unprivileged`, which drops the capabilities that let root write anyway.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.unprivileged import unprivileged


def test_export_and_backtest_read_a_database_in_a_read_only_folder(tmp_path: Path) -> None:
    folder = tmp_path / "archive"
    folder.mkdir()
    db = folder / "arbot.db"
    (tmp_path / "arbot.toml").write_text('[storage]\npath = "archive/arbot.db"\n'
                                         '[sim]\nprofile = "steady"\n')  # quotes within 3 s
    recorded = subprocess.run([sys.executable, "-m", "arbot", "--demo", "--no-ui", "--duration",
                               "3"], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert recorded.returncode == 0, recorded.stderr
    before = sorted(p.name for p in folder.iterdir())
    assert before == ["arbot.db"]
    folder.chmod(0o555)
    try:
        quotes = unprivileged([sys.executable, "-m", "arbot", "export", "quotes", "--db",
                               str(db)], cwd=tmp_path)
        episodes = unprivileged([sys.executable, "-m", "arbot", "export", "opportunities",
                                 "--db", str(db)], cwd=tmp_path)
        replay = unprivileged([sys.executable, "-m", "arbot", "backtest", "--db", str(db),
                               "--no-progress"], cwd=tmp_path)
    finally:
        folder.chmod(0o755)
    assert quotes.returncode == 0, quotes.stderr
    rows = quotes.stdout.splitlines()
    assert rows[0].startswith("ts,venue,symbol") and len(rows) > 10
    assert quotes.stderr.strip() == f"exported {len(rows) - 1} quotes to stdout"
    assert episodes.returncode == 0, episodes.stderr
    assert replay.returncode == 0, replay.stderr
    assert "opportunities:" in replay.stdout
    assert sorted(p.name for p in folder.iterdir()) == before
