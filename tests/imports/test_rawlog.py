"""The raw-frame recorder: one line per frame as received, rotated by size and by UTC
hour, gzip optional, everything on disk after close, and `import raw` reads it back."""

from __future__ import annotations

import gzip
from pathlib import Path

import msgspec

from arbot.cli import main
from arbot.domain import Venue
from arbot.storage.rawlog import RawLine, RawLog, RawLogConfig
from tests.imports.helpers import Capture, stored

HOUR_NS = 3600 * 1_000_000_000
T0 = 1714521600 * 1_000_000_000 + 59 * 60 * 1_000_000_000  # 2024-05-01T00:59:00Z
OKX = Path(__file__).resolve().parent.parent / "fixtures/okx/ws_tickers_BTC-USDT_2022-05-13.jsonl"


def files_in(directory: Path) -> list[Path]:
    return sorted(directory.iterdir())


def lines_of(path: Path) -> list[RawLine]:
    data = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    return [msgspec.json.decode(line, type=RawLine) for line in data.splitlines()]


async def test_frames_are_written_exactly_and_rotated(tmp_path: Path) -> None:
    frames = [f'{{"n":{i},"text":"quote \\"{i}\\" ü"}}' for i in range(50)]
    log = RawLog(RawLogConfig(tmp_path / "raw", rotate_bytes=1500, batch_frames=7))
    await log.start()
    record = log.sink(Venue.OKX)
    for i, frame in enumerate(frames):  # 1 s apart, crossing 01:00 UTC after 60 frames
        record(frame if i % 2 else frame.encode(), T0 + i * 1_000_000_000)
    record("pong", T0 + 61 * 1_000_000_000)  # a text frame that is not JSON
    await log.close()
    files = files_in(tmp_path / "raw")
    assert all(p.name.startswith("okx-20240501T") and p.suffix == ".jsonl" for p in files)
    assert files[0].name == "okx-20240501T005900Z.jsonl"
    got = [line for p in files for line in lines_of(p)]
    assert [g.frame for g in got] == [*frames, "pong"]
    assert [g.ts_recv_ns for g in got] == [T0 + i * 1_000_000_000 for i in [*range(50), 61]]
    assert len(files) > 3 and all(len(p.read_bytes()) <= 1500 for p in files)
    assert log.stats.frames == 51 and log.stats.files == len(files) and log.stats.dropped == 0


async def test_a_new_file_at_each_utc_hour(tmp_path: Path) -> None:
    log = RawLog(RawLogConfig(tmp_path, gzip=True))
    await log.start()
    record = log.sink(Venue.BINANCE)
    for i in range(6):  # 00:59:00, 00:59:40, 01:00:20, ... : one batch across the hour
        record(f'{{"i":{i}}}', T0 + i * 40_000_000_000)
    log.sink(Venue.BYBIT)('{"other":1}', T0)
    await log.close()
    names = [p.name for p in files_in(tmp_path)]
    assert names == ["binance-20240501T005900Z.jsonl.gz", "binance-20240501T010020Z.jsonl.gz",
                     "bybit-20240501T005900Z.jsonl.gz"]
    assert [x.frame for x in lines_of(tmp_path / names[0])] == ['{"i":0}', '{"i":1}']
    assert len(lines_of(tmp_path / names[1])) == 4


async def test_rest_snapshots_are_recorded_in_order_with_the_frames(tmp_path: Path) -> None:
    """A REST book snapshot the feed applied (Binance's) is a line naming its symbol, in
    its place among the venue's frames; frame lines stay as they were."""
    log = RawLog(RawLogConfig(tmp_path, batch_frames=2))
    await log.start()
    record, snapshot = log.sink(Venue.BINANCE), log.snapshot_sink(Venue.BINANCE)
    record('{"u":1}', T0)
    snapshot("BTC-USDT", b'{"lastUpdateId":1,"bids":[],"asks":[]}', T0 + 1)
    record(b'{"u":2}', T0 + 2)
    await log.close()
    (path,) = files_in(tmp_path)
    assert path.read_text().splitlines() == [
        f'{{"ts_recv_ns":{T0},"frame":"{{\\"u\\":1}}"}}',
        f'{{"ts_recv_ns":{T0 + 1},"frame":"{{\\"lastUpdateId\\":1,\\"bids\\":[],'
        '\\"asks\\":[]}","snapshot":"BTC-USDT"}',
        f'{{"ts_recv_ns":{T0 + 2},"frame":"{{\\"u\\":2}}"}}']


async def test_bytes_that_are_not_text_are_counted_not_written(tmp_path: Path) -> None:
    log = RawLog(RawLogConfig(tmp_path))
    await log.start()
    record = log.sink(Venue.OKX)
    record(b"\xff\xfe", T0)
    record("{}", T0 + 1)
    await log.close()
    assert log.stats.dropped == 1 and log.stats.frames == 1


async def test_a_disk_that_falls_behind_drops_and_counts(tmp_path: Path) -> None:
    log = RawLog(RawLogConfig(tmp_path, batch_frames=1, max_batches=2))
    record = log.sink(Venue.OKX)  # not started: nothing drains the queue
    for i in range(5):
        record("{}", T0 + i)
    assert log.stats.dropped == 3 and log.stats.last_error is not None


def test_import_raw_reads_recorded_lines_plain_lines_and_a_cut_last_line(
    tmp_path: Path, capsys: Capture
) -> None:
    frames = OKX.read_text().splitlines()[:6]
    wrapped = [msgspec.json.encode(RawLine(T0 + i, f)).decode() for i, f in enumerate(frames[:4])]
    capture = tmp_path / "okx-20240501T005900Z.jsonl"
    capture.write_text("\n".join([*wrapped, frames[4], wrapped[0][:30]]) + "\n")
    db = tmp_path / "q.db"
    assert main(["import", "raw", "--venue", "okx", str(capture), "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert "quotes stored:       5\n" in out and "invalid_json: 1 (line 6)" in out
    times = [row[0] for row in stored(db)]
    exchange_ms = int(msgspec.json.decode(frames[4])["data"][0]["ts"])
    assert sorted(times) == sorted([T0, T0 + 1, T0 + 2, T0 + 3, exchange_ms * 1_000_000])


def test_import_raw_drops_what_the_live_gate_drops(tmp_path: Path, capsys: Capture) -> None:
    """An absurd ask and an off-tick bid are counted bad rows, as the live feed counts
    them, so a backtest of the import never sees a quote the live run refused."""
    frames = OKX.read_text().splitlines()[:8]
    frames[3] = msgspec.json.encode(_with(frames[3], askPx="1000000000000000000000000000000")
                                    ).decode()
    frames[5] = msgspec.json.encode(_with(frames[5], bidPx="30228.65")).decode()
    capture = tmp_path / "okx-20240501T005900Z.jsonl"
    capture.write_text("\n".join(frames) + "\n")
    instruments = OKX.parent / "rest_public_instruments_SPOT_2022-05-13.json"
    db = tmp_path / "q.db"
    assert main(["import", "raw", "--venue", "okx", str(capture), "--db", str(db),
                 "--instruments", str(instruments)]) == 0
    out = capsys.readouterr().out
    assert "quotes stored:       6\n" in out, out
    assert "out_of_band: 1 (line 4)" in out and "off_tick: 1 (line 6)" in out, out
    assert all(row[4] < row[6] < 40_000 for row in stored(db))


def _with(frame: str, **fields: str) -> object:
    push = msgspec.json.decode(frame)
    push["data"][0].update(fields)
    return push
