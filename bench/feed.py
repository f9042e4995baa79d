"""One venue connection end to end: frames/s received and parsed, and the latency from
the sender's socket write to the Quote in the sink at 10,000 frames/s offered.

Throughput: the simulator in flood mode runs in a child process (bench/feed_sender.py
flood), so on a two-core machine the client has a core of its own. One `Feed` (the
venue's real adapter and parser, the real aiohttp client via `aiohttp_connect`) delivers
to a sink that only counts; after a warm-up, frames and quotes are counted for --seconds.
In the same run, on a flood of the same frames, the bare aiohttp loop (`await
ws.receive()` and a counter) gives the ceiling, so `arbot/raw` shows what ArBot costs.

Latency: a paced child (bench/feed_sender.py paced) writes the simulator's encoding of
the venue's L1 frames at --rate frames/s (--burst frames at a time), one socket write per
frame, stamping `time.time_ns()` just before each write. The sink stamps `time.time_ns()`
in `on_quote`. TCP keeps order and every data frame is one quote, so the k-th stamps
pair up; warm-up frames are dropped. `in_feed_p50_us` is the part from `Quote.ts_recv_ns`
(taken right after `ws.receive()` returns) to the sink: ArBot's parse and loop. In the
same run the bare aiohttp loop, stamping right after `ws.receive()`, takes an identical
stream: `raw_p50_us`/`raw_p99_us` are the floor the kernel, event loop and aiohttp set.

Caveats. Loopback only: no NIC, no TLS, no network jitter, uncompressed data frames.
Both processes share one machine and one wall clock, so there is no skew between the
stamps (an NTP step mid-run would show). The paced sender spins to hit 100 µs gaps,
which a timer cannot; it is still preempted now and then, so the offered rate is
reported as measured. The sinks do nothing: the runtime's fan-out (board, recorder)
comes on top. GC stays on, as in the product. On a shared VM the tails (p99 and up)
follow the host's scheduling stalls: compare them with the raw columns of the same run.

    python bench/feed.py [--seconds 5] [--runs 3] [--venues binance,bybit,okx,bitget]
                         [--warmup 1] [--rate 10000] [--burst 1]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

import aiohttp
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from arbot.domain import FeedStatus, Quote, Venue
from arbot.exchanges import adapter_for
from arbot.exchanges.feed import Feed, aiohttp_connect
from arbot.exchanges.reconnect import FeedTiming
from arbot.exchanges.symbols import SymbolMap
from arbot.sim.config import DEFAULT_SYMBOLS
from bench.feed_sender import Sender
from bench.report import emit, median_of

TARGET_FRAMES_PER_S = 200_000
TARGET_P99_US = 1_000.0
# Nothing may reconnect mid-measurement: watchdogs well beyond a run's pauses.
TIMING = FeedTiming(stale_after_s=30.0, silence_s=60.0)
T = TypeVar("T")


class CountingSink:
    def __init__(self) -> None:
        self.quotes = 0

    def on_quote(self, quote: Quote) -> None:
        self.quotes += 1

    def on_feed_status(self, status: FeedStatus) -> None:
        pass


class StampingSink:
    """Wall clock at delivery, and the feed's receive stamp, for every quote."""

    def __init__(self) -> None:
        self.sink_ns: list[int] = []
        self.recv_ns: list[int] = []

    def on_quote(self, quote: Quote) -> None:
        self.sink_ns.append(time.time_ns())
        self.recv_ns.append(quote.ts_recv_ns)

    def on_feed_status(self, status: FeedStatus) -> None:
        pass


def symbol_map(venue: Venue) -> SymbolMap:
    return SymbolMap.from_symbols(venue, DEFAULT_SYMBOLS, adapter_for(venue).venue_id)


def make_feed(venue: Venue, url: str, sink: CountingSink | StampingSink,
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
    sink = CountingSink()
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


# Paced runs: each returns, per data frame in order, (delivered_ns, received_ns).
Stamps = tuple[np.ndarray, np.ndarray]


async def feed_stamps(venue: Venue, sender: Sender, n: int, wait_s: float) -> Stamps:
    """ArBot: the sink's clock at `on_quote`, and `Quote.ts_recv_ns`."""
    sink = StampingSink()
    async with aiohttp.ClientSession() as session:
        feed = make_feed(venue, sender.url(venue), sink, session)
        task = asyncio.create_task(feed.run(), name=f"bench-feed-{venue}")
        try:
            await sent_all(sender, wait_s)
            await until(lambda: len(sink.sink_ns) >= n, 10.0, f"{venue}: not all quotes came")
            await asyncio.sleep(0.1)  # an extra quote would break the pairing: let it show
        finally:
            await stop(task)
    if len(sink.sink_ns) != n or feed.reconnects:
        raise RuntimeError(f"{venue}: {n} frames sent, {len(sink.sink_ns)} quotes, "
                           f"{feed.reconnects} reconnects ({feed.last_error})")
    return np.array(sink.sink_ns), np.array(sink.recv_ns)


async def raw_stamps(venue: Venue, sender: Sender, n: int, wait_s: float) -> Stamps:
    """The bare aiohttp loop: the clock right after `ws.receive()` returns. Acks come
    before any data and nothing follows it, so the data frames are the last `n`."""
    got: list[int] = []

    async def receive(ws: aiohttp.ClientWebSocketResponse) -> None:
        text, recv, wall_ns = aiohttp.WSMsgType.TEXT, ws.receive, time.time_ns
        while True:
            msg = await recv()
            if msg.type is not text:
                raise RuntimeError(f"{venue}: raw loop got {msg.type.name}")
            got.append(wall_ns())

    async with raw_socket(venue, sender.url(venue)) as ws:
        task = asyncio.create_task(receive(ws), name=f"bench-raw-{venue}")
        try:
            await sent_all(sender, wait_s)
            await until(lambda: len(got) >= n, 10.0, f"{venue}: not all frames came")
            await asyncio.sleep(0.1)
        finally:
            await stop(task)
    stamps = np.array(got[-n:])
    return stamps, stamps


async def sent_all(sender: Sender, wait_s: float) -> None:
    said = await asyncio.to_thread(sender.line, wait_s)
    if said != "done":
        raise RuntimeError(f"feed_sender: {said}")


def latency_run(client: Callable[[Venue, Sender, int, float], Coroutine[Any, Any, Stamps]],
                venue: Venue, args: argparse.Namespace, tmp: Path) -> dict[str, float]:
    """One paced run: percentiles in µs over the frames after the warm-up."""
    n = round(args.rate * (args.warmup + args.seconds))
    skip = round(args.rate * args.warmup)
    out = tmp / f"{venue}.npy"
    with Sender("paced", "--venue", venue.value, "--rate", str(args.rate), "--frames", str(n),
                "--burst", str(args.burst), "--out", str(out)) as sender:
        sunk, recv = asyncio.run(client(venue, sender, n, 3 * (args.warmup + args.seconds) + 10))
    sent = np.load(out)
    lat = (sunk - sent)[skip:] / 1e3
    if lat.min() < 0:
        raise RuntimeError(f"{venue}: delivered before it was sent ({lat.min():.1f} µs)")
    p50, p90, p99, p999 = (float(p) for p in np.percentile(lat, [50, 90, 99, 99.9]))
    return {"sent_per_s": (len(sent) - skip - 1) / float((sent[-1] - sent[skip]) / 1e9),
            "p50_us": p50, "p90_us": p90, "p99_us": p99, "p99.9_us": p999,
            "max_us": float(lat.max()),
            "in_feed_p50_us": float(np.percentile((sunk - recv)[skip:], 50) / 1e3),
            "in_feed_p99_us": float(np.percentile((sunk - recv)[skip:], 99) / 1e3)}


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


def latency(venue: Venue, args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    """Median over runs of each percentile (max: the worst run); each run is ArBot then
    the bare aiohttp loop on an identical paced stream."""
    samples: list[dict[str, float]] = []
    raw: list[dict[str, float]] = []

    def arbot_then_raw() -> float:
        samples.append(latency_run(feed_stamps, venue, args, tmp))
        raw.append(latency_run(raw_stamps, venue, args, tmp))
        return samples[-1]["p99_us"]

    p99, _ = median_of(args.runs, arbot_then_raw)
    med: dict[str, Any] = {k: statistics.median(s[k] for s in samples) for k in samples[0]}
    return {**med, "p99_us": p99, "max_us": max(s["max_us"] for s in samples),
            "raw_p50_us": statistics.median(r["p50_us"] for r in raw),
            "raw_p99_us": statistics.median(r["p99_us"] for r in raw),
            "runs": {"arbot": samples, "raw": raw}}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seconds", type=float, default=5.0, help="measured seconds per run")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--venues", default=",".join(v.value for v in Venue))
    ap.add_argument("--warmup", type=float, default=1.0, help="seconds before measuring")
    ap.add_argument("--rate", type=float, default=10_000.0, help="paced frames/s offered")
    ap.add_argument("--burst", type=int, default=1, help="paced frames per burst")
    args = ap.parse_args()
    venues = [Venue(v.strip()) for v in args.venues.split(",") if v.strip()]

    rows, runs = [], {}
    with tempfile.TemporaryDirectory() as tmp:
        for venue in venues:
            tp = throughput(venue, args)
            print(f"{venue}: {tp['frames_per_s']:,.0f} frames/s "
                  f"(raw {tp['raw_frames_per_s']:,.0f})", flush=True)
            lat = latency(venue, args, Path(tmp))
            print(f"{venue}: p99 {lat['p99_us']:,.0f} µs", flush=True)
            fps, p99 = tp["frames_per_s"], lat["p99_us"]
            rows.append([
                str(venue), fps, tp["quotes_per_s"], tp["raw_frames_per_s"], tp["arbot/raw"],
                "pass" if fps >= TARGET_FRAMES_PER_S else "FAIL",
                lat["sent_per_s"], lat["p50_us"], lat["p90_us"], p99, lat["p99.9_us"],
                lat["max_us"], lat["raw_p50_us"], lat["raw_p99_us"], lat["in_feed_p50_us"],
                lat["in_feed_p99_us"], "pass" if p99 < TARGET_P99_US else "FAIL"])
            runs[str(venue)] = {"throughput": tp.pop("runs"), "latency": lat.pop("runs")}
    columns = ["venue", "frames_per_s", "quotes_per_s", "raw_frames_per_s", "arbot/raw",
               f"fps>={TARGET_FRAMES_PER_S // 1000}k", "sent_per_s", "p50_us", "p90_us",
               "p99_us", "p99.9_us", "max_us", "raw_p50_us", "raw_p99_us", "in_feed_p50_us",
               "in_feed_p99_us", f"p99<{TARGET_P99_US:g}us"]
    emit("feed", columns, rows, extra={
        "targets": {"frames_per_s": TARGET_FRAMES_PER_S, "p99_us": TARGET_P99_US},
        "method": {"seconds": args.seconds, "warmup_s": args.warmup, "runs": args.runs,
                   "rate": args.rate, "burst": args.burst, "symbols": list(DEFAULT_SYMBOLS),
                   "medians": "over runs; arbot/raw is the median of per-run ratios; "
                              "max_us is the worst run's"},
        "runs": runs})


if __name__ == "__main__":
    main()
