"""`arbot import raw` then `arbot export quotes` keeps every L1 quote with the frame's numbers.

The expected rows are worked out here from the raw JSON with the standard library and
Decimal, independently of ArBot's parsers.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import os
import shutil
import stat
import threading
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from arbot.cli import main
from arbot.timefmt import format_time_ns, parse_time_ns

FIXTURES = Path(__file__).parent / "fixtures"
START = "2021-10-12T00:28:31.16Z"
Capture = pytest.CaptureFixture[str]
EXCHANGE_INFO = FIXTURES / "binance/rest_exchangeInfo_TRIMMED_2021-10-12.json"


def _binance(frame: Any) -> list[tuple[str, str, str, str, str, str | None]]:
    if str(frame.get("stream", "")).endswith("@bookTicker"):
        d = frame["data"]
        return [(d["s"], d["b"], d["B"], d["a"], d["A"], None)]
    return []


def _bybit(frame: Any) -> list[tuple[str, str, str, str, str, str | None]]:
    if str(frame.get("topic", "")).startswith("orderbook.1."):
        d = frame["data"]
        return [(d["s"], d["b"][0][0], d["b"][0][1], d["a"][0][0], d["a"][0][1], frame["ts"])]
    return []


def _okx(frame: Any) -> list[tuple[str, str, str, str, str, str | None]]:
    if frame.get("arg", {}).get("channel") == "tickers":
        d = frame["data"][0]
        return [(d["instId"], d["bidPx"], d["bidSz"], d["askPx"], d["askSz"], d["ts"])]
    return []


def _bitget(frame: Any) -> list[tuple[str, str, str, str, str, str | None]]:
    channel = frame.get("arg", {}).get("channel")
    if "data" not in frame:
        return []
    d = frame["data"][0]
    if channel in ("books1", "books5", "books15"):
        return [(frame["arg"]["instId"], d["bids"][0][0], d["bids"][0][1],
                 d["asks"][0][0], d["asks"][0][1], d["ts"])]
    if channel == "ticker":
        return [(d["instId"], d["bidPr"], d["bidSz"], d["askPr"], d["askSz"], d["ts"])]
    return []


CASES = {
    "binance": ("binance/ws_bookTicker_2021-10-12.jsonl", _binance),
    "bybit": ("bybit/ws_spot_orderbook1_2025-06-13.jsonl", _bybit),
    "okx": ("okx/ws_tickers_BTC-USDT_2022-05-13.jsonl", _okx),
    "bitget": ("bitget/DOCS_EXAMPLES_NOT_RECORDED_v2_ws_spot.jsonl", _bitget),
}


def expected_rows(venue: str, path: Path) -> list[tuple[Any, ...]]:
    _, extract = CASES[venue]
    start = parse_time_ns(START)
    rows = []
    for i, line in enumerate(path.read_text().splitlines()):
        for vid, bid, bsz, ask, asz, ts in extract(json.loads(line)):
            recv = int(ts) * 1_000_000 if ts is not None else start + i * 1_000
            rows.append((format_time_ns(recv), venue, vid.replace("-", ""),
                         Decimal(bid), Decimal(bsz), Decimal(ask), Decimal(asz)))
    return sorted(rows)


def exported_rows(text: str) -> list[tuple[Any, ...]]:
    reader = csv.reader(io.StringIO(text))
    assert next(reader) == ["ts", "venue", "symbol", "bid", "bid_size", "ask", "ask_size"]
    return sorted((ts, v, s.replace("-", ""), Decimal(b), Decimal(bs), Decimal(a), Decimal(az))
                  for ts, v, s, b, bs, a, az in reader)


@pytest.mark.parametrize("venue", sorted(CASES))
def test_import_then_export_keeps_every_quote_exactly(
    venue: str, tmp_path: Path, capsys: Capture
) -> None:
    capture = FIXTURES / CASES[venue][0]
    db = tmp_path / "q.db"
    assert main(["import", "raw", "--venue", venue, str(capture), "--db", str(db),
                 "--start", START]) == 0
    summary = capsys.readouterr().out
    expected = expected_rows(venue, capture)
    assert f"quotes stored:       {len(expected)}" in summary
    assert f"rows read:           {len(capture.read_text().splitlines())}" in summary

    out = tmp_path / "quotes.csv"
    assert main(["export", "quotes", "--db", str(db), "-o", str(out)]) == 0
    assert exported_rows(out.read_text()) == expected
    assert f"exported {len(expected)} quotes" in capsys.readouterr().err


def test_export_filters_by_symbol_and_time(tmp_path: Path, capsys: Capture) -> None:
    db = str(tmp_path / "q.db")
    main(["import", "raw", "--venue", "bybit", str(FIXTURES / CASES["bybit"][0]), "--db", db])
    capsys.readouterr()
    all_op = [r for r in expected_rows("bybit", FIXTURES / CASES["bybit"][0]) if r[2] == "OPUSDC"]
    middle = all_op[len(all_op) // 2][0]
    assert main(["export", "quotes", "--db", db, "--symbol", "OP-USDC", "--since", middle]) == 0
    rows = exported_rows(capsys.readouterr().out)
    assert rows == [r for r in all_op if r[0] >= middle]
    assert 0 < len(rows) < len(all_op)


def test_gzip_capture_imports_the_same(tmp_path: Path, capsys: Capture) -> None:
    plain = FIXTURES / CASES["binance"][0]
    packed = tmp_path / "capture.jsonl.gz"
    with plain.open("rb") as src, gzip.open(packed, "wb") as dst:
        shutil.copyfileobj(src, dst)
    assert main(["import", "raw", "--venue", "binance", str(packed), "--db",
                 str(tmp_path / "q.db")]) == 0
    assert "quotes stored:       84" in capsys.readouterr().out


def test_instruments_file_drives_the_symbol_map(tmp_path: Path, capsys: Capture) -> None:
    db = str(tmp_path / "q.db")
    assert main(["import", "raw", "--venue", "binance", str(FIXTURES / CASES["binance"][0]),
                 "--instruments", str(EXCHANGE_INFO),
                 "--db", db]) == 0
    capsys.readouterr()
    assert main(["export", "quotes", "--db", db]) == 0
    out = capsys.readouterr().out
    assert {ln.split(",")[2] for ln in out.splitlines()[1:]} == {"NKN-USDT", "BLZ-ETH", "LRC-BTC"}


def test_bad_lines_are_counted_and_the_import_carries_on(tmp_path: Path, capsys: Capture) -> None:
    lines = (FIXTURES / CASES["okx"][0]).read_text().splitlines()
    broken = tmp_path / "broken.jsonl"
    nan = lines[1].replace('"bidPx":"30228.6"', '"bidPx":"NaN"')
    assert nan != lines[1]
    broken.write_text("\n".join([lines[0], "{not json", nan, "", lines[2]]) + "\n")
    assert main(["import", "raw", "--venue", "okx", str(broken),
                 "--db", str(tmp_path / "q.db")]) == 0
    out = capsys.readouterr().out
    assert "quotes stored:       2" in out
    assert "invalid_json: 1 (line 2)" in out and "non_finite: 1 (line 3)" in out


@pytest.mark.parametrize("problem", ["missing", "wrong-instruments"])
def test_unreadable_inputs_fail_with_one_line(
    problem: str, tmp_path: Path, capsys: Capture
) -> None:
    capture = FIXTURES / CASES["okx"][0]
    argv = ["import", "raw", "--venue", "okx", "--db", str(tmp_path / "q.db")]
    if problem == "missing":
        argv += [str(tmp_path / "nope.jsonl")]
    else:
        argv += [str(capture), "--instruments", str(capture)]
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert err.startswith("arbot: ") and err.count("\n") == 1


def test_export_to_a_pipe_writes_into_it_and_leaves_it_a_pipe(
    tmp_path: Path, capsys: Capture
) -> None:
    """`-o /dev/null`, `-o /dev/stdout` or a FIFO a script reads: a temp file renamed over
    the target would replace the device (as root, /dev/null became a plain file)."""
    db = str(tmp_path / "q.db")
    capture = FIXTURES / CASES["bybit"][0]
    main(["import", "raw", "--venue", "bybit", str(capture), "--db", db])
    fifo = tmp_path / "quotes.fifo"
    os.mkfifo(fifo)
    received: list[str] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_text()))
    reader.start()
    try:
        assert main(["export", "quotes", "--db", db, "-o", str(fifo)]) == 0
    finally:
        reader.join(timeout=30)
    assert stat.S_ISFIFO(fifo.stat().st_mode)
    assert exported_rows(received[0]) == expected_rows("bybit", capture)
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".part")] == []
