"""Shared output for benchmarks: a plain table on stdout and the same rows as JSON."""

from __future__ import annotations

import json
import platform
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).parent / "results"


def median_of(runs: int, measure: Callable[[], float]) -> tuple[float, list[float]]:
    """Run `measure` `runs` times; return the median and every sample."""
    samples = [measure() for _ in range(runs)]
    return statistics.median(samples), samples


def machine() -> dict[str, Any]:
    return {
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }


def emit(name: str, columns: Sequence[str], rows: Sequence[Sequence[Any]],
         extra: dict[str, Any] | None = None, json_path: Path | None = None) -> Path:
    """Print `rows` as a table and write them with machine facts to results/<name>.json."""
    text = [[_cell(v) for v in row] for row in rows]
    widths = [max(len(c), *(len(r[i]) for r in text)) for i, c in enumerate(columns)]
    print("  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)))
    print("  ".join("-" * w for w in widths))
    for r in text:
        print("  ".join(v.rjust(w) if i else v.ljust(w)
                        for i, (v, w) in enumerate(zip(r, widths, strict=True))))
    path = json_path or RESULTS / f"{name}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {"benchmark": name, "machine": machine(),
               "rows": [dict(zip(columns, row, strict=True)) for row in rows], **(extra or {})}
    path.write_text(json.dumps(payload, indent=2) + "\n")
    print(f"\njson: {path}")
    return path


def _cell(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:,.3f}" if abs(v) < 1000 else f"{v:,.0f}"
    return str(v)


def goal(name: str, value: float, unit: str, target: str, passed: bool) -> str:
    """Print and return one `GOAL <name> <value> <unit> <target> PASS|FAIL` line.

    `target` reads like the goal itself (`<=0.7`, `>=1000000`) so the line stands alone.
    """
    line = f"GOAL {name} {value:.6g} {unit} {target} {'PASS' if passed else 'FAIL'}"
    print(line)
    return line
