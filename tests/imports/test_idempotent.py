"""Importing twice stores nothing twice: the same file (the ledger), the same rows in
another file (gzip of it, an overlapping file), and an import interrupted half way."""

from __future__ import annotations

import gzip
import sqlite3
from pathlib import Path

from arbot.cli import main
from tests.imports.helpers import BOOKTICKER, TARDIS, Capture, gzipped, report_of, stored

OKX = Path(__file__).resolve().parent.parent / "fixtures/okx/ws_tickers_BTC-USDT_2022-05-13.jsonl"


def run(capsys: Capture, *argv: str) -> str:
    assert main(["import", *argv]) == 0
    return capsys.readouterr().out


def test_the_same_file_twice_is_skipped_by_the_ledger(tmp_path: Path, capsys: Capture) -> None:
    db = str(tmp_path / "q.db")
    run(capsys, "tardis-quotes", str(TARDIS), "--db", db)
    first = stored(Path(db))
    out = run(capsys, "tardis-quotes", str(TARDIS), "--db", db)
    assert "already imported on " in out and "(18 rows read, 8 quotes stored then)" in out
    assert "nothing stored" in out
    assert stored(Path(db)) == first
    with sqlite3.connect(db) as c:
        ledger = c.execute("SELECT format, scope, rows_read, quotes_stored, duplicates, bad_rows,"
                           " finished_ns IS NOT NULL FROM imports").fetchall()
    assert ledger == [("tardis-quotes", "", 18, 8, 0, 8, 1)]


def test_the_same_rows_in_another_file_are_duplicates(tmp_path: Path, capsys: Capture) -> None:
    """The gzip of a file is another file to the ledger; its rows are all duplicates."""
    db = str(tmp_path / "q.db")
    run(capsys, "binance-bookticker", "--symbol", "BTCUSDT", str(BOOKTICKER), "--db", db)
    first = stored(Path(db))
    packed = gzipped(BOOKTICKER, tmp_path / "b.csv.gz")
    out = run(capsys, "binance-bookticker", "--symbol", "BTC-USDT", str(packed), "--db", db)
    assert "quotes stored:       0\n" in out and "duplicates skipped:  4\n" in out
    assert stored(Path(db)) == first


def test_overlapping_files_store_each_row_once(tmp_path: Path, capsys: Capture) -> None:
    lines = TARDIS.read_text().splitlines()
    header, body = lines[0], lines[1:]
    # A: lines 2-15 of the fixture; B: lines 12-19 (three rows at one instant) and one more.
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    a.write_text("\n".join([header, *body[:14]]) + "\n")
    extra = "okex,BTC-USDT,1714521600002000,1714521600015000,0.3,60002.4,60002.2,0.9"
    b.write_text("\n".join([header, *body[10:], extra]) + "\n")
    both, whole = tmp_path / "both.db", tmp_path / "whole.db"
    run(capsys, "tardis-quotes", str(a), "--db", str(both))
    out = run(capsys, "tardis-quotes", str(b), str(a), "--db", str(both))
    assert "quotes stored:       5\n" in report_of(out, "b.csv")  # 16, 17, 18, 19 and extra
    assert "already imported" in report_of(out, "a.csv")
    full = tmp_path / "full.csv"
    full.write_text("\n".join([header, *body, extra]) + "\n")
    run(capsys, "tardis-quotes", str(full), "--db", str(whole))
    assert stored(both) == stored(whole) and len(stored(whole)) == 9
    # B again, as part of a new file that overlaps everything: nothing new.
    out = run(capsys, "tardis-quotes", str(full), "--db", str(both))
    assert "quotes stored:       0\n" in out and "duplicates skipped:  9\n" in out


def test_an_interrupted_import_run_again_stores_only_what_is_missing(
    tmp_path: Path, capsys: Capture
) -> None:
    db = tmp_path / "q.db"
    run(capsys, "tardis-quotes", str(TARDIS), "--db", str(db))
    with sqlite3.connect(db) as c:  # as if it had stopped half way: unfinished, rows missing
        c.execute("UPDATE imports SET finished_ns = NULL")
        c.execute("DELETE FROM quotes WHERE venue = 'okx'")
    out = run(capsys, "tardis-quotes", str(TARDIS), "--db", str(db))
    assert "quotes stored:       2\n" in out and "duplicates skipped:  6\n" in out
    assert len(stored(db)) == 8
    with sqlite3.connect(db) as c:
        assert c.execute("SELECT count(*), max(finished_ns IS NOT NULL) FROM imports"
                         ).fetchone() == (1, 1)


def test_raw_twice_and_the_ledger_keys_raw_files_by_venue(tmp_path: Path, capsys: Capture) -> None:
    db = str(tmp_path / "q.db")
    run(capsys, "raw", "--venue", "okx", str(OKX), "--db", db)
    assert "already imported" in run(capsys, "raw", "--venue", "okx", str(OKX), "--db", db)
    # The same bytes read as another venue's frames are another import (all refused here).
    out = run(capsys, "raw", "--venue", "bybit", str(OKX), "--db", db)
    assert "already imported" not in out and "quotes stored:       0\n" in out
    assert len(stored(Path(db))) == 25


def test_a_truncated_gzip_keeps_what_it_read_and_says_where_it_ended(
    tmp_path: Path, capsys: Capture
) -> None:
    big = tmp_path / "big.csv"
    header = TARDIS.read_text().splitlines()[0]
    rows = [f"binance,BTCUSDT,{1714521600000000 + i},{1714521600000000 + i},1,{100 + i % 7}.5,"
            f"{100 + i % 7}.25,2" for i in range(20_000)]
    big.write_text("\n".join([header, *rows]) + "\n")
    packed = gzip.compress(big.read_bytes())
    cut = tmp_path / "cut.csv.gz"
    cut.write_bytes(packed[: len(packed) // 2])
    out = run(capsys, "tardis-quotes", str(cut), "--db", str(tmp_path / "q.db"))
    assert "file ends early" in out
    kept = len(stored(tmp_path / "q.db"))
    assert 0 < kept < 20_000 and f"quotes stored:       {kept}\n" in out
