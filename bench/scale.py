"""Research at scale: replay from Parquet against SQLite, 1 against 2 Dask workers, and
memory per worker as the history grows.

For each size a synthetic recording (`bench/backtest_data.py`: 4 venues x 100 symbols,
imported-style, no runs) is written to SQLite and archived to Parquet (`arbot archive`).
Detection only (trading off, the configuration's settings), as a sweep's trials run.

* `sqlite_qps` / `parquet_qps`: quotes/s of one in-process replay of the first size,
  best of --runs, alternating the two sources (`*_cpu_qps`: per CPU second, which other
  processes on a shared machine stretch less).
* `workers_1_s` / `workers_2_s`: wall time of the split backtest of the first size's
  (or `--split-size`'s) archive on an already started local cluster of 1 and of 2
  processes (their start, `cluster_start_s`, reported apart; each worker imported
  ArBot before timing), best of --runs, the two clusters' runs alternated so both meet
  the same load; `scaling` = 1-worker time / 2-worker time, `efficiency` = scaling / 2;
  `scaling_paired_median`: the median over rounds of each round's 1-worker time over the
  2-worker time that followed it (the best of each may come from unequal loads).
* `cpu_1_s` / `cpu_2_max_s`: CPU seconds of the 1-worker partition and of the slowest
  2-worker partition; `scaling_cpu` their ratio, the scaling two free cores would give
  (the wall-clock figure needs two idle cores, which a shared machine may not have).
* `others_cores`: per cluster size, the cores other processes kept busy during its best
  run (/proc/stat less this run's own CPU), and `load_1min` before the runs: how much of
  the 2 cores the wall-clock figures had.
* `replay_cpu_alone_s` / `replay_cpu_side_by_side_s`: CPU seconds of one replay of the
  first size in a fresh process, alone and (the slower of) two identical ones at once;
  `ceiling_2` = 2 x alone / side by side, the most 2 workers can give on this machine
  when two processes share it, whatever the split costs.
* `plan_s`: the client's planning, part of the wall time (an archive's footers say each
  file's quotes per symbol, so no quote is read).
* `peak_rss_mb[size]`: peak resident memory of a fresh process replaying that size from
  Parquet (what one worker holds for one partition).

    python bench/scale.py [--sizes 1000000,10000000] [--runs 2] [--dir DIR] [--split-size N]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
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
    return replay_rates(db, arch)[0]


def replay_rates(db: Path, arch: str | None) -> tuple[float, float]:
    """Quotes/s of one replay, by wall-clock time and by this process's CPU time."""
    opts = Options(db=db, archive=arch, use_run_settings=False)
    started, cpu = time.perf_counter(), time.process_time()
    result = asyncio.run(run_backtest(settings(), opts))
    quotes = result.summary["quotes"]
    assert isinstance(quotes, int)
    return (quotes / (time.perf_counter() - started),
            quotes / (time.process_time() - cpu))


def _warm() -> None:
    import arbot.backtest.runner
    import arbot.parquet.history  # noqa: F401


def timed_part(*args: object) -> tuple[object, float]:
    """A partition and the CPU seconds its worker process spent on it."""
    from arbot.backtest.partition import run_part

    started = time.process_time()
    result = run_part(*args)  # type: ignore[arg-type]
    return result, time.process_time() - started


def busy_s() -> float:
    """CPU seconds every process on the machine has used since boot (/proc/stat)."""
    with open("/proc/stat", encoding="ascii") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    return (sum(fields) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")  # not idle, iowait


@dataclass
class Split:
    """The best (shortest) of the runs of one cluster size, and what else ran then."""

    wall_s: float = float("inf")
    cpu_max_s: float = float("inf")  # CPU of its slowest partition
    others_cores: float = 0.0  # cores other processes used meanwhile (the machine's load)
    plan_s: float = 0.0  # planning on the client (part of wall_s)
    start_s: float = 0.0  # the cluster's start (not part of wall_s)
    walls: list[float] = field(default_factory=list)  # every run's, in order


def split_runs(arch: Path, db: Path, runs: int) -> tuple[Split, Split]:
    """Clusters of 1 and of 2 processes started side by side, their runs alternated so
    both meet the same load on a shared machine; the best of each."""
    from arbot.backtest import cluster

    best = {1: Split(), 2: Split()}
    with cluster.client(1, None) as one, cluster.client(2, None) as two:
        for workers, c in ((1, one), (2, two)):
            started = time.perf_counter()
            c.run(_warm)
            best[workers].start_s = time.perf_counter() - started
        for _ in range(runs):
            for workers, c in ((1, one), (2, two)):
                split_run(c, workers, arch, db, best[workers])
    return best[1], best[2]


def split_run(c: object, workers: int, arch: Path, db: Path, best: Split) -> None:
    """One split backtest of the archive on cluster `c`, kept in `best` if the best."""
    from arbot.backtest import cluster
    from arbot.backtest.opening import open_history
    from arbot.backtest.split import make_plan, part_options, plan_kind

    opts = Options(db=db, archive=str(arch), use_run_settings=False)
    t0, busy0, own0 = time.perf_counter(), busy_s(), time.process_time()
    history = open_history(db, str(arch))
    try:
        plan = make_plan(history, settings(), opts, workers)
    finally:
        history.close()
    kind = plan_kind(plan, opts)
    calls = [(settings(), part_options(opts, plan, p, kind), p.index) for p in plan.parts]
    t1 = time.perf_counter()
    done = cluster.run_tasks(c, timed_part, calls)
    wall = time.perf_counter() - t0
    ours = sum(seconds for _, seconds in done) + time.process_time() - own0
    others = max(0.0, busy_s() - busy0 - ours) / wall
    best.walls.append(wall)
    if wall < best.wall_s:
        best.wall_s, best.plan_s, best.others_cores = wall, t1 - t0, others
    best.cpu_max_s = min(best.cpu_max_s, max(seconds for _, seconds in done))


def child_rss(arch: Path, db: Path) -> float:
    code = (f"import sys, asyncio, resource; sys.path.insert(0, {str(ROOT)!r})\n"
            "from bench.scale import replay_qps\n"
            "from pathlib import Path\n"
            f"replay_qps(Path({str(db)!r}), {str(arch)!r})\n"
            "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    return int(out.stdout.strip().splitlines()[-1]) / 1024


def side_by_side(arch: Path, db: Path, runs: int) -> tuple[float, float]:
    """CPU seconds of one replay in a fresh process alone, and of each of two identical
    ones run at once (best of `runs`): what the machine itself takes from two busy
    processes (shared caches and memory, or vCPUs sharing a core), whatever ArBot does."""
    code = (f"import sys, time; sys.path.insert(0, {str(ROOT)!r})\n"
            "from bench.scale import replay_qps\n"
            "from pathlib import Path\n"
            "cpu = time.process_time()\n"
            f"replay_qps(Path({str(db)!r}), {str(arch)!r})\n"
            "print(time.process_time() - cpu)")

    def at_once(n: int) -> float:
        procs = [subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE,
                                  text=True) for _ in range(n)]
        return max(float(p.communicate()[0].strip().splitlines()[-1]) for p in procs)

    alone = together = float("inf")
    for _ in range(runs):
        alone = min(alone, at_once(1))
        together = min(together, at_once(2))
    return alone, together


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="1000000,10000000")
    ap.add_argument("--runs", type=int, default=2)
    ap.add_argument("--dir", type=Path)
    ap.add_argument("--split-size", type=int,
                    help="the size the split backtests run at (default: the first; at a "
                         "larger one the time windows' warm-ups weigh less)")
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    split_size = args.split_size or sizes[0]
    if split_size not in sizes:
        ap.error("--split-size must be one of --sizes")
    folder = args.dir or Path(tempfile.mkdtemp(prefix="arbot-scale-"))
    folder.mkdir(parents=True, exist_ok=True)
    data = {s: prepare(folder, s) for s in sizes}
    db, arch = data[sizes[0]]
    sqlite_qps = parquet_qps = sqlite_cpu = parquet_cpu = 0.0
    for _ in range(args.runs):
        wall, cpu = replay_rates(db, None)
        sqlite_qps, sqlite_cpu = max(sqlite_qps, wall), max(sqlite_cpu, cpu)
        wall, cpu = replay_rates(db, str(arch))
        parquet_qps, parquet_cpu = max(parquet_qps, wall), max(parquet_cpu, cpu)
    load = os.getloadavg()[0]
    s1, s2 = split_runs(data[split_size][1], data[split_size][0], args.runs)
    one, two, cpu1, cpu2 = s1.wall_s, s2.wall_s, s1.cpu_max_s, s2.cpu_max_s
    rss = {s: child_rss(a, d) for s, (d, a) in data.items()}
    alone, together = side_by_side(arch, db, args.runs)
    scaling = one / two
    paired = statistics.median(a / b for a, b in zip(s1.walls, s2.walls, strict=True))
    result = {"size": sizes[0], "split_size": split_size, "sqlite_qps": sqlite_qps,
              "parquet_qps": parquet_qps,
              "parquet_vs_sqlite": parquet_qps / sqlite_qps,
              "sqlite_cpu_qps": sqlite_cpu, "parquet_cpu_qps": parquet_cpu, "workers_1_s": one,
              "workers_2_s": two, "cluster_start_s": max(s1.start_s, s2.start_s),
              "plan_s": [s1.plan_s, s2.plan_s], "scaling": scaling,
              "efficiency": scaling / 2, "cpu_1_s": cpu1, "cpu_2_max_s": cpu2,
              "scaling_cpu": cpu1 / cpu2, "peak_rss_mb": rss,
              "rss_growth": rss[sizes[-1]] / rss[sizes[0]],
              "others_cores": [s1.others_cores, s2.others_cores], "load_1min": load,
              "replay_cpu_alone_s": alone, "replay_cpu_side_by_side_s": together,
              "ceiling_2": 2 * alone / together, "scaling_paired_median": paired}
    print(f"{'measure':<28}{'value':>14}")
    print(f"{'quotes (speed runs)':<28}{sizes[0]:>14,}")
    print(f"{'SQLite replay quotes/s':<28}{sqlite_qps:>14,.0f}")
    print(f"{'Parquet replay quotes/s':<28}{parquet_qps:>14,.0f}")
    print(f"{'Parquet / SQLite':<28}{parquet_qps / sqlite_qps:>14.2f}")
    print(f"{'by CPU time (P / S)':<28}{parquet_cpu / sqlite_cpu:>14.2f}")
    print(f"{'quotes (split runs)':<28}{split_size:>14,}")
    print(f"{'1 worker, s':<28}{one:>14.2f}")
    print(f"{'2 workers, s':<28}{two:>14.2f}")
    print(f"{'cluster start, s':<28}{max(s1.start_s, s2.start_s):>14.2f}")
    print(f"{'planning, s (1 / 2)':<28}{f'{s1.plan_s:.3f} / {s2.plan_s:.3f}':>14}")
    print(f"{'others cores (1 / 2)':<28}{f'{s1.others_cores:.2f} / {s2.others_cores:.2f}':>14}")
    print(f"{'load average, 1 min':<28}{load:>14.2f}")
    print(f"{'scaling (2 vs 1)':<28}{scaling:>14.2f}")
    print(f"{'efficiency':<28}{scaling / 2:>14.2f}")
    print(f"{'scaling, median of rounds':<28}{paired:>14.2f}")
    print(f"{'CPU s, 1 worker':<28}{cpu1:>14.2f}")
    print(f"{'CPU s, slowest of 2':<28}{cpu2:>14.2f}")
    print(f"{'scaling by CPU (2 vs 1)':<28}{cpu1 / cpu2:>14.2f}")
    print(f"{'replay CPU s, alone':<28}{alone:>14.2f}")
    print(f"{'same, 2 at once (slower)':<28}{together:>14.2f}")
    print(f"{'ceiling for 2 (2 x a / b)':<28}{2 * alone / together:>14.2f}")
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
