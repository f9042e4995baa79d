"""`arbot import raw` of depth captures: books rebuilt through the live feed's own depth
parser and integrity rules, stored as the live recorder stores them, with the quotes of
their tops; a book that breaks its rules is a counted bad row and gives nothing until
its next snapshot. Real recordings (tests/fixtures/SOURCES.md): OKX `books` for BTC-USDT
(one snapshot and 97 updates, every checksum good) and Binance's diff stream with the
REST snapshots taken as the socket opened, written as ArBot's own recording would hold
them (`storage.rawlog`: each frame with its receive time, the snapshot on a line naming
its symbol, right after the diff that asked for it)."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from collections import Counter
from pathlib import Path

import msgspec

from arbot.cli import main
from arbot.domain import Venue
from arbot.storage.rawlog import RawLine
from tests.imports.helpers import FIXTURES, Capture, stored

OKX = FIXTURES / "okx/ws_books_BTC-USDT_2022-05-13.jsonl"
BINANCE_DIFFS = FIXTURES / "binance/ws_depth_100ms_diff_2021-10-12.jsonl"
BINANCE_INFO = FIXTURES / "binance/rest_exchangeInfo_TRIMMED_2021-10-12.json"
BINANCE = {"NKNUSDT": "NKN-USDT", "BLZETH": "BLZ-ETH", "LRCBTC": "LRC-BTC",
           "RUNEEUR": "RUNE-EUR"}


def books(db: Path) -> list[tuple[int, str, list[list[str]], list[list[str]]]]:
    with sqlite3.connect(db) as c:
        return [(t, s, json.loads(b), json.loads(a)) for t, s, b, a in c.execute(
            "SELECT ts_recv_ns, symbol, bids, asks FROM book_snapshots ORDER BY ts_recv_ns, id")]


def okx_levels(side: list[list[str]], n: int) -> list[list[str]]:
    return [level[:2] for level in side[:n]]


def test_an_okx_books_capture_rebuilds_the_book_and_its_quotes(
        tmp_path: Path, capsys: Capture) -> None:
    db = tmp_path / "d.db"
    (tmp_path / "arbot.toml").write_text("[storage]\nrecord_books_ms = 0\n"
                                         "record_books_levels = 5\n")
    assert main(["--config", str(tmp_path / "arbot.toml"), "import", "raw", "--venue", "okx",
                 str(OKX), "--db", str(db)]) == 0
    out = capsys.readouterr().out
    frames = [json.loads(line) for line in OKX.read_text().splitlines()]
    assert "rows read:           98\n" in out and "bad rows:            0\n" in out
    assert "quotes stored:       98\n" in out and "books stored:        98\n" in out
    quotes, snaps = stored(db), books(db)
    # The first book is the snapshot's top five levels, as OKX sent their strings.
    first = frames[0]["data"][0]
    assert snaps[0][1:] == ("BTC-USDT", okx_levels(first["bids"], 5),
                            okx_levels(first["asks"], 5))
    # Each book and its quote agree, at the exchange time of the frame that made them.
    for (t, _, bids, asks), q, frame in zip(snaps, quotes, frames, strict=True):
        assert t == q[0] == int(frame["data"][0]["ts"]) * 1_000_000
        assert (float(bids[0][0]), float(bids[0][1]), float(asks[0][0]), float(asks[0][1])) \
            == (q[4], q[5], q[6], q[7])


def test_a_broken_checksum_is_a_counted_resync_and_nothing_until_a_snapshot(
        tmp_path: Path, capsys: Capture) -> None:
    lines = OKX.read_text().splitlines()
    bad = json.loads(lines[10])
    bad["data"][0]["checksum"] += 1
    # Line 11 breaks the book; lines 12-20 have no snapshot to chain from; line 21 is a
    # snapshot again (as after the live feed resubscribed: the recording's first), and
    # lines 22-30 chain from it. As ArBot records them: one receive time per line.
    frames = [*lines[:10], json.dumps(bad), *lines[11:20], lines[0], *lines[1:10]]
    copy = tmp_path / "okx-20220513T162704Z.jsonl"
    copy.write_bytes(b"\n".join(msgspec.json.encode(RawLine(10**18 + i * 10**6, f))
                                for i, f in enumerate(frames)) + b"\n")
    db = tmp_path / "d.db"
    assert main(["import", "raw", "--venue", "okx", str(copy), "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert "bad rows:            1\n" in out and "book_checksum: 1 (line 11)" in out
    lines_quoted = sorted((t - 10**18) // 10**6 + 1 for t, *_ in stored(db))
    assert lines_quoted == [*range(1, 11), *range(21, 31)]
    # The book is stored as live: at most once a second (record_books_ms), so the
    # snapshot at line 21, 20 ms after the first, is not stored again.
    assert [(t - 10**18) // 10**6 + 1 for t, *_ in books(db)] == [1]


def binance_recording(path: Path, with_snapshots: bool) -> Path:
    """The diffs as ArBot's recording lines, each REST snapshot right after the first diff
    of its symbol (when the live feed would have fetched it)."""
    out: list[bytes] = []
    seen: set[str] = set()
    for i, frame in enumerate(BINANCE_DIFFS.read_text().splitlines()):
        t = 1_633_998_512_000_000_000 + i * 1_000_000
        out.append(msgspec.json.encode(RawLine(t, frame)))
        venue_id = json.loads(frame)["data"]["s"]
        if with_snapshots and venue_id not in seen:
            seen.add(venue_id)
            body = (FIXTURES / f"binance/rest_depth_{venue_id}_limit1000_2021-10-12.json")
            out.append(msgspec.json.encode(RawLine(t + 1, body.read_text().strip(),
                                                   BINANCE[venue_id])))
    path.write_bytes(b"\n".join(out) + b"\n")
    return path


def test_binance_books_start_from_the_recorded_rest_snapshots(
        tmp_path: Path, capsys: Capture) -> None:
    db = tmp_path / "d.db"
    path = binance_recording(tmp_path / "binance-20211012T002832Z.jsonl", with_snapshots=True)
    assert main(["import", "raw", "--venue", "binance", "--instruments", str(BINANCE_INFO),
                 str(path), "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert "bad rows:            0\n" in out
    assert "depth frames before a snapshot (no_snapshot): 4" in out  # one per symbol
    assert "did not come" not in out  # each snapshot applied the diffs held for it
    quotes, snaps = stored(db), books(db)
    assert {q[3] for q in quotes} == set(BINANCE.values())
    assert {s[1] for s in snaps} == set(BINANCE.values())
    assert len(quotes) > 100  # every diff after its snapshot moves a top
    # A snapshot line is never a quote of its own time without its book being synced.
    assert all(len(s[2]) <= 20 and len(s[3]) <= 20 for s in snaps)


def test_without_its_rest_snapshots_a_binance_capture_gives_no_book(
        tmp_path: Path, capsys: Capture) -> None:
    db = tmp_path / "d.db"
    path = binance_recording(tmp_path / "binance-20211012T002832Z.jsonl", with_snapshots=False)
    assert main(["import", "raw", "--venue", "binance", "--instruments", str(BINANCE_INFO),
                 str(path), "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert "quotes stored:       0\n" in out
    assert "depth frames before a snapshot (no_snapshot): 4" in out
    # Every other diff was held for a snapshot that never came: counted, not lost.
    rows = len(path.read_bytes().splitlines())
    assert f"rows read:           {rows}\n" in out
    assert f"skipped:             {rows}\n" in out
    assert f"held for a snapshot that did not come (not applied): {rows - 4}\n" in out
    assert books(db) == []


def test_an_l1_push_of_several_rows_gives_each_quote_once(
        tmp_path: Path, capsys: Capture) -> None:
    """A frame that is no depth push is read by the venue's L1 parser alone, even when it
    carries several rows (which the depth parser's own L1 reader leaves in its events)."""
    tickers = FIXTURES / "okx/ws_tickers_BTC-USDT_2022-05-13.jsonl"
    frame = json.loads(tickers.read_text().splitlines()[0])
    second = {**frame["data"][0], "bidPx": "30228.5", "askPx": "30228.8"}
    frame["data"].append(second)
    path = tmp_path / "okx-tickers.jsonl"
    path.write_text(json.dumps(frame) + "\n")
    db = tmp_path / "d.db"
    assert main(["import", "raw", "--venue", "okx", str(path), "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert "quotes stored:       2\n" in out and "bad rows:            0\n" in out
    assert [(q[4], q[6]) for q in stored(db)] == [(30228.6, 30228.7), (30228.5, 30228.8)]


def test_a_demo_session_at_depth_records_its_depth_frames_and_rebuilds_them(
        tmp_path: Path, capsys: Capture) -> None:
    """`--record-raw` at `[market] depth = 5` captures the simulator's depth channels, and
    `import raw` rebuilds every book from them: the quotes of their tops are exactly the
    ones the live run recorded, receive times included; Binance's too, from the REST
    snapshots its feed applied, which the capture keeps in order with the frames."""
    (tmp_path / "arbot.toml").write_text(
        '[market]\nsymbols = ["BTC-USDT", "ETH-USDT"]\ndepth = 5\n'
        '[storage]\npath = "live.db"\nflush_ms = 100\nrecord_quotes = "all"\n'
        '[sim]\nprofile = "steady"\n')
    done = subprocess.run([sys.executable, "-m", "arbot", "--demo", "--no-ui", "--duration", "4",
                           "--record-raw", "raw"], cwd=tmp_path, capture_output=True, text=True,
                          timeout=90)
    assert done.returncode == 0, done.stderr
    live = stored(tmp_path / "live.db")
    for venue in Venue:
        files = sorted((tmp_path / "raw").glob(f"{venue.value}-*.jsonl"))
        replay = tmp_path / f"replay-{venue.value}.db"
        assert main(["--config", str(tmp_path / "arbot.toml"), "import", "raw", "--venue",
                     venue.value, *map(str, files), "--db", str(replay)]) == 0
        out = capsys.readouterr().out
        assert "bad rows:            0\n" in out, out
        mine = [r for r in live if r[2] == venue.value]
        assert mine and Counter(stored(replay)) == Counter(mine), venue
        assert {b[1] for b in books(replay)} == {"BTC-USDT", "ETH-USDT"}, venue
