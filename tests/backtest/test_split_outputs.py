"""A split backtest writes what a single-process one writes (backtest.db, trades.csv,
episodes.csv and the rest), merged in an order that does not depend on the partitions';
and `--input URL` reads an archive through fsspec, in the workers too."""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
from pathlib import Path

import fsspec
import pytest
from distributed import LocalCluster

from arbot.backtest import partrows, store
from arbot.backtest.opening import open_history
from arbot.backtest.partition import run_part
from arbot.backtest.runner import Options
from arbot.backtest.split import make_plan, part_options, plan_kind
from arbot.cli import main
from arbot.demo import demo_instrument
from arbot.parquet.archive import archive
from tests.backtest.conftest import Recording
from tests.backtest.test_cli import OUT_FILES, backtest
from tests.backtest.test_split import detection

EPISODE_COLUMNS = ("episode_id, symbol, buy_venue, sell_venue, opened_ns, closed_ns, net_bps_open,"
                   " net_bps_peak, size_peak, buy_ask, sell_bid, verdict, close_reason")


def rows(db: Path, sql: str) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def lines(path: Path) -> list[str]:
    return sorted(path.read_text().splitlines())


def test_a_split_run_of_an_archive_url_writes_every_file_of_a_single_run(
        demo_run: Recording, tmp_path: Path) -> None:
    root = tmp_path / "archive"
    archive(demo_run.db, root)
    url = root.as_uri()  # file:///...: the fsspec path, in the client and in the workers
    config = tmp_path / "arbot.toml"
    config.write_text('[trading]\nmode = "off"\n')
    single, split = tmp_path / "single", tmp_path / "split"
    common = ["--input", url, "--config", str(config), "--no-progress"]
    assert backtest([*common, "--out", str(single)]) == 0
    assert backtest([*common, "--out", str(split), "--workers", "2", "--windows", "2"]) == 0
    for name in OUT_FILES:
        assert (split / name).is_file(), name
    one = json.loads((single / "summary.json").read_text())
    two = json.loads((split / "summary.json").read_text())
    assert two["split"]["time_windows"] == 2 and two["source"] == url
    assert detection(two) == detection(one)
    assert two["output_db"] == str(split / "backtest.db")
    # The same episodes, row for row, in the database and in episodes.csv.
    sql = f"SELECT {EPISODE_COLUMNS} FROM opportunities ORDER BY opened_ns, episode_id"
    assert rows(split / "backtest.db", sql) == rows(single / "backtest.db", sql)
    assert len(rows(split / "backtest.db", sql)) == one["opportunities"]["count"] > 0
    assert lines(split / "episodes.csv") == lines(single / "episodes.csv")
    runs = rows(split / "backtest.db", "SELECT count(*), min(ended_ns) IS NOT NULL FROM runs")
    assert runs == [(1, 1)]


def test_the_merged_database_does_not_depend_on_the_partitions_order(
        demo_run: Recording, tmp_path: Path) -> None:
    """Paper trading: each partition's trades, orders and fills come back once, and the
    merge of the partitions in reverse order writes the same rows."""
    opts = Options(db=demo_run.db, demo_rules=demo_instrument)
    history = open_history(opts.db, None)
    try:
        plan = make_plan(history, demo_run.settings, opts, 2, 3)
    finally:
        history.close()
    kind = plan_kind(plan, opts)
    results = [run_part(demo_run.settings, part_options(opts, plan, p, kind), p.index, True)
               for p in plan.parts]
    forward = [r.rows for r in results if r.rows is not None]
    backward = [run_part(demo_run.settings, part_options(opts, plan, p, kind), p.index, True)
                for p in reversed(plan.parts)]
    backward_rows = [r.rows for r in sorted(backward, key=lambda r: r.index)
                     if r.rows is not None]
    columns, tables = partrows.merged(forward, 7)
    assert partrows.merged(backward_rows, 7) == (columns, tables)
    trades = sum(len(r.trades) for r in results)
    assert len(tables["trades"]) == trades > 0
    assert len(tables["orders"]) >= 2 * trades and len(tables["fills"]) > 0
    ids = [t[columns["trades"].index("trade_id")] for t in tables["trades"]]
    assert len(set(ids)) == len(ids)
    db = tmp_path / "merged.db"
    asyncio.run(store.create(db))
    partrows.write(db, columns, tables)
    assert rows(db, "SELECT count(*) FROM trades WHERE run_id = 7") == [(trades,)]
    # every fill's order and trade are in the merged database
    assert rows(db, "SELECT count(*) FROM fills WHERE client_order_id NOT IN"
                    " (SELECT client_order_id FROM orders)"
                    " OR trade_id NOT IN (SELECT trade_id FROM trades)") == [(0,)]


def test_an_in_memory_fsspec_url_is_read_by_the_command(
        demo_run: Recording, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "archive"
    archive(demo_run.db, root)
    fs = fsspec.filesystem("memory")
    fs.put(str(root), "/cli-arch", recursive=True)
    try:
        mem, db = tmp_path / "mem", tmp_path / "db"
        assert backtest(["--input", "memory://cli-arch", "--out", str(mem), "--no-progress"]) == 0
        assert backtest(["--db", str(demo_run.db), "--out", str(db), "--no-progress"]) == 0
    finally:
        fs.rm("/cli-arch", recursive=True)
    a = json.loads((mem / "summary.json").read_text())
    b = json.loads((db / "summary.json").read_text())
    assert a["source"] == "memory://cli-arch"
    for k in ("replay_s", "quotes_per_s", "output_db", "source"):
        a.pop(k), b.pop(k)
    assert a == b
    assert lines(mem / "episodes.csv") == lines(db / "episodes.csv")
    # s3 needs s3fs, which the research extra leaves out: one line says so, nothing runs.
    capsys.readouterr()
    assert main(["backtest", "--input", "s3://arbot-no-such-bucket/archive"]) == 1
    assert "s3fs" in capsys.readouterr().err


def test_an_existing_cluster_writes_the_same_files(demo_run: Recording, tmp_path: Path) -> None:
    """`--cluster tcp://...`: a scheduler started apart (as a user's would be), the same
    files and the same episodes as `--workers`."""
    config = tmp_path / "arbot.toml"
    config.write_text('[trading]\nmode = "off"\n')
    single, split = tmp_path / "single", tmp_path / "split"
    common = ["--db", str(demo_run.db), "--config", str(config), "--no-progress"]
    assert backtest([*common, "--out", str(single)]) == 0
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True,
                      dashboard_address=None, silence_logs=logging.ERROR) as cluster:
        assert backtest([*common, "--out", str(split), "--cluster",
                         cluster.scheduler_address, "--windows", "2"]) == 0
    for name in OUT_FILES:
        assert (split / name).is_file(), name
    summary = json.loads((split / "summary.json").read_text())
    assert summary["split"]["workers"].endswith(cluster.scheduler_address)
    assert lines(split / "episodes.csv") == lines(single / "episodes.csv")
