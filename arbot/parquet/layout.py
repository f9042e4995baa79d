"""The Parquet history's layout: which tables, how they are partitioned, what a file covers.

    DIR/quotes/date=2026-12-06/venue=binance/part-<lo>-<hi>-<a>-<b>.parquet
    DIR/books/date=.../venue=.../part-....parquet        (book_snapshots)
    DIR/feed_events/date=.../venue=.../part-....parquet
    DIR/episodes/date=.../part-....parquet               (closed opportunities)
    DIR/runs.parquet                                     (every run, rewritten whole)
    DIR/transfer_costs.parquet                           (coin information, rewritten whole)

Hive partitions (`key=value` folders), so pyarrow, Dask, DuckDB and Polars read the tree
as one table with `date` and `venue` columns. Within a file rows are in (receive time, id)
order, zstd-compressed.

A file's name says what it covers, which is what makes `arbot archive` incremental and
idempotent without a manifest: `part-<lo>-<hi>-<a>-<b>` holds every row of its partition
with an id in [lo, hi] and a time in [a, b) that no earlier file held. SQLite hands out
larger ids to later rows, so a row written after the archive read can never fall in a
range already covered, and the next archive picks it up. Files are written under a
hidden temporary name (`.tmp-...`, skipped by every Parquet reader, as hive readers skip
names starting with `.` or `_`) and renamed when whole: an interrupted archive leaves no
partial file visible.

A quotes file's metadata holds, under `SYMBOLS_KEY`, a JSON object of each symbol's
quotes in the file and the first one's receive time, so planning a split backtest reads
footers, not the quotes (files written before it are read whole).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Final

NS_PER_DAY: Final = 86_400 * 1_000_000_000
RUNS_FILE: Final = "runs.parquet"
COSTS_FILE: Final = "transfer_costs.parquet"  # each venue's last coin information
TMP_PREFIX: Final = ".tmp-"
SYMBOLS_KEY: Final = "arbot.symbols"  # a quotes file's {symbol: [quotes, first ts_recv_ns]}
_PART = re.compile(r"^part-(\d+)-(\d+)-(-?\d+)-(-?\d+)\.parquet$")


@dataclass(frozen=True)
class Table:
    """One archived table: its folder, the SQLite table, its time column, and whether it
    is partitioned by venue as well as by date."""

    folder: str
    sql: str
    ts: str
    by_venue: bool
    row_group_rows: int  # rows per Parquet row group (what a reader holds at a time)


QUOTES: Final = Table("quotes", "quotes", "ts_recv_ns", True, 65_536)
BOOKS: Final = Table("books", "book_snapshots", "ts_recv_ns", True, 4_096)
FEED_EVENTS: Final = Table("feed_events", "feed_events", "ts_ns", True, 65_536)
EPISODES: Final = Table("episodes", "opportunities", "opened_ns", False, 65_536)
TABLES: Final = (QUOTES, BOOKS, FEED_EVENTS, EPISODES)


@dataclass(frozen=True)
class Coverage:
    """What one file holds: ids in [lo, hi] with times in [since_ns, until_ns)."""

    lo: int
    hi: int
    since_ns: int
    until_ns: int

    @property
    def name(self) -> str:
        return f"part-{self.lo}-{self.hi}-{self.since_ns}-{self.until_ns}.parquet"


def coverage(name: str) -> Coverage | None:
    """The coverage a file name states; None for anything else (temporary files...)."""
    m = _PART.match(name)
    return None if m is None else Coverage(*(int(g) for g in m.groups()))


def day_of(ns: int) -> int:
    """Days since the epoch (UTC) of a time in ns."""
    return ns // NS_PER_DAY


def date_dir(day: int) -> str:
    return f"date={dt.date(1970, 1, 1) + dt.timedelta(days=day)}"


def day_from_dir(name: str) -> int | None:
    """The day a `date=YYYY-MM-DD` folder holds; None for any other name."""
    if not name.startswith("date="):
        return None
    try:
        return (dt.date.fromisoformat(name[5:]) - dt.date(1970, 1, 1)).days
    except ValueError:
        return None


def venue_dir(venue: str) -> str:
    return f"venue={venue}"
