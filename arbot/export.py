"""CSV export of recorded data: streamed row by row, written atomically.

A file export goes to a temporary file beside the target and is renamed into place only
when complete, so a failed or interrupted export never leaves a truncated CSV behind.
"""

from __future__ import annotations

import contextlib
import csv
import os
import sys
import tempfile
from collections.abc import AsyncIterable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import IO

from arbot.domain import Quote
from arbot.timefmt import format_time_ns

QUOTE_HEADER = ("ts", "venue", "symbol", "bid", "bid_size", "ask", "ask_size")


def plain_number(value: float) -> str:
    """Shortest exact decimal text without exponent: 1.234e-05 -> 0.00001234.

    `repr` gives the shortest text that reads back to the same float, which for venue
    prices is the venue's own digits; Decimal only removes the exponent form.
    """
    return format(Decimal(repr(value)), "f")


def quote_csv_row(q: Quote) -> tuple[str, ...]:
    return (
        format_time_ns(q.ts_recv_ns),
        str(q.venue),
        q.symbol,
        plain_number(q.bid),
        plain_number(q.bid_size),
        plain_number(q.ask),
        plain_number(q.ask_size),
    )


async def write_csv(
    rows: AsyncIterable[Sequence[str]], header: Sequence[str], target: str | Path
) -> int:
    """Write `header` then every row to `target` (`-` is stdout); return the row count."""
    if str(target) == "-":
        return await _write_rows(sys.stdout, rows, header)
    path = Path(target)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, "w", newline="", encoding="utf-8") as out:
            count = await _write_rows(out, rows, header)
        os.replace(tmp_name, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp_name)
        raise
    return count


async def _write_rows(
    out: IO[str], rows: AsyncIterable[Sequence[str]], header: Sequence[str]
) -> int:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    count = 0
    async for row in rows:
        writer.writerow(row)
        count += 1
    out.flush()
    return count
