"""bench/depth.py end to end with tiny sizes, so it cannot rot: every section runs on the
real parts (the venues' depth parsers, BookKeeper, the engine's walk, cryptofeed when
installed) and writes its table, JSON and GOAL lines. Checks the output's shape and that
the numbers are sane, never how fast anything was."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VENUES = ["binance", "bybit", "okx", "bitget"]


def test_a_tiny_run_measures_every_section_and_ends_with_three_goals(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "depth.py"), "--rounds", "2",
         "--walk-rounds", "1", "--walk-updates", "800", "--walk-symbols", "5",
         "--e2e-rounds", "1", "--memory-books", "20", "--out", str(tmp_path)],
        capture_output=True, text=True, timeout=300, cwd=ROOT, check=False)
    assert done.returncode == 0, done.stderr
    goals = [line.split() for line in done.stdout.splitlines() if line.startswith("GOAL ")]
    assert [g[1] for g in goals] == ["depth_frame_us", "depth_walk_us", "depth_updates_per_s"]
    assert all(float(g[2]) > 0 and g[-1] in ("PASS", "FAIL") for g in goals)

    frames = json.loads((tmp_path / "depth.json").read_text())
    assert [row["venue"] for row in frames["rows"]] == VENUES
    has_cryptofeed = importlib.util.find_spec("cryptofeed") is not None
    for row in frames["rows"]:
        assert row["deltas"] > 0 and row["levels/delta"] > 0
        assert row["arbot_us"] > 0 and row["book_us"] > 0
        if has_cryptofeed:
            assert row["cryptofeed_us"] > 0
            assert abs(row["arbot/cf"] - row["arbot_us"] / row["cryptofeed_us"]) < 1e-9
        else:
            assert row["cryptofeed_us"] == "n/a"
    assert frames["frame_max_us"] == max(row["arbot_us"] for row in frames["rows"])

    engine = json.loads((tmp_path / "depth_engine.json").read_text())
    measures = [(row["measure"], row["market"]) for row in engine["rows"]]
    assert ("detect (depth)", "crossed") in measures and ("end to end", "recorded") in measures
    assert engine["e2e_updates_per_s"] > 0 and engine["walk_symbols"] == 5

    memory = json.loads((tmp_path / "depth_memory.json").read_text())
    assert [row["levels/side"] for row in memory["rows"]] == [20, 50, 400]
    per_book = [row["arbot_B"] for row in memory["rows"]]
    assert per_book == sorted(per_book) and per_book[0] > 0  # deeper books weigh more
