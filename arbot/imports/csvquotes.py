"""Quote history from CSV files: Tardis.dev `quotes` and Binance public-data `bookTicker`.

Each row passes the same gate as a live quote (`make_quote`: finite, positive, not
crossed). A row that gives no quote is counted by reason with its line number: the
wrong number of columns, an empty or non-numeric field, an unreadable time, a symbol
that cannot be split into BASE-QUOTE, or the gate's own reasons.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import IO, TYPE_CHECKING, Final

from arbot.domain import Quote, Venue
from arbot.exchanges.quotecheck import make_quote
from arbot.exchanges.symbols import SymbolMap
from arbot.imports.base import RecentDrops, show
from arbot.imports.files import FormatError, head_lines
from arbot.imports.report import FileReport
from arbot.venues import VENUES

if TYPE_CHECKING:
    from _csv import Reader

TARDIS_COLUMNS: Final = ("exchange", "symbol", "timestamp", "local_timestamp", "ask_amount",
                         "ask_price", "bid_price", "bid_amount")
# Tardis exchange ids of the venues' spot markets; other ids are skipped and reported.
TARDIS_EXCHANGES: Final[Mapping[str, Venue]] = {s.tardis_id: v for v, s in VENUES.items()}
BOOKTICKER_COLUMNS: Final = ("update_id", "best_bid_price", "best_bid_qty", "best_ask_price",
                             "best_ask_qty", "transaction_time", "event_time")
_MAX_SKIP_KINDS: Final = 20  # distinct unknown exchanges listed before lumping the rest
_MICROS_FROM: Final = 10**14  # a "ms" time this large is in µs (Binance's newer files)


def csv_rows(stream: IO[bytes]) -> Reader:
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", errors="replace", newline="")
    return csv.reader(text)


def csv_fields(line: bytes) -> list[str]:
    """A header line's fields; none where the line is not CSV at all (a bare carriage
    return inside a field: a binary file, a line cut short), so it is not the format."""
    text = line.decode("utf-8", "replace").lstrip("\ufeff")
    try:
        return [f.strip() for f in next(csv.reader([text]), [])]
    except csv.Error:
        return []


class TardisNames:
    """A Tardis row's venue and canonical symbol, from its `exchange` and `symbol` columns
    (each pair resolved once); rows of other exchanges are skipped and reported, symbols
    that cannot be split into BASE-QUOTE are bad rows. Shared by every Tardis format."""

    def __init__(self) -> None:
        self._maps = {venue: SymbolMap(venue, (), guess=True)
                      for venue in TARDIS_EXCHANGES.values()}
        self._symbols: dict[tuple[Venue, str], str | None] = {}

    def resolve(self, exchange: str, name: str, report: FileReport, line: int
                ) -> tuple[Venue, str] | None:
        venue = TARDIS_EXCHANGES.get(exchange)
        if venue is None:
            reason = f"exchange {exchange or '(empty)'} (not an ArBot venue)"
            if reason not in report.skipped and len(report.skipped) >= _MAX_SKIP_KINDS:
                reason = "other exchanges (not ArBot venues)"
            report.skip(reason, line)
            return None
        key = (venue, name)
        symbol = self._symbols.get(key, "")
        if symbol == "":
            symbol = self._symbols[key] = self._maps[venue].to_canonical(name.strip().upper())
        if symbol is None:
            report.bad_row("unknown_symbol", line)
            return None
        return venue, symbol


def tardis_rows(reader: Reader, width: int, exchange: int, symbol: int, report: FileReport
                ) -> Iterator[tuple[int, list[str], Venue, str]]:
    """(line, row, venue, canonical symbol) of each Tardis row with the header's `width`
    and an ArBot venue and symbol; every other row is counted in `report`. Shared by
    every Tardis format."""
    names = TardisNames()
    for row in reader:
        if not row:
            continue
        line = reader.line_num
        report.rows += 1
        if len(row) != width:
            report.bad_row("wrong_columns", line)
            continue
        found = names.resolve(row[exchange], row[symbol], report, line)
        if found is not None:
            yield line, row, found[0], found[1]


def tardis_times(local: str, exchange: str, report: FileReport, line: int
                 ) -> tuple[int, int | None] | None:
    """(receive ns, exchange ms) from Tardis's µs `local_timestamp` (when Tardis received
    the message) and `timestamp` (the exchange's, may be empty); None, counted, if
    unreadable."""
    try:
        local_us = int(local)
        exchange_us = int(exchange) if exchange.strip() else None
    except ValueError:
        report.bad_row("bad_timestamp", line)
        return None
    if local_us <= 0:
        report.bad_row("bad_timestamp", line)
        return None
    return local_us * 1000, exchange_us // 1000 if exchange_us is not None else None


class TardisQuotes:
    """Tardis.dev `quotes` CSV: any of the four venues, named by the `exchange` column.

    `local_timestamp` (µs, when Tardis received it) is the receive time;
    `timestamp` (µs, the exchange's time) becomes `ts_exchange_ms`.
    """

    name = "tardis-quotes"
    scope = ""
    label = "tardis-quotes"

    def check(self, path: Path) -> None:
        head = head_lines(path, 1)
        found = csv_fields(head[0]) if head else []
        if not set(TARDIS_COLUMNS) <= set(found):
            raise FormatError(
                f"{path}: not a Tardis quotes CSV: expected the columns "
                f"{','.join(TARDIS_COLUMNS)}; found {show(head[0]) if head else 'an empty file'}")

    def quotes(self, stream: IO[bytes], report: FileReport) -> Iterator[Quote]:
        reader = csv_rows(stream)
        header = [h.strip() for h in next(reader, [])]
        i_ex, i_sym, i_ts, i_local, i_aa, i_ap, i_bp, i_ba = map(header.index, TARDIS_COLUMNS)
        drops = RecentDrops()
        for line, row, venue, symbol in tardis_rows(reader, len(header), i_ex, i_sym, report):
            try:
                ask_size, ask = float(row[i_aa]), float(row[i_ap])
                bid, bid_size = float(row[i_bp]), float(row[i_ba])
            except ValueError:
                empty = any(not row[i].strip() for i in (i_aa, i_ap, i_bp, i_ba))
                # Tardis leaves a side empty when that side of the book is empty.
                report.bad_row("empty_book" if empty else "not_a_number", line)
                continue
            times = tardis_times(row[i_local], row[i_ts], report, line)
            if times is None:
                continue
            q = make_quote(venue, symbol, bid, bid_size, ask, ask_size, times[1], times[0],
                           drops)
            if q is None:
                report.bad_row(str(drops.recent.pop()), line)
                continue
            yield q

    def report_lines(self, report: FileReport) -> list[str]:
        return report.lines()


def _ms(value: int) -> int:
    return value // 1000 if value >= _MICROS_FROM else value


class BinanceBookTicker:
    """Binance public-data `bookTicker` CSV for one symbol (the file does not name it).

    `event_time` (when Binance pushed the update) stands in for the receive time;
    `transaction_time` is `ts_exchange_ms`. Both are ms (µs in newer files; told apart by
    size). Files with and without the header line are accepted.
    """

    name = "binance-bookticker"

    def __init__(self, symbol: str) -> None:
        self.symbol = symbol
        self.scope = symbol
        self.label = f"binance-bookticker, {symbol}"

    def check(self, path: Path) -> None:
        head = head_lines(path, 1)
        found = csv_fields(head[0]) if head else []
        if set(found) == set(BOOKTICKER_COLUMNS) or _numeric_row(found):
            return
        raise FormatError(
            f"{path}: not a Binance bookTicker CSV: expected the columns "
            f"{','.join(BOOKTICKER_COLUMNS)}; found {show(head[0]) if head else 'an empty file'}")

    def quotes(self, stream: IO[bytes], report: FileReport) -> Iterator[Quote]:
        reader = csv_rows(stream)
        first: list[str] = next(reader, [])
        order = list(BOOKTICKER_COLUMNS)
        header = [h.strip() for h in first]
        pending: list[list[str]] = []
        if set(header) == set(BOOKTICKER_COLUMNS):
            order = header
        else:  # no header: the first line is already data
            pending.append(first)
        i_bp, i_bq, i_ap, i_aq, i_tt, i_et = map(order.index, BOOKTICKER_COLUMNS[1:])
        width = len(order)
        drops = RecentDrops()
        symbol = self.symbol
        for row in _chain(pending, reader):
            if not row:
                continue
            line = reader.line_num
            report.rows += 1
            if len(row) != width:
                report.bad_row("wrong_columns", line)
                continue
            try:
                bid, bid_size = float(row[i_bp]), float(row[i_bq])
                ask, ask_size = float(row[i_ap]), float(row[i_aq])
            except ValueError:
                empty = any(not row[i].strip() for i in (i_bp, i_bq, i_ap, i_aq))
                report.bad_row("missing_value" if empty else "not_a_number", line)
                continue
            try:
                transaction_ms, event_ms = _ms(int(row[i_tt])), _ms(int(row[i_et]))
            except ValueError:
                report.bad_row("bad_timestamp", line)
                continue
            if event_ms <= 0:
                report.bad_row("bad_timestamp", line)
                continue
            q = make_quote(Venue.BINANCE, symbol, bid, bid_size, ask, ask_size, transaction_ms,
                           event_ms * 1_000_000, drops)
            if q is None:
                report.bad_row(str(drops.recent.pop()), line)
                continue
            yield q

    def report_lines(self, report: FileReport) -> list[str]:
        return report.lines()


def _chain(first: list[list[str]], rest: Iterator[list[str]]) -> Iterator[list[str]]:
    yield from first
    yield from rest


def _numeric_row(fields: list[str]) -> bool:
    """A headerless bookTicker line: seven numbers (ids and times integers)."""
    if len(fields) != len(BOOKTICKER_COLUMNS):
        return False
    try:
        for i, value in enumerate(fields):
            int(value) if i in (0, 5, 6) else float(value)
    except ValueError:
        return False
    return True
