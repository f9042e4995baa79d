"""Command line: parse arguments, build one settings object, run one sub-command.

Every failure a user can cause (bad flags, a broken config, an unusable database or
capture file) ends as one line on stderr and a non-zero exit code, never a traceback:
2 for usage and configuration errors, 1 for runtime errors.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import os
import sys
from collections.abc import AsyncIterator, Callable, Coroutine, Sequence
from pathlib import Path
from typing import Any, NoReturn

from arbot import __version__, stopsignal
from arbot.backtest import cli as backtest_cli
from arbot.config import (
    ArbotSettings,
    ConfigError,
    load_credentials,
    load_settings,
    render_toml,
    settings_source_path,
)
from arbot.demo import demo_instrument
from arbot.domain import Venue
from arbot.events import Sink
from arbot.exchanges.symbols import parse_canonical
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
from arbot.imports import CaptureError
from arbot.imports.command import add_import_parsers, run_import
from arbot.runtime import Runtime
from arbot.sim import SimConfig, serve_until_stopped
from arbot.storage.db import DatabaseError, open_db
from arbot.storage.lock import hold_database
from arbot.storage.queries import iter_episodes, iter_quotes, vacuum
from arbot.storage.rawlog import RawLogConfig, RawLogError, prepare_directory
from arbot.storage.trade_queries import iter_trades
from arbot.timefmt import parse_time_ns
from arbot.venues import VENUES

EXIT_USAGE = 2
EXIT_FAILURE = 1


class _Parser(argparse.ArgumentParser):
    """argparse, but errors print a short usage line and exit 2 (argparse's own contract)."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def _venue_names() -> str:
    """Every registered venue's label, as "A, B and C"."""
    *rest, last = (spec.label for spec in VENUES.values())
    return f"{', '.join(rest)} and {last}" if rest else last


def build_parser() -> argparse.ArgumentParser:
    common = _Parser(add_help=False)
    common.add_argument(
        "--config", type=Path, default=argparse.SUPPRESS, metavar="PATH",
        help="settings file (default ./arbot.toml; a missing default file means defaults)",
    )
    parser = _Parser(
        prog="arbot", parents=[common],
        description=f"Cross-exchange spot arbitrage for {_venue_names()}.",
    )
    parser.add_argument("--version", action="version", version=f"arbot {__version__}")
    parser.add_argument("--demo", action="store_true",
                        help="run against the built-in exchange simulator (offline, DEMO prices)")
    parser.add_argument("--no-ui", action="store_true",
                        help="run headless: status lines and warnings on stderr")
    parser.add_argument("--api", action="store_true",
                        help="serve the REST API ([api] host:port; token from ARBOT_API_TOKEN)")
    parser.add_argument("--arm-live", action="store_true",
                        help='with --no-ui and [trading] mode = "live": send real orders')
    parser.add_argument("--db", type=Path, dest="main_db", metavar="PATH",
                        help="database file (default [storage] path); a sub-command's own "
                             "--db wins")
    parser.add_argument("--duration", type=_positive, metavar="SECONDS",
                        help="stop cleanly after this many seconds")
    parser.add_argument("--log-format", choices=["text", "json"], default="text",
                        help="headless log format (default text)")
    parser.add_argument("--record-raw", type=Path, metavar="DIR",
                        help="also write every venue frame as received to DIR/<venue>-<UTC "
                             "start>.jsonl (rotated hourly and at 256 MB), for `import raw`")
    parser.add_argument("--record-raw-gzip", action="store_true",
                        help="with --record-raw: gzip the files (.jsonl.gz)")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    sim = commands.add_parser("sim", help="run the exchange simulator and print its URLs")
    sim.add_argument("--host", default="127.0.0.1")
    sim.add_argument("--port", type=int, default=0, help="0 picks a free port")
    sim.add_argument("--seed", type=int, default=0)
    sim.add_argument("--symbols", nargs="+", metavar="BASE-QUOTE")
    sim.add_argument("--rate", type=float, default=50.0, metavar="FRAMES_PER_S",
                     help="frames per second per connection; 0 sends as fast as it can")
    sim.add_argument("--drop-every", type=_positive, metavar="S",
                     help="cut every connection this many seconds after it opens")
    sim.add_argument("--stall-every", type=_positive, metavar="S",
                     help="go silent (socket open) every this many seconds")
    sim.add_argument("--garbage-rate", type=float, default=0.0, metavar="R",
                     help="fraction of frames replaced by malformed ones (0..1)")

    db = commands.add_parser("db", help="database maintenance")
    db_commands = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    vacuum = db_commands.add_parser("vacuum", parents=[common],
                                    help="compact the database file (refused while an ArBot "
                                         "runs on it)")
    vacuum.add_argument("--db", type=Path, metavar="PATH", help="database (default [storage] path)")

    config = commands.add_parser("config", help="show or check the effective settings")
    config_commands = config.add_subparsers(dest="config_command", metavar="ACTION", required=True)
    config_commands.add_parser("show", parents=[common],
                               help="print the effective settings as TOML, secrets masked")
    config_commands.add_parser("check", parents=[common],
                               help="validate the settings; exit 0 if valid, 2 if not")

    add_import_parsers(commands, common)
    backtest_cli.add_parser(commands, common)

    export = commands.add_parser("export", help="write recorded data as CSV")
    export_kinds = export.add_subparsers(dest="export_kind", metavar="WHAT", required=True)
    for kind, text in (("quotes", "recorded L1 quotes"),
                       ("opportunities", "opportunity episodes, by the time they opened"),
                       ("trades", "paper and live trades with fills, fees and PnL")):
        what = export_kinds.add_parser(kind, parents=[common], help=text)
        what.add_argument("--db", type=Path, metavar="PATH",
                          help="database (default [storage] path)")
        what.add_argument("--symbol", metavar="BASE-QUOTE")
        if kind == "quotes":
            what.add_argument("--venue", choices=[v.value for v in Venue])
        what.add_argument("--since", metavar="TIME", help="inclusive, ISO-8601 UTC or epoch s")
        what.add_argument("--until", metavar="TIME", help="exclusive, ISO-8601 UTC or epoch s")
        what.add_argument("-o", "--output", default="-", metavar="FILE|-",
                          help="CSV file, or - for stdout (default)")
    return parser


def _positive(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be a positive number of seconds, not {text}")
    return value


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command not in _STOPPABLE:
        stopsignal.release()  # no stop handling of its own: signals act as for any program
    try:
        settings = load_settings(getattr(args, "config", None), overrides=_overrides(args))
        return _COMMANDS[args.command or "run"](args, settings)
    except ConfigError as exc:
        print(f"arbot: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except ValueError as exc:  # bad times, symbols or flag combinations on the command line
        print(f"arbot: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except (DatabaseError, CaptureError, RawLogError) as exc:
        print(f"arbot: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # the reader went away (e.g. `| head`): stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def _overrides(args: argparse.Namespace) -> dict[str, Any]:
    out: dict[str, Any] = {}
    db = getattr(args, "db", None) or getattr(args, "main_db", None)
    if db is not None:
        out["storage"] = {"path": str(db)}
    if getattr(args, "api", False):
        out["api"] = {"enabled": True}
    return out


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


def recording_runtime(settings: ArbotSettings, demo: bool,
                      raw: RawLogConfig) -> Callable[[Sequence[Sink]], Runtime]:
    """The UI's runtime factory (as `tui.backend.runtime_factory`), recording raw frames."""

    def build(sinks: Sequence[Sink]) -> Runtime:
        return Runtime(settings, demo=demo, sinks=sinks, record_raw=raw)

    return build


def _sim(args: argparse.Namespace, settings: ArbotSettings) -> int:
    for symbol in args.symbols or ():
        parse_canonical(symbol)
    config = SimConfig.from_flags(
        host=args.host, port=args.port, seed=args.seed,
        symbols=tuple(args.symbols) if args.symbols else None, rate=args.rate,
        drop_every=args.drop_every, stall_every=args.stall_every, garbage_rate=args.garbage_rate)
    asyncio.run(serve_until_stopped(config))
    return 0


def _db(args: argparse.Namespace, settings: ArbotSettings) -> int:
    path = Path(settings.storage.path)
    if not path.is_file():
        raise DatabaseError(f"{path}: no such database")
    before = path.stat().st_size
    asyncio.run(vacuum(path))
    print(f"vacuumed {path}: {before:,} -> {path.stat().st_size:,} bytes")
    return 0


def _export(args: argparse.Namespace, settings: ArbotSettings) -> int:
    if args.symbol is not None:
        parse_canonical(args.symbol)
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

            if args.export_kind == "quotes":
                count = await write_csv(quotes(), QUOTE_HEADER, args.output)
            elif args.export_kind == "trades":
                count = await write_csv(trades(), TRADE_HEADER, args.output)
            else:
                count = await write_csv(episodes(), EPISODE_HEADER, args.output)
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
_STOPPABLE = (None, "sim")

_COMMANDS: dict[str, Command] = {
    "run": _exclusive("running", _run_app),
    "sim": _sim,
    "db": _exclusive("db vacuum", _db),
    "config": _config,
    "import": _exclusive("import", run_import),
    "import-raw": _exclusive("import", run_import),  # deprecated alias of `import raw`
    "export": _export,
    "backtest": functools.partial(backtest_cli.run, demo_rules=demo_instrument),
}
