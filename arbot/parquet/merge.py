"""One table of the archive, streamed in (time, id) order across its partitions' files.

A day's files (one or more per venue) are each in (time, id) order; they are read a row
group batch at a time (row groups wholly outside the window are skipped by their
statistics) and merged: every file's buffer gives up the rows before the earliest time
any unfinished file has buffered up to, so no later batch can hold an earlier row. The
rows given up are sorted once, vectorised, by (time, id), the order SQLite's index gives
the same rows. Days follow each other in order. Memory holds one batch per file of one
day, whatever the history's length.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from arbot.domain import Venue
from arbot.parquet import layout
from arbot.parquet.layout import Table
from arbot.storage.db import DatabaseError

VENUE_CODES: Final = {v.value: i for i, v in enumerate(Venue)}
VENUE_COLUMN: Final = "venue"  # the venue's index in `Venue`, added from the partition


@dataclass(frozen=True)
class Part:
    """One file of the archive: its day, its venue's code (None: not by venue), its path."""

    day: int
    venue: int | None
    path: str


def list_parts(fs: Any, root: str, table: Table) -> list[Part]:
    """Every file of `table` under `root`, by day; temporary files are not listed."""
    base = f"{root}/{table.folder}"
    if not fs.isdir(base):
        return []
    pattern = (f"{base}/date=*/venue=*/part-*.parquet" if table.by_venue
               else f"{base}/date=*/part-*.parquet")
    parts: list[Part] = []
    for path in sorted(fs.glob(pattern)):
        pieces = str(path).split("/")
        day = layout.day_from_dir(pieces[-3] if table.by_venue else pieces[-2])
        if day is None:
            continue
        venue: int | None = None
        if table.by_venue:
            name = pieces[-2].removeprefix("venue=")
            if name not in VENUE_CODES:
                raise DatabaseError(f"{path}: venue {name!r} is not one this ArBot knows")
            venue = VENUE_CODES[name]
        parts.append(Part(day, venue, str(path)))
    return parts


def row_group_span(meta: Any, column: int) -> tuple[int, int] | None:
    """(min, max) of an int column in a row group, from its statistics."""
    stats = meta.column(column).statistics
    if stats is None or not stats.has_min_max:
        return None
    return int(stats.min), int(stats.max)


class FileRows:
    """One file's batches within [since, until) and of `symbols`, with the venue column."""

    def __init__(self, fs: Any, part: Part, table: Table, columns: Sequence[str],
                 since_ns: int | None, until_ns: int | None,
                 symbols: Sequence[str] | None, batch_rows: int) -> None:
        self._file = fs.open(part.path, "rb")
        pf = pq.ParquetFile(self._file)
        ts_col = pf.schema_arrow.get_field_index(table.ts)
        groups = []
        for i in range(pf.num_row_groups):
            span = row_group_span(pf.metadata.row_group(i), ts_col)
            if span is not None and ((since_ns is not None and span[1] < since_ns)
                                     or (until_ns is not None and span[0] >= until_ns)):
                continue
            groups.append(i)
        # One reader per row group: a reader over many row groups keeps buffers of those
        # it has read until it ends (measured: peak memory grew with the file's length).
        self._batches = (batch for i in groups for batch in pf.iter_batches(
            batch_size=batch_rows, row_groups=[i], columns=list(columns), use_threads=False))
        self._ts = table.ts
        self._since, self._until = since_ns, until_ns
        self._symbols = pa.array(symbols, type=pa.string()) if symbols is not None else None
        self._venue = part.venue

    def next(self) -> pa.Table | None:
        """The next non-empty batch, None at the end (the file is closed then)."""
        for batch in self._batches:
            t = pa.Table.from_batches([batch])
            mask = None
            ts = t.column(self._ts)
            if self._since is not None:
                mask = pc.greater_equal(ts, self._since)
            if self._until is not None:
                m = pc.less(ts, self._until)
                mask = m if mask is None else pc.and_(mask, m)
            if self._symbols is not None:
                m = pc.is_in(t.column("symbol"), value_set=self._symbols)
                mask = m if mask is None else pc.and_(mask, m)
            if mask is not None:
                t = t.filter(mask)
            if t.num_rows:
                if self._venue is not None:
                    t = t.append_column(VENUE_COLUMN, pa.array(
                        np.full(t.num_rows, self._venue, dtype=np.int8)))
                return t
        self.close()
        return None

    def close(self) -> None:
        self._file.close()


class Merged:
    """The rows of many files, merged into (time, id) order; `next()` until None."""

    def __init__(self, files: list[FileRows], ts: str) -> None:
        self._files = files
        self._ts = ts
        self._buf: list[pa.Table | None] = [None] * len(files)
        self._done = [False] * len(files)

    def _last(self, i: int) -> int:
        buf = self._buf[i]
        assert buf is not None
        return int(buf.column(self._ts)[-1].as_py())

    def _extend(self, i: int) -> None:
        t = self._files[i].next()
        if t is None:
            self._done[i] = True
        else:
            old = self._buf[i]
            self._buf[i] = t if old is None or not old.num_rows else pa.concat_tables([old, t])

    def next(self) -> pa.Table | None:
        while True:
            for i, buf in enumerate(self._buf):
                if (buf is None or not buf.num_rows) and not self._done[i]:
                    self._extend(i)
            live = [i for i, b in enumerate(self._buf) if b is not None and b.num_rows]
            if not live:
                return None
            open_ = [i for i in live if not self._done[i]]
            horizon = min(self._last(i) for i in open_) if open_ else None
            taken: list[pa.Table] = []
            for i in live:
                buf = self._buf[i]
                assert buf is not None
                n = (buf.num_rows if horizon is None else int(np.searchsorted(
                    buf.column(self._ts).to_numpy(), horizon, side="left")))
                if n:
                    taken.append(buf.slice(0, n))
                    self._buf[i] = buf.slice(n)
            if taken:
                if len(taken) == 1:
                    return taken[0]
                return pa.concat_tables(taken).sort_by([(self._ts, "ascending"),
                                                        ("id", "ascending")])
            for i in open_:  # every row buffered is at the horizon: read further
                if self._last(i) == horizon:
                    self._extend(i)

    def close(self) -> None:
        for f in self._files:
            f.close()


class TableRows:
    """A table's rows in (time, id) order across days, as Arrow tables; `next()` until
    None. Each day's files are opened when the day begins."""

    def __init__(self, fs: Any, parts: list[Part], table: Table, columns: Sequence[str],
                 since_ns: int | None, until_ns: int | None,
                 symbols: Sequence[str] | None, batch_rows: int) -> None:
        lo = None if since_ns is None else layout.day_of(since_ns)
        hi = None if until_ns is None else layout.day_of(until_ns - 1)
        days: dict[int, list[Part]] = {}
        for p in parts:
            if (lo is None or p.day >= lo) and (hi is None or p.day <= hi):
                days.setdefault(p.day, []).append(p)
        self._days = [days[d] for d in sorted(days)]
        self._args = (fs, table, columns, since_ns, until_ns, symbols, batch_rows)
        self._ts = table.ts
        self._merged: Merged | None = None

    def next(self) -> pa.Table | None:
        while True:
            if self._merged is None:
                if not self._days:
                    return None
                fs, table, columns, since, until, symbols, rows = self._args
                self._merged = Merged([FileRows(fs, p, table, columns, since, until, symbols,
                                                rows) for p in self._days.pop(0)], self._ts)
            t = self._merged.next()
            if t is not None:
                return t
            self._merged = None

    def close(self) -> None:
        if self._merged is not None:
            self._merged.close()
        self._days = []
