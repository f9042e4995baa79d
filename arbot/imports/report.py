"""What an import did to each file, in the words a user reads.

Per file: rows read, quotes stored, duplicates skipped, and every row that gave no quote
counted by reason with its first line numbers. `bad` rows are errors in the data (not a
number, crossed, unknown symbol, ...); `skipped` rows are fine but not ours (another
exchange, a channel ArBot does not use).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from arbot.timefmt import format_time_ns

FIRST_LINES: Final = 10


@dataclass
class Tally:
    """How many rows had one reason, and the line numbers of the first few."""

    count: int = 0
    lines: list[int] = field(default_factory=list)

    def add(self, line: int) -> None:
        self.count += 1
        if len(self.lines) < FIRST_LINES:
            self.lines.append(line)

    def describe(self) -> str:
        where = ", ".join(map(str, self.lines))
        more = ", ..." if self.count > len(self.lines) else ""
        word = "line" if len(self.lines) == 1 else "lines"
        return f"{self.count} ({word} {where}{more})" if self.lines else str(self.count)


@dataclass
class FileReport:
    """One file's import. `quotes` went to the database; `stored` is how many of those
    it kept (the rest were duplicates of stored rows, or refused: `rejected`). `books`,
    `books_stored` and `books_rejected` likewise for book snapshots."""

    path: Path
    label: str  # e.g. "raw, binance" or "tardis-quotes"
    rows: int = 0
    quotes: int = 0
    stored: int = 0
    rejected: int = 0
    books: int = 0
    books_stored: int = 0
    books_rejected: int = 0
    acks: int = 0
    venue_errors: int = 0
    bad: dict[str, Tally] = field(default_factory=dict)
    skipped: dict[str, Tally] = field(default_factory=dict)
    already: str | None = None  # set when the ledger says this file is already imported

    def bad_row(self, reason: str, line: int) -> None:
        tally = self.bad.get(reason)
        if tally is None:
            tally = self.bad[reason] = Tally()
        tally.add(line)

    def skip(self, reason: str, line: int) -> None:
        tally = self.skipped.get(reason)
        if tally is None:
            tally = self.skipped[reason] = Tally()
        tally.add(line)

    def skip_already_imported(self, finished_ns: int, rows: int, stored: int,
                              books: int = 0) -> None:
        books_then = f", {books} books" if books else ""
        self.already = (f"already imported on {format_time_ns(finished_ns)} "
                        f"({rows} rows read, {stored} quotes{books_then} stored then); "
                        "nothing stored")

    @property
    def duplicates(self) -> int:
        return self.quotes - self.stored - self.rejected

    @property
    def book_duplicates(self) -> int:
        return self.books - self.books_stored - self.books_rejected

    @property
    def bad_rows(self) -> int:
        return sum(t.count for t in self.bad.values())

    @property
    def skipped_rows(self) -> int:
        return sum(t.count for t in self.skipped.values())

    def lines(self, *, raw: bool = False, books: bool = False) -> list[str]:
        """The report; `books` adds the book snapshot counts (formats that carry books)."""
        out = [f"{self.path} ({self.label})"]
        if self.already is not None:
            return [*out, f"  {self.already}"]
        out += [
            f"  rows read:           {self.rows}",
            f"  quotes stored:       {self.stored}",
            f"  duplicates skipped:  {self.duplicates}",
        ]
        if self.rejected:
            out.append(f"  refused by the db:   {self.rejected}")
        if books:
            out += [f"  books stored:        {self.books_stored}",
                    f"  book duplicates:     {self.book_duplicates}"]
            if self.books_rejected:
                out.append(f"  books refused:       {self.books_rejected}")
        out.append(f"  bad rows:            {self.bad_rows}")
        out += [f"    {reason}: {t.describe()}" for reason, t in sorted(self.bad.items())]
        out.append(f"  skipped:             {self.skipped_rows}")
        out += [f"    {reason}: {t.describe()}" for reason, t in sorted(self.skipped.items())]
        if raw:
            out.append(f"  acks:                {self.acks}")
            out.append(f"  venue errors:        {self.venue_errors}")
        return out


def total_lines(reports: list[FileReport]) -> list[str]:
    """One closing line over every file."""
    files = len(reports)
    again = sum(r.already is not None for r in reports)
    stored_books = sum(r.books_stored for r in reports)
    books = f"{stored_books} books stored, " if stored_books else ""
    text = (f"total: {files} file{'s' if files != 1 else ''}"
            f"{f' ({again} already imported)' if again else ''}, "
            f"{sum(r.rows for r in reports)} rows read, "
            f"{sum(r.stored for r in reports)} quotes stored, "
            f"{books}"
            f"{sum(r.duplicates for r in reports)} duplicates skipped, "
            f"{sum(r.bad_rows for r in reports)} bad rows, "
            f"{sum(r.skipped_rows for r in reports)} skipped")
    return [text]
