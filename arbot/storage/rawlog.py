"""`arbot --record-raw DIR`: every venue frame as received, to rotating JSONL files.

A recording is for replaying a live session later, frame for frame, through
`arbot import raw`. Each line is one frame with the wall-clock time the feed stamped on
it, so the replay gives the very quotes the live run saw, receive times included::

    {"ts_recv_ns":1718000000123456789,"frame":"{\\"stream\\":\\"btcusdt@bookTicker\\",...}"}

With `[market] depth` above 1 the frames are the venues' depth channels, which go through
the same feed loop and are recorded the same way. Where a venue's book starts from a REST
snapshot (Binance), the feed hands the snapshot's body to `snapshot_sink` and it is
recorded as a line of its own naming the canonical symbol it is for, so that
`arbot import raw` can rebuild that book too::

    {"ts_recv_ns":1718000000123456789,"frame":"{\\"lastUpdateId\\":...}","snapshot":"BTC-USDT"}

The frame is kept as a JSON string, not spliced in as JSON: a venue's garbage frame (or
a text one such as `pong`) still gives a valid line, and decoding the string gives back
the exact text received. Files are `DIR/<venue>-<UTC time of the first frame>.jsonl`
(`.jsonl.gz` with gzip), rotated at `rotate_bytes` of lines and at every UTC hour.

The feed loop must never wait on a disk, so `record` only appends to a per-venue list;
full lists (and every `flush_s`, whatever is there) are handed to one writer thread,
which encodes, writes and flushes each batch to the OS. A crash loses at most the
frames of the last `flush_s`. If the disk falls behind by `max_batches` batches, new
batches are dropped and counted rather than held in memory.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import gzip
import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Final, cast

import msgspec

from arbot.domain import Venue

log = logging.getLogger("arbot")

WRAPPER_PREFIX: Final = b'{"ts_recv_ns":'
_NS_PER_HOUR: Final = 3600 * 1_000_000_000

RawSink = Callable[[str | bytes, int], None]
SnapshotSink = Callable[[str, str | bytes, int], None]  # (canonical symbol, body, recv ns)


class RestSnapshot(msgspec.Struct, frozen=True):
    """A REST book snapshot body waiting in a venue's buffer with the frames."""

    symbol: str
    body: str | bytes


Batch = list[tuple[int, str | bytes | RestSnapshot]]


class RawLine(msgspec.Struct, omit_defaults=True):
    """One line of a recording: the receive time the feed stamped and the frame's text;
    `snapshot` names the symbol when the text is a REST book snapshot's body."""

    ts_recv_ns: int
    frame: str
    snapshot: str | None = None


class RawLogError(Exception):
    """The recording directory cannot be used (one line, names the directory)."""


@dataclass(frozen=True)
class RawLogConfig:
    """Where and how to record. The defaults suit a long live session."""

    directory: Path
    gzip: bool = False
    rotate_bytes: int = 256 * 1024 * 1024
    flush_s: float = 0.5
    batch_frames: int = 2000
    max_batches: int = 256


@dataclass
class RawLogStats:
    """Written by the writer thread; read by status lines (an int read is atomic)."""

    frames: int = 0  # written to a file
    dropped: int = 0  # not written: disk behind, write error, or bytes that are not UTF-8
    files: int = 0
    last_error: str | None = None


def prepare_directory(directory: Path) -> None:
    """Create the directory and prove it is writable, before anything starts."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
        probe = directory / ".arbot-write-test"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise RawLogError(f"--record-raw {directory}: cannot write there "
                          f"({exc.strerror or exc})") from None


class _Buffer:
    """One venue's frames waiting for the next hand-off; `record` is the feed's hot call."""

    __slots__ = ("items", "log", "venue")

    def __init__(self, log: RawLog, venue: Venue) -> None:
        self.log = log
        self.venue = venue
        self.items: Batch = []

    def record(self, data: str | bytes, recv_ns: int) -> None:
        items = self.items
        items.append((recv_ns, data))
        if len(items) >= self.log.config.batch_frames:
            self.log.hand_off(self)

    def record_snapshot(self, symbol: str, body: str | bytes, recv_ns: int) -> None:
        self.items.append((recv_ns, RestSnapshot(symbol, body)))
        if len(self.items) >= self.log.config.batch_frames:
            self.log.hand_off(self)


class _File:
    __slots__ = ("bytes", "handle", "hour", "path")

    def __init__(self, path: Path, handle: IO[bytes], hour: int) -> None:
        self.path = path
        self.handle = handle
        self.hour = hour
        self.bytes = 0


class RawLog:
    """Records raw frames per venue (see module docstring). `start()`, `sink(venue)` for
    each feed, `close()` at the end: it writes everything handed over and closes files."""

    def __init__(self, config: RawLogConfig) -> None:
        if config.rotate_bytes < 1 or config.batch_frames < 1 or config.max_batches < 1:
            raise ValueError("rotate_bytes, batch_frames and max_batches must be >= 1")
        self.config = config
        self.stats = RawLogStats()
        self._buffers: dict[Venue, _Buffer] = {}
        self._queue: queue.SimpleQueue[tuple[Venue, Batch] | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._task: asyncio.Task[None] | None = None
        self._files: dict[Venue, _File] = {}
        self._encoder = msgspec.json.Encoder()
        self._closed = False

    def sink(self, venue: Venue) -> RawSink:
        """The function a feed calls with each frame and its receive time."""
        return self._buffer(venue).record

    def snapshot_sink(self, venue: Venue) -> SnapshotSink:
        """The function a feed calls with each REST book snapshot it applies (canonical
        symbol, body, receive time), in order with the venue's frames."""
        return self._buffer(venue).record_snapshot

    def _buffer(self, venue: Venue) -> _Buffer:
        buffer = self._buffers.get(venue)
        if buffer is None:
            buffer = self._buffers[venue] = _Buffer(self, venue)
        return buffer

    async def start(self) -> None:
        prepare_directory(self.config.directory)
        self._thread = threading.Thread(target=self._work, name="arbot-raw-log", daemon=True)
        self._thread.start()
        self._task = asyncio.create_task(self._tick(), name="arbot-raw-log-flush")

    async def _tick(self) -> None:
        while True:
            await asyncio.sleep(self.config.flush_s)
            self.flush()

    def hand_off(self, buffer: _Buffer) -> None:
        """Give the buffer's frames to the writer thread (or drop them if it is far behind)."""
        batch, buffer.items = buffer.items, []
        if not batch or self._closed:
            return
        if self._queue.qsize() >= self.config.max_batches:
            self.stats.dropped += len(batch)
            self.stats.last_error = "the disk is not keeping up; frames dropped"
            return
        self._queue.put((buffer.venue, batch))

    def flush(self) -> None:
        """Hand every venue's waiting frames to the writer thread now."""
        for buffer in self._buffers.values():
            self.hand_off(buffer)

    async def close(self) -> None:
        """Write everything recorded so far, close the files and stop the thread."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self.flush()
        self._closed = True
        thread, self._thread = self._thread, None
        if thread is not None:
            self._queue.put(None)
            await asyncio.to_thread(thread.join)

    # -- the writer thread ---------------------------------------------------------

    def _work(self) -> None:
        try:
            while (item := self._queue.get()) is not None:
                self._write(*item)
        finally:
            for venue in list(self._files):
                self._close_file(venue)

    def _write(self, venue: Venue, batch: Batch) -> None:
        lines: list[RawLine] = []
        for ns, item in batch:
            symbol = None
            if isinstance(item, RestSnapshot):
                symbol, data = item.symbol, item.body
            else:
                data = item
            if isinstance(data, bytes):
                try:
                    data = data.decode()
                except UnicodeDecodeError:
                    self.stats.dropped += 1
                    continue
            lines.append(RawLine(ns, data, symbol))
        start = 0
        while start < len(lines):  # one piece per UTC hour, so files never straddle one
            hour = lines[start].ts_recv_ns // _NS_PER_HOUR
            end = start + 1
            while end < len(lines) and lines[end].ts_recv_ns // _NS_PER_HOUR == hour:
                end += 1
            self._write_piece(venue, lines[start:end], hour)
            start = end

    def _write_piece(self, venue: Venue, lines: list[RawLine], hour: int) -> None:
        blob = self._encoder.encode_lines(lines)
        try:
            current = self._files.get(venue)
            if current is not None and (current.hour != hour or (
                    current.bytes and current.bytes + len(blob) > self.config.rotate_bytes)):
                self._close_file(venue)
                current = None
            if current is None:
                current = self._files[venue] = self._open(venue, lines[0].ts_recv_ns, hour)
            current.handle.write(blob)
            current.handle.flush()
            current.bytes += len(blob)
            self.stats.frames += len(lines)
        except OSError as exc:
            self.stats.dropped += len(lines)
            message = f"raw recording to {self.config.directory} failed: {exc.strerror or exc}"
            if self.stats.last_error != message:
                log.warning("%s", message)
            self.stats.last_error = message
            self._close_file(venue, discard_unwritten=True)

    def _open(self, venue: Venue, first_ns: int, hour: int) -> _File:
        stamp = dt.datetime.fromtimestamp(first_ns / 1e9, dt.UTC).strftime("%Y%m%dT%H%M%SZ")
        suffix = ".jsonl.gz" if self.config.gzip else ".jsonl"
        path = self.config.directory / f"{venue.value}-{stamp}{suffix}"
        n = 0
        while path.exists():  # a rotation within the same second, or an earlier run
            n += 1
            path = self.config.directory / f"{venue.value}-{stamp}-{n}{suffix}"
        # Open across many batches, closed by _close_file: no context manager fits.
        handle = cast(IO[bytes], gzip.open(path, "xb") if self.config.gzip  # noqa: SIM115
                      else path.open("xb"))
        self.stats.files += 1
        return _File(path, handle, hour)

    def _close_file(self, venue: Venue, *, discard_unwritten: bool = False) -> None:
        """Close the venue's file; with `discard_unwritten`, remove it when no batch of it
        was written whole (a full disk: otherwise every batch tried leaves a file)."""
        current = self._files.pop(venue, None)
        if current is None:
            return
        try:
            current.handle.close()  # gzip: writes the trailer
        except OSError as exc:
            self.stats.last_error = f"closing {current.path}: {exc.strerror or exc}"
        if discard_unwritten and not current.bytes:
            with contextlib.suppress(OSError):
                current.path.unlink()
