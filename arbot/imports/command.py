"""`arbot import FORMAT FILE...`: the sub-commands, their options, and what they print.

Kept out of cli.py so that adding a format touches this file only. `import-raw`, the
command before `import raw` existed, still works and says on stderr that it is
deprecated.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import Any, Final

from arbot.config import ArbotSettings
from arbot.domain import Instrument, Venue
from arbot.exchanges import adapter_for
from arbot.exchanges.symbols import SymbolMap, canonical_symbol
from arbot.imports.base import ImportFormat
from arbot.imports.csvquotes import BinanceBookTicker, TardisQuotes
from arbot.imports.files import CaptureError
from arbot.imports.raw import RawFrames
from arbot.imports.report import FileReport, total_lines
from arbot.imports.runner import import_files
from arbot.imports.tardisbook import TardisBooks
from arbot.timefmt import parse_time_ns

# How long an import waits on a database that stays locked before it says so and stops.
GIVE_UP_S: Final = 60.0
DEPRECATED_RAW: Final = "import-raw"


def add_import_parsers(commands: Any, common: argparse.ArgumentParser) -> None:
    """Add `import` (with one sub-command per format) and the deprecated `import-raw`."""
    imp = commands.add_parser(
        "import", help="store quotes from files: raw captures, Tardis quotes and book "
                       "snapshots, Binance bookTicker")
    formats = imp.add_subparsers(dest="import_format", metavar="FORMAT", required=True)
    raw = formats.add_parser("raw", parents=[common],
                             help="captured raw venue frames, one per line (ArBot's "
                                  "--record-raw files too; depth frames rebuild books)")
    _raw_options(raw)
    tardis = formats.add_parser(
        "tardis-quotes", parents=[common],
        help="Tardis.dev quotes CSV (venue from its exchange column)")
    _files_and_db(tardis, "Tardis quotes CSV; .gz allowed")
    books = formats.add_parser(
        "tardis-book", parents=[common],
        help="Tardis.dev book_snapshot_5, _10 or _25 CSV: the books and their top quotes")
    _files_and_db(books, "Tardis book_snapshot CSV; .gz allowed")
    book = formats.add_parser("binance-bookticker", parents=[common],
                              help="Binance public-data bookTicker CSV for one symbol")
    book.add_argument("--symbol", required=True, metavar="SYMBOL",
                      help="the file's symbol: BTC-USDT or Binance's BTCUSDT")
    _files_and_db(book, "bookTicker CSV; .gz or a one-file .zip allowed")
    old = commands.add_parser(DEPRECATED_RAW, parents=[common],
                              help="deprecated: the same as `import raw` (captured raw frames)")
    _raw_options(old)


def _files_and_db(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument("files", nargs="+", type=Path, metavar="FILE", help=what)
    parser.add_argument("--db", type=Path, metavar="PATH", help="database (default [storage] path)")


def _raw_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--venue", required=True, choices=[v.value for v in Venue])
    _files_and_db(parser, "one raw frame per line; .gz allowed")
    parser.add_argument("--instruments", type=Path, metavar="FILE",
                        help="the venue's REST instruments response, to map symbols exactly")
    parser.add_argument("--start", default="0", metavar="TIME",
                        help="time of the first frame for captures without timestamps")


def run_import(args: argparse.Namespace, settings: ArbotSettings) -> int:
    """`arbot import ...` and `arbot import-raw ...`; prints one report per file."""
    if args.command == DEPRECATED_RAW:
        print("arbot: `import-raw` is deprecated; use `arbot import raw` (same options)",
              file=sys.stderr)
        args.import_format = "raw"
    fmt = _format(args, settings)
    path = settings.storage.path

    shown: list[FileReport] = []

    def show(report: FileReport) -> None:  # as each file is done; only once all were checked
        if not shown:
            print(f"importing into {path}")
        shown.append(report)
        print("\n".join(fmt.report_lines(report)), flush=True)

    reports = asyncio.run(import_files(fmt, args.files, path, flush_ms=settings.storage.flush_ms,
                                       give_up_s=GIVE_UP_S, on_file=show))
    if len(reports) > 1:
        print("\n".join(total_lines(reports)))
    return 0


def _format(args: argparse.Namespace, settings: ArbotSettings) -> ImportFormat:
    if args.import_format == "tardis-quotes":
        return TardisQuotes()
    if args.import_format == "tardis-book":
        return TardisBooks()
    if args.import_format == "binance-bookticker":
        return BinanceBookTicker(canonical_symbol(args.symbol))
    venue = Venue(args.venue)
    listed = _instruments(venue, args.instruments)
    storage = settings.storage
    symbols = (SymbolMap(venue, (), guess=True) if listed is None
               else SymbolMap.from_instruments(venue, listed))
    return RawFrames(adapter_for(venue), symbols, parse_time_ns(args.start),
                     None if listed is None else {i.symbol: i for i in listed},
                     books_ms=storage.record_books_ms, books_levels=storage.record_books_levels)


def _instruments(venue: Venue, instruments: Path | None) -> list[Instrument] | None:
    """The instruments file's spot instruments (symbols and their tick and lot sizes)."""
    if instruments is None:
        return None
    try:
        body = instruments.read_bytes()
    except OSError as exc:
        raise CaptureError(f"{instruments}: {exc.strerror or exc}") from None
    try:
        return adapter_for(venue).parse_instruments(body)
    except ValueError as exc:  # msgspec errors are ValueErrors
        raise CaptureError(f"{instruments}: not a {venue} instruments response ({exc})") from None
