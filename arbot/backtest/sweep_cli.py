"""`arbot sweep --param NAME=LOW:HIGH:STEP --param NAME=A,B,C [--search grid|optuna]
[--trials N] [--workers N | --cluster URL]` with the backtest's input and output options.
Every parameter is checked (a setting, every value in bounds) before any trial runs."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from arbot.backtest import cli as backtest_cli
from arbot.backtest.inputs import is_database
from arbot.backtest.output import table
from arbot.backtest.params import parse
from arbot.backtest.progress import ProgressLine
from arbot.backtest.rules import InstrumentSource
from arbot.backtest.source import PAGE_ROWS
from arbot.config import ArbotSettings
from arbot.research import require


def add_parser(subparsers: argparse._SubParsersAction,  # type: ignore[type-arg]
               common_parent: argparse.ArgumentParser) -> None:
    p = subparsers.add_parser(
        "sweep", parents=[common_parent],
        help="backtest every combination (or an Optuna search) of setting values",
        description="Run one backtest per trial of setting values, with the configuration's "
                    "settings and the trial's values, locally or on a Dask cluster; write "
                    "trials.csv, trials.json, heatmap.png (two parameters) and best.toml "
                    "to --out. Needs pip install 'arbot[research]' for --search optuna, "
                    "--workers, --cluster and --input DIR.")
    p.add_argument("--param", action="append", required=True, metavar="NAME=VALUES",
                   help="a setting and its values: section.name=LOW:HIGH:STEP (both ends "
                        "included) or section.name=A,B,C; repeat for more")
    p.add_argument("--search", choices=["grid", "optuna"], default="grid",
                   help="every combination (default), or Optuna's TPE sampler")
    p.add_argument("--trials", type=backtest_cli.count, default=20, metavar="N",
                   help="trials for --search optuna (default 20)")
    p.add_argument("--db", type=Path, metavar="PATH",
                   help="recorded database (default [storage] path); opened read-only")
    p.add_argument("--input", nargs=1, metavar="DB|DIR",
                   help="an ArBot database, or a Parquet archive (folder or fsspec URL)")
    p.add_argument("--from", dest="since", metavar="TIME", help="inclusive")
    p.add_argument("--until", metavar="TIME", help="exclusive")
    p.add_argument("--run", type=int, metavar="ID", help="one recorded run of --db only")
    p.add_argument("--symbols", nargs="+", metavar="BASE-QUOTE")
    p.add_argument("--out", type=Path, default=Path("sweep"), metavar="DIR",
                   help="where the trials' table, heatmap and best settings go (default "
                        "./sweep)")
    p.add_argument("--rules", choices=["auto", "demo", "generic"], default="auto")
    p.add_argument("--workers", type=backtest_cli.count, metavar="N",
                   help="run trials on a local Dask cluster of N processes")
    p.add_argument("--cluster", metavar="URL", help="run trials on this Dask cluster")
    p.add_argument("--no-progress", action="store_true")
    p.set_defaults(page_rows=PAGE_ROWS, settings="config")


def run(args: argparse.Namespace, settings: ArbotSettings, *,
        demo_rules: InstrumentSource | None = None) -> int:
    """`demo_rules`: what demo recordings replay under (see `arbot backtest`)."""
    params = [parse(spec, settings) for spec in args.param]
    names = [p.name for p in params]
    if len(set(names)) != len(names):
        raise ValueError("--param names a setting twice")
    if args.workers is not None and args.cluster is not None:
        raise ValueError("use --workers or --cluster, not both")
    if args.input and "://" not in args.input[0] and not Path(args.input[0]).is_dir() \
            and not is_database(Path(args.input[0])):
        raise ValueError("sweep --input takes an ArBot database or a Parquet archive; "
                         "import quote files with `arbot import` first")
    if args.search == "optuna":
        require("arbot sweep --search optuna", "optuna")
    if args.workers is not None or args.cluster is not None:
        require("arbot sweep --workers/--cluster", "distributed")
    out = args.out
    try:  # before the trials: a folder that cannot exist is said at once
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        print(f"arbot: cannot create --out directory {out}: {exc.strerror or exc}",
              file=sys.stderr)
        return 1
    args.out = None
    opts = backtest_cli.options(args, settings, demo_rules)
    from arbot.backtest.sweep import RESULTS, best, run_sweep, write

    show = not args.no_progress and sys.stderr.isatty()
    bar: ProgressLine | None = None

    def done(finished: int, total: int) -> None:
        nonlocal bar
        if show:
            bar = bar or ProgressLine(0, total)
            bar(finished, finished)

    try:
        rows = run_sweep(settings, opts, params, search=args.search, trials=args.trials,
                         workers=args.workers, address=args.cluster, done=done)
    finally:
        if bar is not None:
            bar.close()
    print(table(f"sweep: {len(rows)} trials", ("trial", *names, *RESULTS),
                [(i, *(r[k] for k in (*names, *RESULTS))) for i, r in enumerate(rows)]))
    top = best(rows)
    try:
        write(out, params, rows)
    except OSError as exc:  # a full disk: the table above is the run's result
        print(f"arbot: cannot write the sweep to {out}: {exc.strerror or exc}",
              file=sys.stderr)
        return 1
    print(f"\nbest (PnL {top['pnl']:+.4f}, {top['passed']} passed episodes), for arbot.toml:")
    print((out / "best.toml").read_text(encoding="utf-8"), end="")
    print(f"\nsweep written to {out}")
    return 0
