"""`arbot archive`: a recording into Parquet and back, row for row; twice stores nothing
twice; in two steps gives what one gives; an interrupted archive leaves no partial file
visible and the next one completes it; and a backtest of the archive (a folder or an
fsspec URL) is the backtest of the database."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import fsspec
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

from arbot.backtest.history import SqliteHistory
from arbot.backtest.runner import Options, Result, run_backtest
from arbot.backtest.source import Window
from arbot.cli import main
from arbot.demo import demo_instrument
from arbot.parquet import layout
from arbot.parquet.archive import archive
from arbot.parquet.history import ParquetHistory
from arbot.research import MissingExtra, require
from tests.backtest.conftest import Recording

QUOTES = ("id", "ts_recv_ns", "ts_exchange_ms", "venue", "symbol", "bid", "bid_size", "ask",
          "ask_size")
EVENTS = ("id", "ts_ns", "venue", "kind", "detail")
TIMING = ("replay_s", "quotes_per_s", "output_db", "source")


def sqlite_rows(db: Path, table: str, columns: tuple[str, ...], where: str = ""
                ) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(f"SELECT {', '.join(columns)} FROM {table} {where} ORDER BY id"
                            ).fetchall()
    finally:
        conn.close()


def parquet_rows(root: Path, folder: str, columns: tuple[str, ...]) -> list[tuple[object, ...]]:
    data = ds.dataset(root / folder, format="parquet", partitioning="hive").to_table()
    table = data.select(list(columns)).sort_by("id").to_pylist()
    return [tuple(str(r[c]) if c == "venue" else r[c] for c in columns) for r in table]


def files(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def assert_complete(db: Path, root: Path) -> None:
    assert parquet_rows(root, "quotes", QUOTES) == sqlite_rows(db, "quotes", QUOTES)
    assert parquet_rows(root, "feed_events", EVENTS) == sqlite_rows(db, "feed_events", EVENTS)


def test_an_archive_reads_back_row_for_row_and_twice_stores_nothing_twice(
        demo_run: Recording, tmp_path: Path) -> None:
    root = tmp_path / "archive"
    report = archive(demo_run.db, root)
    assert report.rows["quotes"] == len(sqlite_rows(demo_run.db, "quotes", ("id",))) > 1000
    assert_complete(demo_run.db, root)
    episode_columns = ("id", "episode_id", "symbol", "opened_ns", "closed_ns", "net_bps_peak")
    assert parquet_rows(root, "episodes", episode_columns) == sqlite_rows(
        demo_run.db, "opportunities", episode_columns, "WHERE closed_ns IS NOT NULL")
    assert (root / layout.RUNS_FILE).exists() and report.runs == 1
    for path in (root / "quotes").rglob("*.parquet"):
        assert path.parent.name.startswith("venue=")
        assert path.parent.parent.name.startswith("date=")
    before = files(root)
    again = archive(demo_run.db, root)
    assert sum(again.rows.values()) == 0
    assert files(root) == before


def test_two_archives_of_halves_hold_what_one_holds(demo_run: Recording, tmp_path: Path
                                                   ) -> None:
    (first, last), = sqlite_rows(demo_run.db, "quotes", ("min(ts_recv_ns)", "max(ts_recv_ns)"))
    assert isinstance(first, int) and isinstance(last, int)
    middle = (first + last) // 2
    root = tmp_path / "archive"
    assert main(["archive", "--db", str(demo_run.db), "--to", str(root),
                 "--until", str(middle / 1e9)]) == 0
    assert main(["archive", "--db", str(demo_run.db), "--to", str(root)]) == 0
    assert_complete(demo_run.db, root)


def test_an_interrupted_archive_leaves_nothing_half_written(demo_run: Recording,
                                                            tmp_path: Path) -> None:
    root = tmp_path / "archive"

    def stop(table: str, rows: int) -> None:
        if table == "quotes":
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        archive(demo_run.db, root, hook=stop)
    # Whatever is visible reads whole (here: nothing of the quotes yet), and no temporary
    # file is left behind.
    assert not [p for p in root.rglob("*") if p.name.startswith(layout.TMP_PREFIX)]
    assert not list((root / "quotes").rglob("*.parquet"))
    # A temporary file of a killed archive (which could not clean up) is never read and is
    # removed by the next archive, which completes the work.
    stray = root / "quotes" / "date=2020-01-01" / "venue=binance" / f"{layout.TMP_PREFIX}1.parquet"
    stray.parent.mkdir(parents=True)
    stray.write_bytes(b"PAR1 half a file")
    archive(demo_run.db, root)
    assert not stray.exists()
    assert_complete(demo_run.db, root)


def comparable(result: Result) -> dict[str, object]:
    return {k: v for k, v in result.summary.items() if k not in TIMING}


async def test_a_backtest_of_the_archive_is_the_backtest_of_the_database(
        demo_run: Recording, tmp_path: Path) -> None:
    root = tmp_path / "archive"
    archive(demo_run.db, root)
    db = await run_backtest(demo_run.settings, Options(db=demo_run.db, demo_rules=demo_instrument))
    pq = await run_backtest(demo_run.settings, Options(db=demo_run.db, archive=str(root),
                                                       demo_rules=demo_instrument, page_rows=97))
    assert comparable(pq) == comparable(db)
    assert pq.summary["source"] == str(root)
    # Any fsspec URL: the same archive copied to an in-memory filesystem.
    fs = fsspec.filesystem("memory")
    fs.put(str(root), "/arch", recursive=True)
    mem = await run_backtest(demo_run.settings, Options(
        db=demo_run.db, archive="memory://arch", demo_rules=demo_instrument))
    assert comparable(mem) == comparable(db)
    # A window and a symbol, as from the database.
    (first, last), = sqlite_rows(demo_run.db, "quotes", ("min(ts_recv_ns)", "max(ts_recv_ns)"))
    assert isinstance(first, int) and isinstance(last, int)
    window = Window(first + (last - first) // 3, first + 2 * (last - first) // 3, ("ETH-USDT",))
    db_w = await run_backtest(demo_run.settings, Options(db=demo_run.db, window=window,
                                                         demo_rules=demo_instrument))
    pq_w = await run_backtest(demo_run.settings, Options(db=demo_run.db, archive=str(root),
                                                         window=window,
                                                         demo_rules=demo_instrument))
    assert comparable(pq_w) == comparable(db_w)


async def test_an_archive_with_books_replays_the_walked_episodes(demo_depth_run: Recording,
                                                                tmp_path: Path) -> None:
    root = tmp_path / "archive"
    report = archive(demo_depth_run.db, root)
    assert report.rows["books"] > 0
    db = await run_backtest(demo_depth_run.settings, Options(db=demo_depth_run.db,
                                                             demo_rules=demo_instrument))
    pq = await run_backtest(demo_depth_run.settings, Options(
        db=demo_depth_run.db, archive=str(root), demo_rules=demo_instrument))
    assert comparable(pq) == comparable(db)
    assert isinstance(db.summary["book_snapshots"], int) and db.summary["book_snapshots"] > 0


def test_what_is_not_an_archive_is_refused_with_a_reason(tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]
                                                         ) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["backtest", "--input", str(empty)]) == 1
    assert "not an ArBot archive" in capsys.readouterr().err
    assert main(["archive", "--db", str(tmp_path / "none.db"), "--to", str(tmp_path / "a")]) == 1
    assert main(["archive", "--to", str(tmp_path / "a"), "--since", "2024-02-01",
                 "--until", "2024-01-01"]) == 2


def test_a_missing_extra_names_what_to_install() -> None:
    with pytest.raises(MissingExtra, match=r"pip install 'arbot\[research\]'"):
        require("arbot archive", "pyarrow", "no_such_module_for_arbot")


def test_symbol_counts_come_from_the_files_metadata_and_match_the_database(
        demo_run: Recording, tmp_path: Path) -> None:
    """A split backtest plans from each (venue, symbol)'s quotes and first time: an
    archive gives them from its files' footers, exactly as the database counts them,
    and counts the quotes themselves where a window cuts a file."""
    root = tmp_path / "archive"
    archive(demo_run.db, root)
    sqlite, parquet = SqliteHistory(demo_run.db), ParquetHistory(str(root))
    try:
        assert all(layout.SYMBOLS_KEY.encode() in (pq.read_metadata(p.path).metadata or {})
                   for p in parquet.quote_parts)
        (first, last), = sqlite_rows(demo_run.db, "quotes",
                                     ("min(ts_recv_ns)", "max(ts_recv_ns)"))
        assert isinstance(first, int) and isinstance(last, int)
        for window in (Window(), Window(first + (last - first) // 3, None, ("ETH-USDT",)),
                       Window(None, first + (last - first) // 2)):
            stats = sqlite.pair_stats(window)
            assert stats and parquet.pair_stats(window) == stats
        # A footer that is not what `arbot archive` writes: that file's quotes are counted.
        path = parquet.quote_parts[0].path
        table = pq.read_table(path)
        pq.write_table(table.replace_schema_metadata({layout.SYMBOLS_KEY: "[1, 2"}), path)
        assert parquet.pair_stats(Window()) == sqlite.pair_stats(Window())
    finally:
        sqlite.close()
        parquet.close()
