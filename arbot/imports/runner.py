"""Import files of one format into the database, one after another, streaming.

Every file is checked (readable, the named format) before anything is written, so a
wrong file fails at once with the database untouched. Then each file: hash it, skip it
if the ledger has it, else stream its quotes through the batched writer (waiting for
room, never dropping), flush, and count what the database kept. Memory stays at the
writer's queue plus one row, whatever the file's size.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import aiosqlite

from arbot.domain import Quote
from arbot.imports import ledger
from arbot.imports.base import ImportFormat
from arbot.imports.files import DAMAGE, file_digest, open_stream
from arbot.imports.report import FileReport
from arbot.storage.books import BookSnapshot
from arbot.storage.db import open_db
from arbot.storage.rows import STATEMENTS
from arbot.storage.writer import Writer


async def import_files(
    fmt: ImportFormat,
    paths: Sequence[Path],
    db_path: str | Path,
    *,
    flush_ms: float = 200.0,
    give_up_s: float | None = None,
    on_file: Callable[[FileReport], None] = lambda report: None,
) -> list[FileReport]:
    """Import `paths` into the database at `db_path`; `on_file` hears each file's report
    as soon as it is done. Raises FormatError / CaptureError before writing anything."""
    for path in paths:
        fmt.check(path)
    conn = await open_db(db_path)
    writer = Writer(conn, flush_ms=flush_ms, statements={**STATEMENTS, **ledger.IMPORT_STATEMENTS})
    await writer.start()
    reports: list[FileReport] = []
    try:
        for path in paths:
            report = await _import_one(fmt, path, conn, writer, give_up_s)
            reports.append(report)
            on_file(report)
    finally:
        try:
            await writer.close(give_up_s=give_up_s)
        finally:
            await conn.close()
    return reports


async def _import_one(fmt: ImportFormat, path: Path, conn: aiosqlite.Connection,
                      writer: Writer, give_up_s: float | None) -> FileReport:
    report = FileReport(path, fmt.label)
    digest, size = await asyncio.to_thread(file_digest, path)
    past = await ledger.find(conn, fmt.name, fmt.scope, digest)
    if past is not None and past.finished_ns is not None:
        report.skip_already_imported(past.finished_ns, past.rows_read, past.quotes_stored,
                                     past.books_stored)
        return report
    import_id = await ledger.begin(conn, fmt.name, fmt.scope, digest, size, str(path),
                                   time.time_ns())
    quotes, books = ledger.IMPORT_QUOTES, ledger.IMPORT_BOOKS
    before = _counts(writer)
    put = writer.put
    row = ledger.Instants().row
    book_row = ledger.Instants().book_row
    with open_stream(path) as stream:
        try:
            for item in fmt.quotes(stream, report):
                if type(item) is Quote:
                    report.quotes += 1
                    await put(quotes, row(item))
                else:
                    assert isinstance(item, BookSnapshot)
                    report.books += 1
                    await put(books, book_row(item))
        except (*DAMAGE, OSError) as exc:
            # A compressed file cut short (a copy that did not finish, a crash while
            # recording): keep what was read, report where it ended.
            report.bad_row(f"file ends early ({exc})", report.rows + 1)
    await writer.flush(give_up_s)
    after = _counts(writer)
    # duplicates change no row, so what was stored is what the statements changed
    report.stored, report.rejected, report.books_stored, report.books_rejected = (
        a - b for a, b in zip(after, before, strict=True))
    await ledger.finish(conn, import_id, report, time.time_ns())
    return report


def _counts(writer: Writer) -> tuple[int, int, int, int]:
    """Quotes stored and refused, books stored and refused, so far."""
    changed, rejected = writer.stats.rows_changed, writer.stats.rows_rejected
    quotes, books = ledger.IMPORT_QUOTES, ledger.IMPORT_BOOKS
    return (changed.get(quotes, 0), rejected.get(quotes, 0), changed.get(books, 0),
            rejected.get(books, 0))
