"""The `arbot` argument parser: every flag, sub-command and help text in one place.

Kept apart from the sub-commands' code so that `arbot --help` (the user's reference)
reads as one piece, and the parser can be built without running anything. Usage errors
exit 2, as argparse's own do.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import NoReturn

from arbot import __version__
from arbot.backtest import cli as backtest_cli
from arbot.backtest import sweep_cli
from arbot.cli import archive as archive_cli
from arbot.cli import report
from arbot.cli.argtypes import folder, positive
from arbot.cli.sim import add_sim_parser
from arbot.doctor import command as doctor
from arbot.domain import Venue
from arbot.imports.command import add_import_parsers
from arbot.venues import VENUES

EXIT_USAGE = 2


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
    parser.add_argument("--duration", type=positive, metavar="SECONDS",
                        help="stop cleanly after this many seconds")
    parser.add_argument("--log-format", choices=["text", "json", "journal"], default="text",
                        help="headless log format (default text; the journal's own form "
                             "when stderr is the systemd journal)")
    parser.add_argument("--record-raw", type=folder, metavar="DIR",
                        help="also write every venue frame as received to DIR/<venue>-<UTC "
                             "start>.jsonl (rotated hourly and at 256 MB), for `import raw`")
    parser.add_argument("--record-raw-gzip", action="store_true",
                        help="with --record-raw: gzip the files (.jsonl.gz)")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    add_sim_parser(commands, common)

    db = commands.add_parser("db", help="database maintenance")
    db_commands = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    listing = db_commands.add_parser("runs", parents=[common],
                                     help="every recorded run: id, start, length, DEMO, "
                                          "episodes, trades and PnL")
    listing.add_argument("--db", type=Path, metavar="PATH",
                         help="database (default [storage] path); opened read-only")
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

    doctor.add_parser(commands, common)

    serve = commands.add_parser(
        "serve", parents=[common], help="the terminal UI in a browser (loopback; use an SSH "
                                        "tunnel)",
        description="Serve the terminal UI to a browser through textual-serve, on [serve] "
                    "host:port (127.0.0.1:8766). Each browser tab runs its own ArBot.")
    serve.add_argument("--demo", dest="serve_demo", action="store_true",
                       help="the UI runs against the built-in simulator")
    serve.add_argument("--db", type=Path, metavar="PATH", help="database (default [storage] path)")
    serve.add_argument("--host", dest="serve_host", metavar="ADDRESS",
                       help="listen here (default [serve] host); not loopback only with "
                            "[serve] allow_non_loopback = true")
    serve.add_argument("--port", dest="serve_port", type=int, metavar="PORT",
                       help="listen on this port (default [serve] port)")
    add_import_parsers(commands, common)
    backtest_cli.add_parser(commands, common)
    report.add_parser(commands, common)
    archive_cli.add_parser(commands, common)
    sweep_cli.add_parser(commands, common)

    export = commands.add_parser("export", help="write recorded data as CSV")
    export_kinds = export.add_subparsers(dest="export_kind", metavar="WHAT", required=True)
    for kind, text in (("quotes", "recorded L1 quotes"),
                       ("opportunities", "opportunity episodes, by the time they opened"),
                       ("trades", "paper and live trades with fills, fees and PnL")):
        what = export_kinds.add_parser(kind, parents=[common], help=text)
        what.add_argument("--db", type=Path, metavar="PATH",
                          help="database (default [storage] path)")
        what.add_argument("--symbol", metavar="BASE-QUOTE",
                          help="BTC-USDT, in any case, or a venue's spelling (BTCUSDT)")
        if kind == "quotes":
            what.add_argument("--venue", choices=[v.value for v in Venue])
        what.add_argument("--since", metavar="TIME", help="inclusive, ISO-8601 UTC or epoch s")
        what.add_argument("--until", metavar="TIME", help="exclusive, ISO-8601 UTC or epoch s")
        what.add_argument("-o", "--output", default="-", metavar="FILE|-",
                          help="CSV file, or - for stdout (default)")
    return parser
