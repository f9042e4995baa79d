"""Backtest replay speed and memory: quotes/s from SQLite through the engine and the paper
trader, and peak resident memory, for recordings of different sizes.

Each size is a synthetic recording (`bench/backtest_data.py`: 4 venues x 100 symbols,
each book updating 20 times a second of stream time, with net-profitable dislocations)
written into a real ArBot database. Every run is a fresh child process doing what
`arbot backtest` does minus the report files: read-only keyset pages from SQLite, the
engine with the default detection settings, the paper trader (generic rules, cool-down
0.5 s, 600 trades a minute, balances in every synthetic asset) journaling every trade in
the backtest's own database. `qps` is quotes replayed per second of replay (median of
--runs); `peak_rss_mb` is the child's peak resident memory (ru_maxrss), the largest over
its runs, and `base_rss_mb` its resident memory after imports, before the replay. A flat
peak across sizes is what "memory does not grow with the history" means: the memory goal
is the peak at the largest size over the peak at the smallest.

With `--old REF` (default `main`) the same runs are made with that ref's `arbot` package
(unpacked from git into a temporary folder), alternating with this tree's, on the same
recordings: the machine is shared, so the ratio is the figure to trust.

    python bench/backtest.py [--sizes 1000000,10000000] [--runs 3] [--old main] [--dir DIR]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
if "--code" in sys.argv:  # a child: the arbot package of the tree under test comes first
    sys.path.insert(0, sys.argv[sys.argv.index("--code") + 1])

from bench.backtest_data import BOOK_HZ, DISLOCATE_BPS, DISLOCATE_HZ, DISLOCATE_S, generate  # noqa: E402
from bench.engine_e2e import CpuMeter, rss_mb  # noqa: E402
from bench.report import emit, goal  # noqa: E402
from bench.storage import old_tree  # noqa: E402

VENUES = 4
TARGET_QPS = 500_000
TARGET_GROWTH = 1.1
PAGE_ROWS = 2_000  # arbot.backtest.source.PAGE_ROWS, read in the child (which tree's)


def bench_settings(n_symbols: int) -> Any:
    from arbot.config import ArbotSettings

    assets = {"USDT": 1e9, **{f"C{i:04d}": 1e7 for i in range(n_symbols)}}
    return ArbotSettings.model_validate({"trading": {
        "mode": "paper", "cooldown_s": 0.5, "max_trades_per_minute": 600,
        "max_open_exposure": 1e6, "daily_loss_limit": 1e6,
        "paper": {"balances": {"*": assets}, "seed": 1}}})


def child(db: Path, n_symbols: int) -> None:
    """One replay; prints its numbers as one JSON line."""
    from arbot.backtest.runner import Options, run_backtest

    base = rss_mb()
    cpu = CpuMeter()
    started = time.perf_counter()
    result = asyncio.run(run_backtest(bench_settings(n_symbols),
                                      Options(db=db, rules="generic")))
    wall = time.perf_counter() - started
    s = result.summary
    opp, trades = s["opportunities"], s["trades"]
    assert isinstance(opp, dict) and isinstance(trades, dict)
    print(json.dumps({
        "quotes": s["quotes"], "replay_s": s["replay_s"], "qps": s["quotes_per_s"],
        "wall_s": wall, "episodes": opp["count"], "trades": trades["count"],
        "base_rss_mb": base,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "others_cores": cpu.cores()["others"], "funnel": s["funnel"]}))


def run_child(db: Path, n_symbols: int, code: Path) -> dict[str, object]:
    out = subprocess.run([sys.executable, __file__, "--child", str(db), "--symbols",
                          str(n_symbols), "--code", str(code)], check=True,
                         capture_output=True, text=True)
    result: dict[str, object] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def make(db: Path, size: int, n_symbols: int, code: Path) -> float:
    """Write the recording with `code`'s schema (a child process); seconds it took."""
    t = time.perf_counter()
    subprocess.run([sys.executable, __file__, "--generate", str(db), "--sizes", str(size),
                    "--symbols", str(n_symbols), "--code", str(code)], check=True)
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="1000000,10000000",
                    type=lambda s: [int(float(x)) for x in s.split(",") if x.strip()])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--symbols", type=int, default=100)
    ap.add_argument("--old", default="main", help="git ref to compare with ('' for none)")
    ap.add_argument("--dir", type=Path, default=Path("/tmp/arbot-bench-backtest"))
    ap.add_argument("--reuse", action="store_true",
                    help="keep a recording of the right size from an earlier run")
    ap.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--generate", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--code", type=Path, default=ROOT, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child is not None or args.generate is not None:
        if args.child is not None:
            child(args.child, args.symbols)
        else:
            generate(args.generate, args.sizes[0], args.symbols)
        return
    args.dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        trees = {"new": ROOT, **({"old": old_tree(args.old, Path(tmp))} if args.old else {})}
        rows, runs = measure(args, trees)
    emit("backtest", ["code", "quotes", "symbols", "venues", "runs", "qps", "replay_s",
                      "base_rss_mb", "peak_rss_mb", "episodes", "trades", "others_cores",
                      "target_qps", "result"], rows, extra={
        "old": args.old,
        "method": {"runs": args.runs, "book_hz": BOOK_HZ, "page_rows": PAGE_ROWS,
                   "dislocations": {"per_symbol_hz": DISLOCATE_HZ, "bps": DISLOCATE_BPS,
                                    "life_s": DISLOCATE_S},
                   "trading": "paper, generic rules, cooldown 0.5 s, 600 trades/min",
                   "qps": "median over runs, each a fresh child process, old and new alternating",
                   "peak_rss_mb": "largest ru_maxrss over the runs of a size",
                   "others_cores": "CPU used by other processes during the runs (max)"},
        "runs": runs})
    new = [r for r in rows if r[0] == "new"]
    qps = min(float(r[5]) for r in new)  # type: ignore[arg-type]
    growth = float(new[-1][8]) / float(new[0][8])  # type: ignore[arg-type]
    goal("backtest_quotes_per_s", qps, "quotes/s", f">={TARGET_QPS}", qps >= TARGET_QPS)
    goal("backtest_memory_growth", growth, "x", f"<={TARGET_GROWTH:g}", growth <= TARGET_GROWTH)


def measure(args: argparse.Namespace, trees: dict[str, Path]
            ) -> tuple[list[list[object]], dict[str, object]]:
    rows: list[list[object]] = []
    runs: dict[str, object] = {}
    for size in args.sizes:
        samples: dict[str, list[dict[str, object]]] = {name: [] for name in trees}
        dbs = {}
        for name, code in trees.items():
            dbs[name] = db = args.dir / f"quotes_{size}_{name}.db"
            if not (args.reuse and db.is_file()):
                made = make(db, size, args.symbols, code)
                print(f"{size:,} quotes written in {made:.1f} s "
                      f"({db.stat().st_size / 1e6:,.0f} MB, {name} schema)", flush=True)
        for _ in range(args.runs):
            for name, code in trees.items():
                samples[name].append(run_child(dbs[name], args.symbols, code))
        for name, got in samples.items():
            qps = statistics.median(float(s["qps"]) for s in got)  # type: ignore[arg-type]
            peak = max(float(s["peak_rss_mb"]) for s in got)  # type: ignore[arg-type]
            first = got[0]
            rows.append([name, size, args.symbols, VENUES, args.runs, qps,
                         statistics.median(float(s["replay_s"]) for s in got),  # type: ignore
                         float(first["base_rss_mb"]), peak, first["episodes"], first["trades"],
                         max(float(s["others_cores"]) for s in got),  # type: ignore[arg-type]
                         TARGET_QPS, "pass" if qps >= TARGET_QPS else "FAIL"])
            print(f"{name}: {size:,} quotes: {qps:,.0f} quotes/s, peak RSS {peak:,.0f} MB",
                  flush=True)
        runs[str(size)] = {"samples": samples,
                           "db_mb": dbs["new"].stat().st_size / 1e6}
    return rows, runs

if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(130)
