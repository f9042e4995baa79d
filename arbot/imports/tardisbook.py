"""`arbot import tardis-book`: Tardis.dev `book_snapshot_5`, `_10` and `_25` CSVs.

Columns `exchange,symbol,timestamp,local_timestamp`, then for each level i from 0
`asks[i].price,asks[i].amount,bids[i].price,bids[i].amount`; the depth is however many
levels the header names. Each row gives a book snapshot (`book_snapshots`, the levels as
the file's own strings) and the quote of its top levels (`quotes`), so every path that
reads quotes (the TUI history, export, a backtest by the top of book) works on the same
import, and a backtest by depth finds the book beside each quote at the same instant.

A row is taken whole or not at all, so the quotes and the books never disagree: its top
passes the live quote gate (`make_quote`: finite, positive, not crossed), and every level
below must be a positive number, the asks rising and the bids falling. Tardis leaves the
columns of levels a book does not have empty; a side ends at its first empty level.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Final

from arbot.domain import Quote
from arbot.exchanges.quotecheck import make_quote
from arbot.imports.base import RecentDrops, show
from arbot.imports.csvquotes import csv_fields, csv_rows, tardis_rows, tardis_times
from arbot.imports.files import FormatError, head_lines
from arbot.imports.report import FileReport
from arbot.storage.books import BookSnapshot, TextLevels

BASE_COLUMNS: Final = ("exchange", "symbol", "timestamp", "local_timestamp")
_LEVEL: Final = re.compile(r"asks\[(\d+)\]\.price")


def level_columns(i: int) -> tuple[str, str, str, str]:
    return (f"asks[{i}].price", f"asks[{i}].amount", f"bids[{i}].price", f"bids[{i}].amount")


def depth_of(header: list[str]) -> int:
    """Levels the header names completely (0 if it is not a book snapshot header)."""
    if not set(BASE_COLUMNS) <= set(header):
        return 0
    named = set(header)
    n = 0
    while set(level_columns(n)) <= named:
        n += 1
    return n


class BadLevel(ValueError):
    """A level that is not a book's: its reason is the report's."""


def side(row: list[str], columns: list[tuple[int, int]], rising: bool) -> TextLevels:
    """One side's levels, best first, as the file's strings; stops at the first empty
    level. Raises BadLevel."""
    levels: TextLevels = []
    last = 0.0
    for i_price, i_amount in columns:
        price_text, amount_text = row[i_price].strip(), row[i_amount].strip()
        if not price_text and not amount_text:
            break
        try:
            price, amount = float(price_text), float(amount_text)
        except ValueError:
            raise BadLevel("not_a_number") from None
        if not (0.0 < price < float("inf") and 0.0 < amount < float("inf")):
            raise BadLevel("bad_level")
        if levels and (price <= last if rising else price >= last):
            raise BadLevel("levels_out_of_order")
        last = price
        levels.append((price_text, amount_text))
    return levels


class TardisBooks:
    """The `tardis-book` format (see module docstring): any of the four venues, named by
    the `exchange` column; receive and exchange times as in `TardisQuotes`."""

    name = "tardis-book"
    scope = ""
    label = "tardis-book"

    def check(self, path: Path) -> None:
        head = head_lines(path, 1)
        found = csv_fields(head[0]) if head else []
        if depth_of(found) == 0:
            raise FormatError(
                f"{path}: not a Tardis book_snapshot CSV: expected the columns "
                f"{','.join(BASE_COLUMNS)},{','.join(level_columns(0))},... ; found "
                f"{show(head[0]) if head else 'an empty file'}")

    def quotes(self, stream: IO[bytes], report: FileReport) -> Iterator[Quote | BookSnapshot]:
        """Per good row its top quote, then its snapshot, at the same receive time."""
        reader = csv_rows(stream)
        header = [h.strip() for h in next(reader, [])]
        at = header.index
        i_ex, i_sym, i_ts, i_local = map(at, BASE_COLUMNS)
        levels = [tuple(map(at, level_columns(i))) for i in range(depth_of(header))]
        asks = [(c[0], c[1]) for c in levels]
        bids = [(c[2], c[3]) for c in levels]
        drops = RecentDrops()
        for line, row, venue, symbol in tardis_rows(reader, len(header), i_ex, i_sym, report):
            try:
                ask_levels = side(row, asks, rising=True)
                bid_levels = side(row, bids, rising=False)
            except BadLevel as exc:
                report.bad_row(str(exc), line)
                continue
            if not ask_levels or not bid_levels:
                report.bad_row("empty_book", line)
                continue
            times = tardis_times(row[i_local], row[i_ts], report, line)
            if times is None:
                continue
            recv_ns, exchange_ms = times
            (ask, ask_size), (bid, bid_size) = ask_levels[0], bid_levels[0]
            q = make_quote(venue, symbol, float(bid), float(bid_size), float(ask),
                           float(ask_size), exchange_ms, recv_ns, drops)
            if q is None:
                report.bad_row(str(drops.recent.pop()), line)
                continue
            yield q
            yield BookSnapshot(venue=venue, symbol=symbol, bids=bid_levels, asks=ask_levels,
                               ts_exchange_ms=exchange_ms, ts_recv_ns=recv_ns)

    def report_lines(self, report: FileReport) -> list[str]:
        return report.lines(books=True)
