"""bench/truth.py end to end, short: the simulator child, two runtimes over real sockets,
the truth fetched and scored. Checks the output's shape and that the numbers are sane
(shares within 0..1, counts whole, a dislocation injected), never how fast anything was."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LAST = re.compile(r"recall (\d\.\d{3}) phantoms (\d+) stale_drops (\d+) delay_ms (-?\d+)")


def test_a_short_run_scores_both_rules_and_ends_with_the_summary_line(tmp_path: Path) -> None:
    out = tmp_path / "truth.json"
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "truth.py"), "--seconds", "8", "--warmup", "3",
         "--rate", "2", "--compare", "--json", str(out)],
        capture_output=True, text=True, timeout=240, cwd=ROOT, check=False)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    last = LAST.fullmatch(lines[-1])
    assert last is not None, lines[-1]
    assert sum(line.startswith("GOAL truth_") for line in lines) == 2
    report = json.loads(out.read_text())
    assert [row["freshness"] for row in report["rows"]] == ["age", "connection"]
    connection = report["results"]["connection"]
    assert connection["injected"] >= 1
    assert 0 <= connection["eligible"] <= connection["injected"]
    for name in ("recall", "pair_recall", "passed"):
        assert 0.0 <= connection[name] <= 1.0
    assert float(last[1]) == round(connection["recall"], 3)
    assert int(last[2]) == connection["phantoms"] and int(last[3]) == connection["stale_drops"]
