"""Research at scale: replay from Parquet against SQLite, 1 against 2 Dask workers, and
memory per worker as the history grows.

For each size a synthetic recording (`bench/backtest_data.py`: 4 venues x 100 symbols,
imported-style, no runs) is written to SQLite and archived to Parquet (`arbot archive`).
Detection only (trading off, the configuration's settings), as a sweep's trials run.

* `sqlite_qps` / `parquet_qps`: quotes/s of one in-process replay of the first size,
  best of --runs, alternating the two sources.
* `workers_1_s` / `workers_2_s`: wall time of the split backtest of the first size's
  archive on an already started local cluster of 1 and of 2 processes (their start,
  `cluster_start_s`, reported apart; each worker imported ArBot before timing), best of
  --runs; `scaling` = 1-worker time / 2-worker time, `efficiency` = scaling / 2.
* `cpu_1_s` / `cpu_2_max_s`: CPU seconds of the 1-worker partition and of the slowest
  2-worker partition; `scaling_cpu` their ratio, the scaling two free cores would give
  (the wall-clock figure needs two idle cores, which a shared machine may not have).
* `peak_rss_mb[size]`: peak resident memory of a fresh process replaying that size from
  Parquet (what one worker holds for one partition).

    python bench/scale.py [--sizes 1000000,10000000] [--runs 2] [--dir DIR]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from arbot.backtest.runner import Options, run_backtest  # noqa: E402
from arbot.config import ArbotSettings  # noqa: E402

SETTINGS = {"trading": {"mode": "off"}}


def settings() -> ArbotSettings:
    return ArbotSettings.model_validate(SETTINGS)


def prepare(folder: Path, size: int) -> tuple[Path, Path]:
    from arbot.parquet.archive import archive
    from bench.backtest_data import generate

    db, arch = folder / f"q{size}.db", folder / f"q{size}"
    if not db.exists():
        generate(db, size)
    if not arch.exists():
        archive(db, arch)
    return db, arch


def replay_qps(db: Path, arch: str | None) -> float:
    opts = Options(db=db, archive=arch, use_run_settings=False)
    started = time.perf_counter()
    result = asyncio.run(run_backtest(settings(), opts))
    quotes = result.summary["quotes"]
    assert isinstance(quotes, int)
    return quotes / (time.perf_counter() - started)


def _warm() -> None:
    import arbot.backtest.runner
    import arbot.parquet.history  # noqa: F401


def timed_part(*args: object) -> tuple[object, float]:
    """A partition and the CPU seconds its worker process spent on it."""
    from arbot.backtest.partition import run_part

    started = time.process_time()
    result = run_part(*args)  # type: ignore[arg-type]
    return result, time.process_time() - started


def split_s(workers: int, arch: Path, db: Path, runs: int) -> tuple[float, float, float]:
    from arbot.backtest import cluster
    from arbot.backtest.opening import open_history
    from arbot.backtest.split import make_plan, part_options, plan_kind

    started = time.perf_counter()
    with cluster.client(workers, None) as c:
        c.run(_warm)
        start_s = time.perf_counter() - started
        best = cpu = float("inf")
        opts = Options(db=db, archive=str(arch), use_run_settings=False)
        for _ in range(runs):
            t0 = time.perf_counter()
            history = open_history(db, str(arch))
            try:
                plan = make_plan(history, settings(), opts, workers)
            finally:
                history.close()
            kind = plan_kind(plan, opts)
            calls = [(settings(), part_options(opts, plan, p, kind), p.index)
                     for p in plan.parts]
            done = cluster.run_tasks(c, timed_part, calls)
            best = min(best, time.perf_counter() - t0)
            cpu = min(cpu, max(seconds for _, seconds in done))
    return best, start_s, cpu


def child_rss(arch: Path, db: Path) -> float:
    code = (f"import sys, asyncio, resource; sys.path.insert(0, {str(ROOT)!r})\n"
            "from bench.scale import replay_qps\n"
            "from pathlib import Path\n"
            f"replay_qps(Path({str(db)!r}), {str(arch)!r})\n"
            "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    return int(out.stdout.strip().splitlines()[-1]) / 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="1000000,10000000")
    ap.add_argument("--runs", type=int, default=2)
    ap.add_argument("--dir", type=Path)
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    folder = args.dir or Path(tempfile.mkdtemp(prefix="arbot-scale-"))
    folder.mkdir(parents=True, exist_ok=True)
    data = {s: prepare(folder, s) for s in sizes}
    db, arch = data[sizes[0]]
    sqlite_qps = parquet_qps = 0.0
    for _ in range(args.runs):
        sqlite_qps = max(sqlite_qps, replay_qps(db, None))
        parquet_qps = max(parquet_qps, replay_qps(db, str(arch)))
    one, start1, cpu1 = split_s(1, arch, db, args.runs)
    two, start2, cpu2 = split_s(2, arch, db, args.runs)
    rss = {s: child_rss(a, d) for s, (d, a) in data.items()}
    scaling = one / two
    result = {"size": sizes[0], "sqlite_qps": sqlite_qps, "parquet_qps": parquet_qps,
              "parquet_vs_sqlite": parquet_qps / sqlite_qps, "workers_1_s": one,
              "workers_2_s": two, "cluster_start_s": max(start1, start2), "scaling": scaling,
              "efficiency": scaling / 2, "cpu_1_s": cpu1, "cpu_2_max_s": cpu2,
              "scaling_cpu": cpu1 / cpu2, "peak_rss_mb": rss,
              "rss_growth": rss[sizes[-1]] / rss[sizes[0]]}
    print(f"{'measure':<28}{'value':>14}")
    print(f"{'quotes (speed runs)':<28}{sizes[0]:>14,}")
    print(f"{'SQLite replay quotes/s':<28}{sqlite_qps:>14,.0f}")
    print(f"{'Parquet replay quotes/s':<28}{parquet_qps:>14,.0f}")
    print(f"{'Parquet / SQLite':<28}{parquet_qps / sqlite_qps:>14.2f}")
    print(f"{'1 worker, s':<28}{one:>14.2f}")
    print(f"{'2 workers, s':<28}{two:>14.2f}")
    print(f"{'cluster start, s':<28}{max(start1, start2):>14.2f}")
    print(f"{'scaling (2 vs 1)':<28}{scaling:>14.2f}")
    print(f"{'efficiency':<28}{scaling / 2:>14.2f}")
    print(f"{'CPU s, 1 worker':<28}{cpu1:>14.2f}")
    print(f"{'CPU s, slowest of 2':<28}{cpu2:>14.2f}")
    print(f"{'scaling by CPU (2 vs 1)':<28}{cpu1 / cpu2:>14.2f}")
    for s in sizes:
        print(f"{f'peak RSS at {s:,} quotes, MB':<28}{rss[s]:>14.1f}")
    print(json.dumps(result))
    print(f"GOAL parquet_vs_sqlite >= 1.0: {parquet_qps / sqlite_qps:.2f} "
          f"{'PASS' if parquet_qps >= sqlite_qps else 'FAIL'}")
    print(f"GOAL scaling_2_workers >= 1.7: {scaling:.2f} {'PASS' if scaling >= 1.7 else 'FAIL'}")
    growth = rss[sizes[-1]] / rss[sizes[0]]
    print(f"GOAL memory_flat (peak RSS largest/smallest <= 1.2): {growth:.2f} "
          f"{'PASS' if growth <= 1.2 else 'FAIL'}")


if __name__ == "__main__":
    main()
