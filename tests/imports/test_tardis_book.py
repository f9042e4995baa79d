"""`arbot import tardis-book` on a small synthetic `book_snapshot_5` file: every good row
stored twice over, as a book (its levels as the file's strings) and as the quote of its
top, at the same receive time; every bad row counted by reason with its line; the
ledger and the duplicate check as for quotes.

Expected rows are worked out here from the CSV text with the csv module, independently
of ArBot's parser; which lines are good is stated by hand.
"""

from __future__ import annotations

import csv
import json
import sqlite3
from decimal import Decimal
from pathlib import Path

from arbot.cli import main
from tests.imports.helpers import FIXTURES, TARDIS, Capture, gzipped, stored

BOOKS = FIXTURES / "imports/SYNTHETIC_tardis_book_snapshot_5.csv"
VENUES = {"binance": "binance", "bybit-spot": "bybit", "okex": "okx", "bitget": "bitget"}
SYMBOLS = {"BTCUSDT": "BTC-USDT", "ETHUSDT": "ETH-USDT", "BTC-USDT": "BTC-USDT",
           "SOLUSDT": "SOL-USDT"}
GOOD = [2, 3, 4, 5, 6, 17]  # 6 repeats line 2's instant; 5 has three bid levels only
BAD = {"crossed": [8], "levels_out_of_order": [9], "not_a_number": [10], "bad_level": [11, 16],
       "wrong_columns": [12], "empty_book": [13], "bad_timestamp": [14], "unknown_symbol": [15]}
BookRow = tuple[int, int | None, str, str, list[list[str]], list[list[str]]]


def books(db: Path) -> list[BookRow]:
    with sqlite3.connect(db) as c:
        return [(t, te, v, s, json.loads(b), json.loads(a)) for t, te, v, s, b, a in c.execute(
            "SELECT ts_recv_ns, ts_exchange_ms, venue, symbol, bids, asks FROM book_snapshots"
            " ORDER BY ts_recv_ns, id")]


def expected() -> tuple[list[tuple[object, ...]], list[BookRow]]:
    """(quotes, books) the good lines give, from the CSV text."""
    with BOOKS.open(newline="") as f:
        reader = csv.DictReader(f)
        rows = {}
        for r in reader:
            rows[reader.line_num] = r
    quotes: list[tuple[object, ...]] = []
    snaps: list[BookRow] = []
    seen: dict[tuple[str, str, int], int] = {}
    for n in GOOD:
        r = rows[n]
        venue, symbol, recv = VENUES[r["exchange"]], SYMBOLS[r["symbol"]], int(r["local_timestamp"])
        repeat = seen[(venue, symbol, recv)] = seen.get((venue, symbol, recv), -1) + 1
        t, te = recv * 1000 + repeat, int(r["timestamp"]) // 1000
        side = {s: [[r[f"{s}[{i}].price"], r[f"{s}[{i}].amount"]] for i in range(5)
                    if r[f"{s}[{i}].price"]] for s in ("bids", "asks")}
        snaps.append((t, te, venue, symbol, side["bids"], side["asks"]))
        quotes.append((t, te, venue, symbol, *(Decimal(side[s][0][k]) for s, k in (
            ("bids", 0), ("bids", 1), ("asks", 0), ("asks", 1)))))
    return sorted(quotes), sorted(snaps, key=lambda b: (b[0], b[2]))


def as_decimals(rows: list[tuple[object, ...]]) -> list[tuple[object, ...]]:
    return sorted((*r[:4], *(Decimal(repr(x)) for x in r[4:])) for r in rows)


def test_books_and_their_top_quotes_are_stored_bad_rows_reported(
        tmp_path: Path, capsys: Capture) -> None:
    db = tmp_path / "b.db"
    assert main(["import", "tardis-book", str(BOOKS), "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert "(tardis-book)" in out
    assert "rows read:           16\n" in out
    assert f"quotes stored:       {len(GOOD)}\n" in out
    assert f"books stored:        {len(GOOD)}\n" in out
    assert "book duplicates:     0\n" in out
    assert f"bad rows:            {sum(len(v) for v in BAD.values())}\n" in out
    for reason, lines in BAD.items():
        where = ", ".join(map(str, lines))
        assert f"    {reason}: {len(lines)} (line{'s' if len(lines) > 1 else ''} {where})\n" in out
    assert "exchange huobi (not an ArBot venue): 1 (line 7)" in out
    quotes, snaps = expected()
    assert as_decimals(stored(db)) == quotes  # type: ignore[arg-type]
    assert sorted(books(db), key=lambda b: (b[0], b[2])) == snaps
    # the bitget book has three bid levels: the side ends at the first empty one
    assert [len(b[4]) for b in snaps if b[2] == "bitget" and b[3] == "SOL-USDT"] == [3]


def test_gzip_gives_the_same_rows_and_the_ledger_skips_a_second_import(
        tmp_path: Path, capsys: Capture) -> None:
    db = tmp_path / "b.db"
    packed = gzipped(BOOKS, tmp_path / "book_snapshot_5.csv.gz")
    assert main(["import", "tardis-book", str(packed), "--db", str(db)]) == 0
    capsys.readouterr()
    first_quotes, first_books = stored(db), books(db)
    assert len(first_books) == len(GOOD)
    assert main(["import", "tardis-book", str(packed), "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert f"(16 rows read, {len(GOOD)} quotes, {len(GOOD)} books stored then)" in out
    # the plain file is another file to the ledger: every row of it is a duplicate
    assert main(["import", "tardis-book", str(BOOKS), "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert "quotes stored:       0\n" in out and "books stored:        0\n" in out
    assert f"book duplicates:     {len(GOOD)}\n" in out
    assert (stored(db), books(db)) == (first_quotes, first_books)
    with sqlite3.connect(db) as c:
        ledger = c.execute("SELECT format, rows_read, quotes_stored, books_stored FROM imports"
                           " ORDER BY id").fetchall()
    assert ledger == [("tardis-book", 16, 6, 6), ("tardis-book", 16, 0, 0)]


def test_the_depth_is_what_the_header_names(tmp_path: Path, capsys: Capture) -> None:
    """A book_snapshot_25 file: 25 levels a side stored; a quotes file is refused."""
    names = ["exchange", "symbol", "timestamp", "local_timestamp"]
    values = ["okex", "ETH-USDT", "1714521600000000", "1714521600000500"]
    for i in range(25):
        names += [f"asks[{i}].price", f"asks[{i}].amount", f"bids[{i}].price",
                  f"bids[{i}].amount"]
        values += [f"{3001 + i}.5", "1", f"{3000 - i}.25", "2"]
    path = tmp_path / "okex_book_snapshot_25.csv"
    path.write_text(",".join(names) + "\n" + ",".join(values) + "\n")
    db = tmp_path / "b.db"
    assert main(["import", "tardis-book", str(path), "--db", str(db)]) == 0
    (snap,) = books(db)
    assert len(snap[4]) == len(snap[5]) == 25
    assert snap[5][24] == ["3025.5", "1"] and snap[4][0] == ["3000.25", "2"]
    assert stored(db) == [(1714521600000500000, 1714521600000, "okx", "ETH-USDT", 3000.25, 2.0,
                           3001.5, 1.0)]
    capsys.readouterr()
    assert main(["import", "tardis-book", str(TARDIS), "--db", str(tmp_path / "q.db")]) == 2
    err = capsys.readouterr().err
    assert "not a Tardis book_snapshot CSV: expected the columns exchange,symbol,timestamp," \
        "local_timestamp,asks[0].price,asks[0].amount,bids[0].price,bids[0].amount" in err
    assert not (tmp_path / "q.db").exists()
