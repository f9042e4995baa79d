"""`--record-raw` on a disk that fills up: the recorder drops frames (counted, one
warning) but must not leave a new empty file behind for every batch it could not write;
left running for a day that was hundreds of thousands of files in the capture folder."""

from __future__ import annotations

from pathlib import Path

from arbot.domain import Venue
from arbot.storage.rawlog import RawLog, RawLogConfig
from tests.test_full_disk import tmpfs

T0 = 1714521600 * 1_000_000_000


async def test_a_full_disk_leaves_no_empty_files_behind(tmp_path: Path) -> None:
    with tmpfs(tmp_path / "disk", "64k") as disk:
        log = RawLog(RawLogConfig(disk / "raw", batch_frames=5))
        await log.start()
        record = log.sink(Venue.OKX)
        frame = '{"frame":"' + "x" * 900 + '"}'
        for i in range(400):  # ~400 kB into 64 kB: the disk fills early on
            record(frame, T0 + i)
            if i % 5 == 4:
                log.flush()
        await log.close()
        sizes = {p.name: p.stat().st_size for p in (disk / "raw").iterdir()}
        assert log.stats.dropped > 0 and log.stats.frames > 0
        empty = [name for name, size in sizes.items() if size == 0]
        assert empty == [], f"{len(empty)} empty files of {len(sizes)}"
