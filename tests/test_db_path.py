"""Where the database goes: `--db` on the main command (command line over environment over
arbot.toml), and a path in a folder that does not exist, refused rather than created."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest


def arbot(tmp_path: Path, *args: str, env: dict[str, str] | None = None
          ) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "arbot", *args], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120,
                          env={**os.environ, **(env or {})})


def test_db_on_the_main_command_beats_the_environment_and_the_file(tmp_path: Path) -> None:
    (tmp_path / "arbot.toml").write_text('[storage]\npath = "toml.db"\n')
    done = arbot(tmp_path, "--demo", "--no-ui", "--duration", "2", "--db", "cli.db",
                 env={"ARBOT_STORAGE__PATH": "env.db"})
    assert done.returncode == 0, done.stderr
    assert "recording to cli.db" in done.stderr
    assert (tmp_path / "cli.db").is_file()
    assert not (tmp_path / "env.db").exists() and not (tmp_path / "toml.db").exists()
    # without the flag, the environment still beats the file
    done = arbot(tmp_path, "--demo", "--no-ui", "--duration", "1",
                 env={"ARBOT_STORAGE__PATH": "env.db"})
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "env.db").is_file() and not (tmp_path / "toml.db").exists()


def test_a_sub_command_s_own_db_wins_over_the_main_one(tmp_path: Path) -> None:
    done = arbot(tmp_path, "--db", "main.db", "export", "quotes", "--db", "sub.db")
    assert done.returncode == 1
    assert "no database at sub.db" in done.stderr


@pytest.mark.parametrize("argv", [["--demo", "--no-ui", "--duration", "2"],
                                  ["import", "tardis-quotes", "q.csv"]])
def test_a_database_in_a_missing_folder_is_refused_and_nothing_created(
        tmp_path: Path, argv: list[str]) -> None:
    (tmp_path / "q.csv").write_text("exchange,symbol,timestamp,local_timestamp,ask_amount,"
                                    "ask_price,bid_price,bid_amount\n")
    target = Path("no") / "such" / "x.db"
    done = arbot(tmp_path, *argv, env={"ARBOT_STORAGE__PATH": str(target)})
    assert done.returncode == 1, done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0] == (f"arbot: folder {target.parent} for database {target} does not "
                        "exist; create it or choose another path")
    assert not (tmp_path / "no").exists()
