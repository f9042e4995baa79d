"""`arbot backtest --input FILE ...` for quote files, not only ArBot databases.

Each file's format is worked out from the file itself: a Tardis `quotes` or
`book_snapshot_N` CSV by its header, a `--record-raw` capture by its name
(`<venue>-<time>.jsonl[.gz]`, which says the venue), a Binance public-data book ticker
by its name (`<SYMBOL>-bookTicker-<date>.csv`, which says the symbol). They are
imported, as `arbot import` would, into a database beside the report, and the backtest
replays that. Anything else is refused by name, with the `arbot import` command that can
take it.
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

from arbot.domain import Venue
from arbot.exchanges import adapter_for
from arbot.exchanges.symbols import SymbolMap, canonical_symbol
from arbot.imports import FormatError
from arbot.imports.base import ImportFormat
from arbot.imports.csvquotes import BinanceBookTicker, TardisQuotes
from arbot.imports.raw import RawFrames
from arbot.imports.report import FileReport
from arbot.imports.runner import import_files
from arbot.imports.tardisbook import TardisBooks

DB_SUFFIXES = (".db", ".sqlite", ".sqlite3")
_RECORDED = re.compile(rf"^({'|'.join(v.value for v in Venue)})-.*\.jsonl(\.gz)?$")
_BOOK_TICKER = re.compile(r"^([A-Z0-9]+)-bookTicker-.*\.(csv|zip)(\.gz)?$")


def is_database(path: Path) -> bool:
    return path.suffix.lower() in DB_SUFFIXES


def format_of(path: Path) -> tuple[str, ImportFormat]:
    """(a key grouping files of one format, the format) for one quote file."""
    recorded = _RECORDED.match(path.name)
    if recorded:
        venue = Venue(recorded.group(1))
        return f"raw:{venue}", RawFrames(adapter_for(venue), SymbolMap(venue, (), guess=True))
    ticker = _BOOK_TICKER.match(path.name)
    if ticker:
        symbol = canonical_symbol(ticker.group(1))
        return f"bookticker:{symbol}", BinanceBookTicker(symbol)
    books = TardisBooks()
    try:
        books.check(path)
        return "tardis-book", books
    except FormatError:
        pass
    tardis = TardisQuotes()
    try:
        tardis.check(path)
    except FormatError:
        raise FormatError(
            f"{path}: not a format --input recognises (a Tardis quotes or book_snapshot "
            "CSV, a --record-raw <venue>-....jsonl file, a <SYMBOL>-bookTicker-....csv file "
            "or an ArBot database); store it with `arbot import ...` and backtest that "
            "database") from None
    return "tardis", tardis


async def stage(paths: list[Path], db: Path) -> list[FileReport]:
    """Import every file into `db`, grouped by format; every file is checked first."""
    groups: dict[str, list[Path]] = defaultdict(list)
    formats: dict[str, ImportFormat] = {}
    for path in paths:
        key, fmt = format_of(path)
        groups[key].append(path)
        formats[key] = fmt
    reports: list[FileReport] = []
    for key, files in groups.items():
        reports.extend(await import_files(formats[key], files, db))
    return reports
