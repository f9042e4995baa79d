"""`arbot import`: quote history from files into the database, never stored twice.

Formats: `raw` (venue frames, through the live parsers; `raw`), Tardis.dev `quotes` CSV
and Binance public-data `bookTicker` CSV (`csvquotes`), Tardis.dev `book_snapshot_N`
CSV (`tardisbook`: book snapshots and their top quotes). Files are streamed (plain, gzip
or a one-file zip: `files`), checked before anything is written, and go through the
batched writer; the `ledger` makes every import idempotent; `report` says what each
file gave. `command` is the command line.
"""

from arbot.imports.base import ImportFormat
from arbot.imports.csvquotes import BinanceBookTicker, TardisQuotes
from arbot.imports.files import CaptureError, FormatError
from arbot.imports.raw import RawFrames
from arbot.imports.report import FileReport
from arbot.imports.runner import import_files
from arbot.imports.tardisbook import TardisBooks

__all__ = [
    "BinanceBookTicker",
    "CaptureError",
    "FileReport",
    "FormatError",
    "ImportFormat",
    "RawFrames",
    "TardisBooks",
    "TardisQuotes",
    "import_files",
]
