"""`arbot backtest`: replay recorded quotes through the live engine and paper trader.

    arbot backtest [--db PATH] [--input FILE ...] [--from T] [--until T]
                   [--symbols S ...] [--config PATH] [--out DIR]

Settings: by default each recorded run is replayed with the detection settings it stored
(market, strategy, filters, taker fees), which is what makes a replay reproduce the run;
`--settings config` uses the configuration's (`--config PATH`, else ./arbot.toml and the
environment, as everywhere) for everything instead. Quotes outside any recorded run
(imports) always use the configuration. Trading settings always come from the
configuration, as paper trading with the paper account's latencies: each order fills
against the books as they are when it arrives, on the replay clock.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from pathlib import Path

from arbot.backtest.inputs import is_database, stage
from arbot.backtest.output import render, run_segments, write_charts, write_tables
from arbot.backtest.progress import ProgressLine
from arbot.backtest.rules import InstrumentSource
from arbot.backtest.runner import Options, Progress, Result, run_backtest
from arbot.backtest.source import PAGE_ROWS, Window
from arbot.config import ArbotSettings
from arbot.exchanges.symbols import canonical_symbol
from arbot.research import require
from arbot.storage.runlist import run_window
from arbot.timefmt import parse_time_ns


def add_parser(subparsers: argparse._SubParsersAction,  # type: ignore[type-arg]
               common_parent: argparse.ArgumentParser) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = subparsers.add_parser(
        "backtest", parents=[common_parent],
        help="replay recorded quotes through the engine and the paper trader",
        description="Replay recorded quotes in receive-time order through the same engine, "
                    "filters and paper trader that run live, on a clock made of the recorded "
                    "receive times; print the report and write it to --out.")
    p.add_argument("--db", type=Path, metavar="PATH",
                   help="recorded database (default [storage] path); opened read-only")
    p.add_argument("--input", nargs="+", metavar="FILE",
                   help="replay this ArBot database instead of --db; or a Parquet archive "
                        "written by `arbot archive` (a folder, or an fsspec URL such as "
                        "s3://bucket/dir; needs pip install 'arbot[research]'); or quote "
                        "files: Tardis quotes and book_snapshot CSVs, --record-raw "
                        "<venue>-*.jsonl captures, <SYMBOL>-bookTicker-*.csv files (imported "
                        "into DIR/input.db first)")
    p.add_argument("--from", dest="since", metavar="TIME",
                   help="first receive time replayed, inclusive (ISO-8601 UTC or epoch s)")
    p.add_argument("--until", metavar="TIME", help="end of the replay, exclusive")
    p.add_argument("--run", type=int, metavar="ID",
                   help="replay one recorded run only (`arbot db runs` lists them)")
    p.add_argument("--symbols", nargs="+", metavar="BASE-QUOTE",
                   help="replay only these symbols (default: every recorded one)")
    p.add_argument("--out", type=Path, metavar="DIR",
                   help="write summary.json, CSVs, charts and backtest.db here")
    p.add_argument("--settings", choices=["recorded", "config"], default="recorded",
                   help="detection settings (symbols, thresholds, filters, fees): as stored "
                        "with each recorded run (default; quotes outside runs use the "
                        "configuration), or the configuration's for everything; trading "
                        "settings always come from the configuration")
    p.add_argument("--rules", choices=["auto", "demo", "generic"], default="auto",
                   help="trading rules for the paper trader: the simulator's (demo "
                        "recordings, the default for them) or generic (tick 1e-12, lot 1e-8, "
                        "no minimums; the default otherwise)")
    p.add_argument("--page-rows", type=_page_rows, default=PAGE_ROWS, metavar="N",
                   help=f"quotes read per page (default {PAGE_ROWS:,})")
    p.add_argument("--workers", type=count, metavar="N",
                   help="split the backtest by symbol and time window over a local Dask "
                        "cluster of N processes (needs pip install 'arbot[research]')")
    p.add_argument("--cluster", metavar="URL",
                   help="split it over an existing Dask cluster (tcp://HOST:8786), whose "
                        "workers see the same --db path or --input URL")
    p.add_argument("--windows", type=count, metavar="N",
                   help="with --workers/--cluster: cut time into N windows (default: "
                        "chosen from the workers and the history's length)")
    p.add_argument("--no-progress", action="store_true",
                   help="no progress bar (it shows only when stderr is a terminal)")
    return p


def count(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _page_rows(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def options(args: argparse.Namespace, settings: ArbotSettings,
            demo_rules: InstrumentSource | None = None) -> Options:
    """The backtest's options from parsed arguments; ValueError for bad input."""
    if args.symbols:  # any case, or a venue's spelling (BTCUSDT)
        args.symbols = [canonical_symbol(s) for s in args.symbols]
    since = parse_time_ns(args.since) if args.since else None
    until = parse_time_ns(args.until) if args.until else None
    if args.run is not None:  # one recorded run: its own window (within --from/--until)
        if args.input:
            raise ValueError("--run picks a run of --db; not with --input")
        start, end = asyncio.run(run_window(
            str(args.db if args.db is not None else settings.storage.path), args.run))
        since = start if since is None else max(since, start)
        until = end if until is None else (until if end is None else min(until, end))
    if since is not None and until is not None and until <= since:
        raise ValueError("--until must be after --from")
    db = args.db if args.db is not None else Path(settings.storage.path)
    archive = parquet_archive(args.input)
    if args.input:
        if args.db is not None:
            raise ValueError("use --db or --input, not both")
        inputs = [Path(p) for p in args.input]
        databases = [p for p in inputs if is_database(p)]
        if (databases or archive) and len(args.input) > 1:
            raise ValueError("--input takes one ArBot database or one Parquet archive, or "
                             "quote files; not both")
        if archive is not None:
            require("arbot backtest --input DIR (a Parquet archive)", "pyarrow", "fsspec")
        db = databases[0] if databases else _staged_db(args.out)
    symbols = tuple(dict.fromkeys(args.symbols)) if args.symbols else None
    return Options(db=db, archive=archive, window=Window(since, until, symbols), out=args.out,
                   page_rows=args.page_rows,
                   use_run_settings=args.settings == "recorded", rules=args.rules,
                   demo_rules=demo_rules)


def parquet_archive(inputs: list[str] | None) -> str | None:
    """The --input that names a Parquet archive (a folder or a URL), if that is what it is."""
    return next((i for i in inputs or () if "://" in i or Path(i).is_dir()), None)


def _staged_db(out: Path | None) -> Path:
    """Where --input quote files are imported: beside the report, or a temporary file."""
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        return out / "input.db"
    return Path(tempfile.mkdtemp(prefix="arbot-backtest-")) / "input.db"


def run(args: argparse.Namespace, settings: ArbotSettings, *,
        demo_rules: InstrumentSource | None = None) -> int:
    """`arbot backtest`; `demo_rules` are the rules demo recordings replay under."""
    opts = options(args, settings, demo_rules)
    files = ([Path(p) for p in args.input if not is_database(Path(p))]
             if args.input and opts.archive is None else [])
    if files:
        for report in asyncio.run(stage(files, opts.db)):
            books = (f", {report.books_stored} books ({report.book_duplicates} already there)"
                     if report.books else "")
            print(f"input {report.path}: {report.stored} quotes stored "
                  f"({report.duplicates} already there){books}", file=sys.stderr)
    show = not args.no_progress and sys.stderr.isatty()
    if args.workers is not None or args.cluster is not None:
        return _run_split(args, settings, opts, show)
    bars: list[ProgressLine] = []

    def progress(span: tuple[int, int] | None) -> Progress | None:
        if not show or span is None:
            return None
        bars.append(ProgressLine(*span))
        return bars[-1]

    try:
        result = asyncio.run(run_backtest(settings, opts, progress))
    finally:
        for bar in bars:
            bar.close()
    print(render(result.summary))
    if opts.out is not None:
        write_out(opts.out, result)
        print(f"\nreport written to {opts.out}")
    return 0


def _run_split(args: argparse.Namespace, settings: ArbotSettings, opts: Options,
               show: bool) -> int:
    """The backtest split over a Dask cluster; its merged report and, with --out, every
    file a single-process backtest writes."""
    if args.workers is not None and args.cluster is not None:
        raise ValueError("use --workers or --cluster, not both")
    require("arbot backtest --workers/--cluster", "distributed")
    from arbot.backtest.spread import run_split

    bar: ProgressLine | None = None

    def done(finished: int, total: int, quotes: int) -> None:
        nonlocal bar
        if show:
            bar = bar or ProgressLine(0, total)
            bar(finished, quotes)

    try:
        result = run_split(settings, opts, workers=args.workers, address=args.cluster,
                           windows=args.windows, done=done)
    finally:
        if bar is not None:
            bar.close()
    print(render(result.summary))
    if opts.out is not None:
        write_tables(opts.out, result.summary)
        write_charts(opts.out, result.collector, run_segments(result.summary))
        print(f"\nreport written to {opts.out}")
    return 0


def write_out(out: Path, result: Result) -> None:
    write_tables(out, result.summary)
    write_charts(out, result.collector, run_segments(result.summary))
