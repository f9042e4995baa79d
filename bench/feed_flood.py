"""Throughput for bench/feed.py: frames/s through the feed and the engine on a flooded
connection, and the bare aiohttp loop's frames/s on the same flood (the ceiling)."""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

import aiohttp

from arbot.domain import Venue
from bench.feed_common import EngineSink, make_feed, raw_socket, stop, until
from bench.feed_sender import Sender
from bench.report import median_of

T = TypeVar("T")


async def count_for(counters: Callable[[], tuple[int, int]], warmup: float, seconds: float
                    ) -> tuple[float, float]:
    """Both counters' rates over `seconds`, after `warmup`."""
    await asyncio.sleep(warmup)
    a0, b0 = counters()
    t0 = time.perf_counter()
    await asyncio.sleep(seconds)
    a1, b1 = counters()
    span = time.perf_counter() - t0
    return (a1 - a0) / span, (b1 - b0) / span


async def feed_rates(venue: Venue, sim: Sender, warmup: float, seconds: float
                     ) -> tuple[float, float]:
    """ArBot's frames/s and quotes/s on one flooded connection."""
    sink = EngineSink()
    async with aiohttp.ClientSession() as session:
        feed = make_feed(venue, sim.url(venue), sink, session)
        task = asyncio.create_task(feed.run(), name=f"bench-feed-{venue}")
        try:
            await until(lambda: sink.quotes > 0, 10.0,
                        f"{venue}: no quote ({feed.state}, {feed.last_error})")
            rates = await count_for(lambda: (feed.frames, sink.quotes), warmup, seconds)
            if feed.reconnects:
                raise RuntimeError(f"{venue}: the feed reconnected mid-run: {feed.last_error}")
        finally:
            sim.kill()  # before the client closes: see `flooded`
            await stop(task)
    return rates


async def raw_rate(venue: Venue, sim: Sender, warmup: float, seconds: float) -> float:
    """Frames/s of the bare aiohttp receive loop on the same flood: the ceiling."""
    frames = 0

    async def receive(ws: aiohttp.ClientWebSocketResponse) -> None:
        nonlocal frames
        text, recv = aiohttp.WSMsgType.TEXT, ws.receive
        while True:
            msg = await recv()
            if msg.type is not text:
                raise RuntimeError(f"{venue}: raw loop got {msg.type.name}")
            frames += 1

    async with raw_socket(venue, sim.url(venue)) as ws:
        task = asyncio.create_task(receive(ws), name=f"bench-raw-{venue}")
        try:
            await until(lambda: frames > 10, 10.0, f"{venue}: no frames")
            rate, _ = await count_for(lambda: (frames, 0), warmup, seconds)
            if task.done():
                task.result()
        finally:
            sim.kill()
            await stop(task)
    return rate


def flooded(measure: Callable[[Venue, Sender, float, float], Coroutine[Any, Any, T]],
            venue: Venue, args: argparse.Namespace) -> T:
    """One measurement against a fresh flood simulator, killed before the client closes.

    A simulator per measurement, because closing a flooded connection can wedge
    arbot.sim's flood push loop (it spins without yielding once the transport is closing
    but the WebSocket is not yet marked closed); killing it first sidesteps that.
    """
    with Sender("flood") as sim:
        return asyncio.run(measure(venue, sim, args.warmup, args.seconds))


def throughput(venue: Venue, args: argparse.Namespace) -> dict[str, Any]:
    """Median frames/s, quotes/s and raw frames/s; each run is ArBot then raw."""
    quotes: list[float] = []
    raw: list[float] = []

    def arbot_then_raw() -> float:
        fps, qps = flooded(feed_rates, venue, args)
        quotes.append(qps)
        raw.append(flooded(raw_rate, venue, args))
        return fps

    fps, samples = median_of(args.runs, arbot_then_raw)
    return {"frames_per_s": fps, "quotes_per_s": statistics.median(quotes),
            "raw_frames_per_s": statistics.median(raw),
            "arbot/raw": statistics.median(a / r for a, r in zip(samples, raw, strict=True)),
            "runs": {"frames_per_s": samples, "quotes_per_s": quotes, "raw_frames_per_s": raw}}


