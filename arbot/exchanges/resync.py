"""Carrying out a depth book's resync on one socket (docs/depth.md, "The flow").

The parser resets a book whose integrity broke and says so with a `BookResync`; this
gets the venue to send the book again: a REST snapshot where the adapter names one
(`depth_snapshot_path`, for a stream of diffs only), else unsubscribing and subscribing
the symbol's depth channel, which the venue answers with a fresh snapshot. A symbol
that keeps breaking waits longer each time (1 s doubling to 60 s), so a faulty stream
cannot spend a venue's subscription budget (some allow only a few hundred subscribe
requests an hour per connection: docs/depth.md).
Tasks live on the socket they serve and are cancelled when it closes.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

from arbot.depth.board import DepthBoard
from arbot.domain import BookResync, Quote
from arbot.exchanges.base import Adapter
from arbot.exchanges.restspec import RestError

log = logging.getLogger("arbot")


@dataclass(frozen=True)
class DepthFeed:
    """What a feed needs to keep L2 books: the board they live on, and a REST GET for the
    venues whose books start from a REST snapshot (None: resubscribe instead)."""

    board: DepthBoard
    fetch: Callable[[str], Awaitable[bytes]] | None = None
    # `--record-raw`: each REST snapshot applied (symbol, body, receive time), so a
    # capture rebuilds the books the stream's diffs apply to.
    raw_snapshot: Callable[[str, bytes, int], None] | None = None

FIRST_WAIT_S = 1.0  # before the first retry of a symbol that broke again soon
MAX_WAIT_S = 60.0
FORGIVE_S = 300.0  # a symbol clean this long starts again from no wait
SETTLE_S = 10.0  # how long a resubscribed channel has to send its snapshot
SETTLE_POLL_S = 0.25


class SnapshotTaker(Protocol):
    """The parser side of a REST snapshot (`DepthFrameParser.snapshot`)."""

    def snapshot(self, symbol: str, body: bytes, recv_ns: int) -> Quote | None: ...


class Socket(Protocol):
    async def send_str(self, data: str) -> None: ...


class Resyncer:
    """The resyncs of one socket: counted by reason, at most one under way per symbol."""

    def __init__(self, adapter: Adapter, venue_ids: dict[str, str],
                 fetch: Callable[[str], Awaitable[bytes]] | None,
                 deliver: Callable[[Quote], None], synced: Callable[[str], bool], *,
                 raw_snapshot: Callable[[str, bytes, int], None] | None = None,
                 clock: Callable[[], float],
                 wall_ns: Callable[[], int], sleep: Callable[[float], Awaitable[None]]) -> None:
        self._adapter = adapter
        self._venue_ids = venue_ids  # canonical symbol -> the venue's id
        self._fetch = fetch
        self._deliver = deliver
        self._synced = synced
        self._raw_snapshot = raw_snapshot
        self._clock = clock
        self._wall_ns = wall_ns
        self._sleep = sleep
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._wait: dict[str, tuple[float, float]] = {}  # symbol -> (next wait, last at)
        self._req_id = 1_000_000  # apart from the subscribe frames' ids
        self._send_gap = 1.0 / adapter.limits.sends_per_s
        self._sent_at = float("-inf")

    @property
    def under_way(self) -> int:
        """Books being resynced on this socket now."""
        return len(self._tasks)

    def request(self, event: BookResync, ws: Socket, parser: object) -> None:
        """Start the symbol's resync, unless one is already under way."""
        symbol = event.symbol
        if symbol in self._tasks or symbol not in self._venue_ids:
            return
        task = asyncio.create_task(self._resync(symbol, ws, parser),
                                   name=f"book-resync-{self._adapter.venue}-{symbol}")
        self._tasks[symbol] = task

    async def close(self) -> None:
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def _backoff(self, symbol: str) -> float:
        """How long to wait before resyncing `symbol`: none the first time, then
        doubling while it keeps breaking, forgiven after `FORGIVE_S` clean."""
        now = self._clock()
        wait, last = self._wait.get(symbol, (0.0, float("-inf")))
        if now - last >= FORGIVE_S:
            wait = 0.0
        self._wait[symbol] = (min(max(wait * 2, FIRST_WAIT_S), MAX_WAIT_S), now)
        return wait

    async def _resync(self, symbol: str, ws: Socket, parser: object) -> None:
        """Ask again until the book is synced: a REST snapshot that turned out older
        than the stream, or a resubscription the venue did not answer with a snapshot
        within `SETTLE_S`, is tried again after the symbol's wait."""
        try:
            venue_id = self._venue_ids[symbol]
            path = self._adapter.depth_snapshot_path(venue_id)
            while True:
                wait = self._backoff(symbol)
                if wait:
                    await self._sleep(wait)
                if path is not None and self._fetch is not None:
                    await self._snapshot(symbol, path, parser)
                else:
                    arg = self._adapter.depth_channel_arg(venue_id)
                    for frame in (self._adapter.unsubscribe_frame([arg], self._next_id()),
                                  self._adapter.subscribe_frame([arg], self._next_id())):
                        await self._pace()
                        await ws.send_str(frame)
                    for _ in range(round(SETTLE_S / SETTLE_POLL_S)):
                        await self._sleep(SETTLE_POLL_S)
                        if self._synced(symbol):
                            return
                if self._synced(symbol):
                    return
        finally:
            # Here, not in a done callback: a snapshot the parser found stale raises a
            # new BookResync that the receive loop may hand over before any callback runs.
            self._tasks.pop(symbol, None)

    async def _snapshot(self, symbol: str, path: str, parser: object) -> None:
        assert self._fetch is not None
        try:
            body = await self._fetch(path)
        except RestError as err:  # the book stays out and is asked for again
            log.warning("%s %s: depth snapshot failed: %s", self._adapter.venue, symbol, err)
            return
        taker: SnapshotTaker = parser  # type: ignore[assignment]
        now = self._wall_ns()
        if self._raw_snapshot is not None:
            self._raw_snapshot(symbol, body, now)
        quote = taker.snapshot(symbol, body, now)
        if quote is not None:
            self._deliver(quote)

    async def _pace(self) -> None:
        """Keep to the venue's frames-per-second limit on this socket."""
        early = self._sent_at + self._send_gap - self._clock()
        if early > 0:
            await self._sleep(early)
        self._sent_at = self._clock()

    def _next_id(self) -> int:
        self._req_id += 1
        return self._req_id
