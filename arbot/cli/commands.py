"""The sub-commands' runners, and the table from a sub-command's name to its runner.

Each runner takes the parsed arguments and the one settings object and returns an exit
code; errors are raised, and turned into messages and exit codes by `arbot.cli.main`.
Only the run here imports `arbot.tui`, lazily, so the other commands never load textual.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import sys
from collections.abc import AsyncIterator, Callable, Coroutine, Sequence
from pathlib import Path
from typing import Any

from arbot.backtest import cli as backtest_cli
from arbot.backtest import sweep_cli
from arbot.cli import archive as archive_cli
from arbot.cli import report, runs
from arbot.cli.sim import run_sim
from arbot.config import ArbotSettings, load_credentials, render_toml, settings_source_path
from arbot.demo import demo_instrument
from arbot.events import Sink
from arbot.exchanges.symbols import canonical_symbol
from arbot.export import (
    EPISODE_HEADER,
    QUOTE_HEADER,
    TRADE_HEADER,
    episode_csv_row,
    quote_csv_row,
    trade_csv_row,
    write_csv,
)
from arbot.headless import arm_refusal, run_headless
from arbot.imports.command import run_import
from arbot.runtime import Runtime
from arbot.storage.db import DatabaseError, open_db
from arbot.storage.lock import hold_database
from arbot.storage.queries import iter_episodes, iter_quotes, vacuum
from arbot.storage.rawlog import RawLogConfig, prepare_directory
from arbot.storage.trade_queries import iter_trades
from arbot.timefmt import parse_time_ns


def _config(args: argparse.Namespace, settings: ArbotSettings) -> int:
    if args.config_command == "show":
        print(render_toml(settings, load_credentials()), end="")
    else:
        print("configuration is valid")
    return 0


def _run_app(args: argparse.Namespace, settings: ArbotSettings) -> int:
    if args.arm_live and not args.no_ui:
        raise ValueError("--arm-live is for --no-ui; in the UI, arm live trading with its "
                         "arm action (key a), which shows the limits first")
    if args.record_raw_gzip and args.record_raw is None:
        raise ValueError("--record-raw-gzip needs --record-raw DIR")
    raw = None
    if args.record_raw is not None:
        prepare_directory(args.record_raw)
        raw = RawLogConfig(args.record_raw, gzip=args.record_raw_gzip)
    if args.no_ui:
        refusal = arm_refusal(settings, args.arm_live)
        if refusal:
            raise ValueError(refusal)
        return asyncio.run(run_headless(settings, demo=args.demo, duration=args.duration,
                                        log_format=args.log_format, arm_live=args.arm_live,
                                        record_raw=raw))
    from arbot.tui.app import run_tui  # lazily: only the UI imports textual

    config_path = settings_source_path(getattr(args, "config", None))
    return run_tui(settings, demo=args.demo, config_path=config_path,
                   runtime=None if raw is None else recording_runtime(settings, args.demo, raw))


def _serve(args: argparse.Namespace, settings: ArbotSettings) -> int:
    from arbot.tui.serve import serve  # lazily: only the UI imports textual

    return serve(settings, demo=args.serve_demo or args.demo,
                 config_path=settings_source_path(getattr(args, "config", None)), db=args.db)


def recording_runtime(settings: ArbotSettings, demo: bool,
                      raw: RawLogConfig) -> Callable[[Sequence[Sink]], Runtime]:
    """The UI's runtime factory (as `tui.backend.runtime_factory`), recording raw frames."""

    def build(sinks: Sequence[Sink]) -> Runtime:
        return Runtime(settings, demo=demo, sinks=sinks, record_raw=raw)

    return build


def _db(args: argparse.Namespace, settings: ArbotSettings) -> int:
    path = Path(settings.storage.path)
    if not path.is_file():
        raise DatabaseError(f"{path}: no such database")
    before = path.stat().st_size
    asyncio.run(vacuum(path))
    print(f"vacuumed {path}: {before:,} -> {path.stat().st_size:,} bytes")
    return 0


def _export(args: argparse.Namespace, settings: ArbotSettings) -> int:
    if args.symbol is not None:  # any case, or a venue's spelling (BTCUSDT)
        args.symbol = canonical_symbol(args.symbol)
    since = parse_time_ns(args.since) if args.since else None
    until = parse_time_ns(args.until) if args.until else None

    async def run() -> int:
        conn = await open_db(settings.storage.path, readonly=True)
        try:
            async def quotes() -> AsyncIterator[tuple[str, ...]]:
                async for q in iter_quotes(conn, symbol=args.symbol, venue=args.venue,
                                           since_ns=since, until_ns=until):
                    yield quote_csv_row(q)

            async def episodes() -> AsyncIterator[tuple[str, ...]]:
                async for row in iter_episodes(conn, symbol=args.symbol, since_ns=since,
                                               until_ns=until):
                    yield episode_csv_row(row)

            async def trades() -> AsyncIterator[tuple[str, ...]]:
                async for row in iter_trades(conn, symbol=args.symbol, since_ns=since,
                                             until_ns=until):
                    yield trade_csv_row(row)

            rows, header = {"quotes": (quotes, QUOTE_HEADER), "trades": (trades, TRADE_HEADER)
                            }.get(args.export_kind, (episodes, EPISODE_HEADER))
            try:
                count = await write_csv(rows(), header, args.output)
            except OSError as exc:  # no such folder, a directory, a full disk
                print(f"arbot: cannot write {args.output}: {exc.strerror or exc}",
                      file=sys.stderr)
                return 1  # a runtime failure (arbot.cli.EXIT_FAILURE)
        finally:
            await conn.close()
        target = "stdout" if args.output == "-" else args.output
        print(f"exported {count} {args.export_kind} to {target}", file=sys.stderr)
        return 0

    return _run(run)


def _run(factory: Callable[[], Coroutine[Any, Any, int]]) -> int:
    return asyncio.run(factory())


Command = Callable[[argparse.Namespace, ArbotSettings], int]


def _exclusive(holder: str, command: Command) -> Command:
    """`command` holding the database's instance lock (`storage.lock`): the commands that
    write to it refuse at once, naming the pid, while another one runs on the same file."""

    def run(args: argparse.Namespace, settings: ArbotSettings) -> int:
        with hold_database(settings.storage.path, holder):
            return command(args, settings)

    return run


# Commands that answer stop signals themselves (see arbot.stopsignal): the run and `sim`.
STOPPABLE = (None, "sim")

COMMANDS: dict[str, Command] = {
    "run": _exclusive("running", _run_app),
    "sim": run_sim,
    "db": lambda args, settings: (runs.run if args.db_command == "runs"  # reads only
                                  else _exclusive("db vacuum", _db))(args, settings),
    "config": _config,
    "serve": _serve,
    "import": _exclusive("import", run_import),
    "import-raw": _exclusive("import", run_import),  # deprecated alias of `import raw`
    "export": _export,
    "backtest": functools.partial(backtest_cli.run, demo_rules=demo_instrument),
    "report": report.run,
    "archive": archive_cli.run,
    "sweep": functools.partial(sweep_cli.run, demo_rules=demo_instrument),
}
