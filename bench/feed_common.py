"""What bench/feed.py's throughput and latency runs share: the engine behind the feed,
the feed as the runtime builds it, and the bare aiohttp socket beside it."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import aiohttp

from arbot.config import ArbotSettings
from arbot.domain import EpisodeEvent, FeedStatus, Quote, Venue
from arbot.engine.engine import Engine
from arbot.exchanges import adapter_for
from arbot.exchanges.feed import Feed, aiohttp_connect
from arbot.exchanges.reconnect import FeedTiming
from arbot.exchanges.symbols import SymbolMap
from arbot.sim.config import DEFAULT_SYMBOLS

# Nothing may reconnect mid-measurement: watchdogs well beyond a run's pauses.
TIMING = FeedTiming(stale_after_s=30.0, silence_s=60.0)


class EngineSink:
    """The real engine (default settings, told a venue is live by the feed's statuses, as
    in the runtime) behind the feed. With `stamp`, the wall clock once `Engine.on_quote`
    has returned (the quote judged, any episode it opens emitted: the signal), and the
    quote's receive stamp, for every quote."""

    def __init__(self, stamp: bool = False) -> None:
        self.engine = Engine(ArbotSettings(), self)
        self._on_quote = self.engine.on_quote
        self.quotes = 0
        self.stamp = stamp
        self.sink_ns: list[int] = []
        self.recv_ns: list[int] = []
        self.episodes = 0

    def on_quote(self, quote: Quote) -> None:
        self._on_quote(quote)
        self.quotes += 1
        if self.stamp:
            self.sink_ns.append(time.time_ns())
            self.recv_ns.append(quote.ts_recv_ns)

    def on_feed_status(self, status: FeedStatus) -> None:
        self.engine.on_feed_status(status)

    def on_episode(self, event: EpisodeEvent) -> None:
        self.episodes += 1


def symbol_map(venue: Venue) -> SymbolMap:
    return SymbolMap.from_symbols(venue, DEFAULT_SYMBOLS, adapter_for(venue).venue_id)


def make_feed(venue: Venue, url: str, sink: EngineSink,
              session: aiohttp.ClientSession) -> Feed:
    smap = symbol_map(venue)
    ids = [smap.to_venue(s) for s in smap.canonical_symbols()]
    return Feed(adapter_for(venue), url, ids, smap.lookup, sink,
                aiohttp_connect(session, TIMING), timing=TIMING)


async def until(cond: Callable[[], bool], wait_s: float, what: str) -> None:
    end = time.monotonic() + wait_s
    while not cond():
        if time.monotonic() > end:
            raise TimeoutError(f"{what} within {wait_s:g} s")
        await asyncio.sleep(0.01)


async def stop(task: asyncio.Task[Any]) -> None:
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


@asynccontextmanager
async def raw_socket(venue: Venue, url: str) -> AsyncIterator[aiohttp.ClientWebSocketResponse]:
    """A bare aiohttp WebSocket, opened as the feed opens it and subscribed the same way."""
    smap = symbol_map(venue)
    frames = adapter_for(venue).subscribe_frames(
        [smap.to_venue(s) for s in smap.canonical_symbols()])
    async with aiohttp.ClientSession() as session, aiohttp_connect(session, TIMING)(url) as ws:
        for frame in frames:
            await ws.send_str(frame)
        yield ws


