"""`arbot --record-raw DIR` while running, then `arbot import raw` of what it wrote: the
replay gives, venue by venue, exactly the quotes the live run recorded (receive times
included), and replayed into the live run's own database it stores nothing new."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import cast

import pytest

from arbot.cli import main
from arbot.cli.commands import recording_runtime
from arbot.config import ArbotSettings
from arbot.domain import Venue
from arbot.runtime import Runtime
from arbot.storage.rawlog import RawLogConfig
from arbot.tui.app import build_app
from tests.imports.helpers import Capture, stored


@pytest.mark.parametrize("gzip", [False, True])
def test_a_recorded_demo_session_replays_frame_for_frame(
    gzip: bool, tmp_path: Path, capsys: Capture
) -> None:
    (tmp_path / "arbot.toml").write_text(
        '[storage]\npath = "live.db"\nflush_ms = 100\nrecord_quotes = "all"\n'
        '[sim]\nprofile = "steady"\n')  # every venue sends frames within the 4 s
    flags = ["--record-raw", "raw", *(["--record-raw-gzip"] if gzip else [])]
    done = subprocess.run([sys.executable, "-m", "arbot", "--demo", "--no-ui", "--duration", "4",
                           *flags], cwd=tmp_path, capture_output=True, text=True, timeout=90)
    assert done.returncode == 0, done.stderr
    assert "recording raw frames to raw" in done.stderr
    final = [ln for ln in done.stderr.splitlines() if " INFO    raw " in ln][-1]
    assert " frames in " in final and final.endswith(", 0 dropped"), final

    live = stored(tmp_path / "live.db")
    suffix = ".jsonl.gz" if gzip else ".jsonl"
    for venue in Venue:
        files = sorted((tmp_path / "raw").glob(f"{venue.value}-*{suffix}"))
        assert files, f"nothing recorded for {venue}"
        replay = tmp_path / f"replay-{venue.value}.db"
        assert main(["import", "raw", "--venue", venue.value, *map(str, files),
                     "--db", str(replay)]) == 0
        mine = [r for r in live if r[2] == venue.value]
        assert mine and Counter(stored(replay)) == Counter(mine), venue
    capsys.readouterr()

    for venue in Venue:  # into the database the live run recorded to: all duplicates
        files = sorted((tmp_path / "raw").glob(f"{venue.value}-*{suffix}"))
        assert main(["import", "raw", "--venue", venue.value, *map(str, files),
                     "--db", str(tmp_path / "live.db")]) == 0
        assert "quotes stored:       0\n" in capsys.readouterr().out
    assert stored(tmp_path / "live.db") == live


async def test_the_terminal_ui_records_raw_frames_too(tmp_path: Path) -> None:
    settings = ArbotSettings.model_validate({
        "market": {"symbols": ["BTC-USDT"]},
        "storage": {"path": str(tmp_path / "arbot.db"), "flush_ms": 50},
        "sim": {"profile": "steady"}})
    raw = RawLogConfig(tmp_path / "raw", flush_s=0.1)
    app = build_app(settings, demo=True, runtime=recording_runtime(settings, True, raw))
    async with app.run_test(size=(120, 32)) as pilot:
        deadline = asyncio.get_running_loop().time() + 30

        def files() -> int:
            runtime = cast(Runtime | None, app.runtime)
            log = runtime.raw_log if runtime is not None else None
            return log.stats.files if log is not None else 0

        while files() < len(Venue):
            assert asyncio.get_running_loop().time() < deadline, "no raw file for some venue"
            await pilot.pause(0.1)
        await pilot.press("q")
    assert {p.name.split("-")[0] for p in (tmp_path / "raw").iterdir()} == {v.value for v in Venue}


@pytest.mark.parametrize(("flags", "code", "words"), [
    (["--record-raw-gzip"], 2, "--record-raw-gzip needs --record-raw DIR"),
    (["--record-raw", "{file}/sub"], 1, "cannot write there"),
])
def test_record_raw_flag_errors_are_one_line(
    flags: list[str], code: int, words: str, tmp_path: Path, capsys: Capture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)  # no arbot.toml here: the defaults
    (tmp_path / "file").write_text("")
    argv = [f.format(file=tmp_path / "file") for f in flags]
    assert main(["--no-ui", "--duration", "1", *argv]) == code
    err = capsys.readouterr().err
    assert err.startswith("arbot: ") and err.count("\n") == 1 and words in err
