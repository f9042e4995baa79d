"""The command line's contract: help, version, and usage errors without tracebacks."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from arbot import __version__
from arbot.cli import main


def run_arbot(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """The real entry point in a child process, as a user would run it."""
    return subprocess.run(
        [sys.executable, "-m", "arbot", *args], cwd=cwd, env=env, capture_output=True,
        text=True, timeout=60,
    )


def test_help_lists_every_subcommand_with_a_line_each(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    for command, words in [("config", "settings"), ("import", "Tardis"),
                           ("import-raw", "deprecated"), ("export", "CSV")]:
        line = next(ln for ln in out.splitlines() if ln.split()[:1] == [command])
        assert words in line


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out.strip() == f"arbot {__version__}"


@pytest.mark.parametrize("argv", [["--frobnicate"], ["launch-rockets"], ["export", "nothing"],
                                  ["import", "raw", "--venue", "kraken", "x.jsonl"],
                                  ["import", "parquet", "x.pq"], ["import"],
                                  ["import", "binance-bookticker", "x.csv"], ["config"]])
def test_usage_errors_exit_2_without_traceback(argv: list[str], tmp_path: Path) -> None:
    result = run_arbot(*argv, cwd=tmp_path)
    assert result.returncode == 2
    assert "usage:" in result.stderr
    assert "Traceback" not in result.stderr


def test_console_script_and_module_agree(tmp_path: Path) -> None:
    result = run_arbot("--version", cwd=tmp_path)
    assert result.returncode == 0
    assert result.stdout.strip() == f"arbot {__version__}"


def test_broken_config_is_one_message_and_exit_2(tmp_path: Path) -> None:
    (tmp_path / "arbot.toml").write_text("[strategy]\nmax_quote_age_ms = -5\n")
    result = run_arbot("config", "check", cwd=tmp_path)
    assert result.returncode == 2
    assert "arbot.toml" in result.stderr and "max_quote_age_ms" in result.stderr
    assert "Traceback" not in result.stderr


def test_config_check_accepts_the_shipped_file() -> None:
    shipped = Path(__file__).resolve().parent.parent / "arbot.toml"
    assert main(["config", "check", "--config", str(shipped)]) == 0


def test_bad_time_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["export", "quotes", "--db", str(tmp_path / "x.db"), "--since", "yesterday"])
    assert code == 2
    assert "cannot read time 'yesterday'" in capsys.readouterr().err
