"""What every import format provides, and the drop counter that says why a row failed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import IO, Protocol

from arbot.domain import Quote
from arbot.exchanges.drops import Drop, DropCounter
from arbot.imports.report import FileReport
from arbot.storage.books import BookSnapshot


class ImportFormat(Protocol):
    """One file format. `name` and `scope` key the import ledger: `scope` is whatever
    besides the file's bytes decides its quotes (a venue, a symbol, or nothing)."""

    name: str
    scope: str
    label: str

    def check(self, path: Path) -> None:
        """Raise FormatError unless the file starts the way this format does."""

    def quotes(self, stream: IO[bytes], report: FileReport) -> Iterator[Quote | BookSnapshot]:
        """Every valid quote (and, for formats that carry books, book snapshot) in file
        order; every other row counted in `report` with its line number. Receive times
        are the format's own; the caller makes repeats of one instant distinct."""
        ...

    def report_lines(self, report: FileReport) -> list[str]:
        """The report as printed."""
        ...


class RecentDrops(DropCounter):
    """A DropCounter that also remembers the reasons added since the caller last looked,
    so each dropped row can be reported with its line number."""

    __slots__ = ("recent",)

    def __init__(self) -> None:
        super().__init__()
        self.recent: list[Drop] = []

    def add(self, reason: Drop) -> None:
        super().add(reason)
        self.recent.append(reason)


def show(line: bytes | str, limit: int = 100) -> str:
    """A line as quoted in an error message: decoded, shortened, on one line."""
    text = line.decode("utf-8", "replace") if isinstance(line, bytes) else line
    text = text.lstrip("\ufeff").replace("\r", " ").replace("\n", " ")
    return repr(text if len(text) <= limit else text[:limit] + "...")
