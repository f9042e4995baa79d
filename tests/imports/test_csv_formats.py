"""`arbot import tardis-quotes` and `arbot import binance-bookticker` on small synthetic
files: every good row stored with its numbers and times, every bad row counted by reason
with its line, other exchanges skipped, wrong files refused before anything is written.

Expected rows are worked out here from the CSV text with the csv module and Decimal,
independently of ArBot's parser; which lines are good is stated by hand.
"""

from __future__ import annotations

import csv
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest

from arbot.cli import main
from tests.imports.helpers import BOOKTICKER, TARDIS, Capture, gzipped, stored

VENUES = {"binance": "binance", "bybit-spot": "bybit", "okex": "okx", "bitget": "bitget"}
SYMBOLS = {"BTCUSDT": "BTC-USDT", "ETHUSDT": "ETH-USDT", "BTC-USDT": "BTC-USDT",
           "SOLUSDT": "SOL-USDT"}
TARDIS_GOOD = [2, 3, 4, 5, 16, 17, 18, 19]
TARDIS_BAD = {"non_finite": [7], "crossed": [8], "non_positive": [9], "wrong_columns": [10],
              "not_a_number": [11], "unknown_symbol": [13], "empty_book": [14],
              "bad_timestamp": [15]}
BOOK_GOOD = [2, 3, 4, 12]
BOOK_BAD = {"crossed": [5], "non_finite": [6], "non_positive": [7], "wrong_columns": [8],
            "not_a_number": [9], "missing_value": [10], "bad_timestamp": [11]}


def csv_lines(path: Path) -> dict[int, dict[str, str]]:
    out = {}
    with path.open(newline="") as f:
        reader = csv.DictReader(f)
        for row in reader:
            out[reader.line_num] = row
    return out


def tardis_expected() -> list[tuple[object, ...]]:
    rows = csv_lines(TARDIS)
    out = []
    seen: dict[tuple[str, str, int], int] = {}
    for n in TARDIS_GOOD:
        r = rows[n]
        venue, symbol, recv = VENUES[r["exchange"]], SYMBOLS[r["symbol"]], int(r["local_timestamp"])
        repeat = seen[(venue, symbol, recv)] = seen.get((venue, symbol, recv), -1) + 1
        out.append((recv * 1000 + repeat, int(r["timestamp"]) // 1000, venue, symbol,
                    Decimal(r["bid_price"]), Decimal(r["bid_amount"]), Decimal(r["ask_price"]),
                    Decimal(r["ask_amount"])))
    return sorted(out)


def decimals(rows: list[tuple[object, ...]]) -> list[tuple[object, ...]]:
    return sorted((*r[:4], *(Decimal(repr(x)) for x in r[4:])) for r in rows)


def assert_report(out: str, rows: int, good: int, bad: dict[str, list[int]]) -> None:
    assert f"rows read:           {rows}\n" in out
    assert f"quotes stored:       {good}\n" in out
    assert "duplicates skipped:  0\n" in out
    assert f"bad rows:            {sum(len(v) for v in bad.values())}\n" in out
    for reason, lines in bad.items():
        assert f"    {reason}: {len(lines)} (line {lines[0]})\n" in out


def test_tardis_quotes_good_rows_stored_bad_rows_reported(tmp_path: Path, capsys: Capture) -> None:
    db = tmp_path / "q.db"
    assert main(["import", "tardis-quotes", str(TARDIS), "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert_report(out, 18, len(TARDIS_GOOD), TARDIS_BAD)
    assert "skipped:             2\n" in out
    assert "exchange huobi (not an ArBot venue): 1 (line 6)" in out
    assert "exchange binance-futures (not an ArBot venue): 1 (line 12)" in out
    assert decimals(stored(db)) == tardis_expected()  # type: ignore[arg-type]


def test_tardis_gzip_gives_the_same_rows(tmp_path: Path, capsys: Capture) -> None:
    db = tmp_path / "q.db"
    packed = gzipped(TARDIS, tmp_path / "quotes.csv.gz")
    assert main(["import", "tardis-quotes", str(packed), "--db", str(db)]) == 0
    assert_report(capsys.readouterr().out, 18, len(TARDIS_GOOD), TARDIS_BAD)
    assert decimals(stored(db)) == tardis_expected()  # type: ignore[arg-type]


def book_expected() -> list[tuple[object, ...]]:
    rows = csv_lines(BOOKTICKER)
    out = []
    seen: dict[int, int] = {}
    for n in BOOK_GOOD:
        r = rows[n]
        event = int(r["event_time"])
        repeat = seen[event] = seen.get(event, -1) + 1
        out.append((event * 1_000_000 + repeat, int(r["transaction_time"]), "binance", "BTC-USDT",
                    Decimal(r["best_bid_price"]), Decimal(r["best_bid_qty"]),
                    Decimal(r["best_ask_price"]), Decimal(r["best_ask_qty"])))
    return sorted(out)


@pytest.mark.parametrize("variant", ["plain", "gzip", "zip", "no-header"])
@pytest.mark.parametrize("symbol", ["BTCUSDT", "btc-usdt"])
def test_binance_bookticker(variant: str, symbol: str, tmp_path: Path, capsys: Capture) -> None:
    db = tmp_path / "q.db"
    path = BOOKTICKER
    good, bad = BOOK_GOOD, BOOK_BAD
    if variant == "gzip":
        path = gzipped(BOOKTICKER, tmp_path / "BTCUSDT-bookTicker.csv.gz")
    elif variant == "zip":  # as data.binance.vision serves them
        path = tmp_path / "BTCUSDT-bookTicker-2024-05-01.zip"
        with zipfile.ZipFile(path, "w") as z:
            z.write(BOOKTICKER, "BTCUSDT-bookTicker-2024-05-01.csv")
    elif variant == "no-header":  # older files have none: the same rows, one line earlier
        path = tmp_path / "no-header.csv"
        path.write_text("".join(BOOKTICKER.read_text().splitlines(keepends=True)[1:]))
        bad = {reason: [n - 1 for n in lines] for reason, lines in BOOK_BAD.items()}
    assert main(["import", "binance-bookticker", "--symbol", symbol, str(path),
                 "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert_report(out, 11, len(good), bad)
    assert "(binance-bookticker, BTC-USDT)" in out
    assert decimals(stored(db)) == book_expected()  # type: ignore[arg-type]


def test_microsecond_bookticker_times_are_read_as_such(tmp_path: Path, capsys: Capture) -> None:
    path = tmp_path / "us.csv"
    path.write_text("1,100.0,1.0,100.5,2.0,1714521600000123,1714521600000456\n")
    db = tmp_path / "q.db"
    assert main(["import", "binance-bookticker", "--symbol", "BTC-USDT", str(path),
                 "--db", str(db)]) == 0
    assert stored(db) == [(1714521600000_000_000, 1714521600000, "binance", "BTC-USDT",
                           100.0, 1.0, 100.5, 2.0)]


@pytest.mark.parametrize(("argv", "expected"), [
    (["tardis-quotes", str(BOOKTICKER)], "not a Tardis quotes CSV: expected the columns "
     "exchange,symbol,timestamp,local_timestamp,ask_amount,ask_price,bid_price,bid_amount; "
     "found 'update_id,best_bid_price"),
    (["binance-bookticker", "--symbol", "BTCUSDT", str(TARDIS)],
     "not a Binance bookTicker CSV: expected the columns update_id,best_bid_price,best_bid_qty,"
     "best_ask_price,best_ask_qty,transaction_time,event_time; found 'exchange,symbol,"),
    (["raw", "--venue", "okx", str(TARDIS)], "not a raw capture: expected one JSON frame per "
     "line"),
])
def test_a_file_of_another_format_fails_at_once_and_writes_nothing(
    argv: list[str], expected: str, tmp_path: Path, capsys: Capture
) -> None:
    db = tmp_path / "q.db"
    # The wrong file comes second: the first, good one must not be imported either.
    good = {"tardis-quotes": TARDIS, "binance-bookticker": BOOKTICKER}.get(argv[0])
    files = [str(good)] if good else []
    assert main(["import", *argv[:-1], *files, argv[-1], "--db", str(db)]) == 2
    captured = capsys.readouterr()
    assert captured.err.count("\n") == 1 and captured.err.startswith(f"arbot: {argv[-1]}: ")
    assert expected in captured.err
    assert captured.out == ""
    assert not db.exists()


def test_empty_csv_is_the_wrong_format(tmp_path: Path, capsys: Capture) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    assert main(["import", "tardis-quotes", str(empty), "--db", str(tmp_path / "q.db")]) == 2
    assert "found an empty file" in capsys.readouterr().err


def test_unknown_tardis_exchanges_are_listed_then_lumped(tmp_path: Path, capsys: Capture) -> None:
    path = tmp_path / "many.csv"
    header = TARDIS.read_text().splitlines()[0]
    rows = [f"ex{i},BTCUSDT,1,{i + 1},1,2,1,1" for i in range(25)]
    path.write_text("\n".join([header, *rows]) + "\n")
    assert main(["import", "tardis-quotes", str(path), "--db", str(tmp_path / "q.db")]) == 0
    out = capsys.readouterr().out
    assert "exchange ex0 (not an ArBot venue): 1 (line 2)" in out
    assert "exchange ex19 (not an ArBot venue)" in out and "exchange ex20" not in out
    assert "other exchanges (not ArBot venues): 5 (lines 22, 23, 24, 25, 26)" in out


def test_first_ten_lines_of_a_reason_then_an_ellipsis(tmp_path: Path, capsys: Capture) -> None:
    path = tmp_path / "bad.csv"
    header = TARDIS.read_text().splitlines()[0]
    path.write_text("\n".join([header, *["binance,BTCUSDT,1,2,1,x,1,1"] * 12]) + "\n")
    assert main(["import", "tardis-quotes", str(path), "--db", str(tmp_path / "q.db")]) == 0
    assert "not_a_number: 12 (lines 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, ...)" in \
        capsys.readouterr().out


def test_unsplittable_symbol_is_a_usage_error(tmp_path: Path, capsys: Capture) -> None:
    assert main(["import", "binance-bookticker", "--symbol", "FOOBAR", str(BOOKTICKER),
                 "--db", str(tmp_path / "q.db")]) == 2
    assert "give the symbol as BASE-QUOTE" in capsys.readouterr().err


def test_missing_file_fails_with_one_line(tmp_path: Path, capsys: Capture) -> None:
    assert main(["import", "tardis-quotes", str(tmp_path / "nope.csv"),
                 "--db", str(tmp_path / "q.db")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("arbot: ") and err.count("\n") == 1 and "nope.csv" in err


def test_zip_of_several_files_is_refused(tmp_path: Path, capsys: Capture) -> None:
    path = tmp_path / "two.zip"
    with zipfile.ZipFile(path, "w") as z:
        z.write(BOOKTICKER, "a.csv")
        z.write(BOOKTICKER, "b.csv")
    assert main(["import", "binance-bookticker", "--symbol", "BTCUSDT", str(path),
                 "--db", str(tmp_path / "q.db")]) == 1
    assert "holds 2 files" in capsys.readouterr().err
