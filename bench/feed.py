"""One venue connection end to end: frames/s received and parsed, and the latency from
the sender's socket write to the Quote in the sink at 10,000 frames/s offered.

Throughput: the simulator in flood mode runs in a child process (bench/feed_sender.py
flood), so on a two-core machine the client has a core of its own. One `Feed` (the
venue's real adapter and parser, the real aiohttp client via `aiohttp_connect`) delivers
to a sink that only counts; after a warm-up, frames and quotes are counted for --seconds.
In the same run and on the same flood, the bare aiohttp loop (`await ws.receive()` and
a counter) gives the ceiling, so `arbot/raw` shows what ArBot's own code costs.

Latency: a paced child (bench/feed_sender.py paced) writes the simulator's encoding of
each venue's L1 frames at --rate frames/s, --burst frames per write batch, one write
per frame, stamping `time.time_ns()` just before each write. The sink stamps
`time.time_ns()` when `on_quote` is called. TCP keeps order and every data frame is one
quote, so the k-th stamp pairs with the k-th quote; the warm-up frames are dropped.
`in_feed_p50_us` is the part from `Quote.ts_recv_ns` (right after `ws.receive()`
returns) to the sink: parse and the feed loop; the rest is kernel, event loop and aiohttp.

Caveats. Loopback only: no NIC, no TLS, no network jitter, no permessage-deflate on data
frames; both processes share one machine and one wall clock (no skew between them, though
an NTP step during a run would show). The paced sender spins to hit 100 µs gaps, which a
timer cannot; it still gets preempted now and then, so the offered rate is reported as
measured. The sinks do nothing: the runtime's fan-out (board, recorder) comes on top.
GC stays on, as in the product. Other load on the machine shows in the tails.

    python bench/feed.py [--seconds 5] [--runs 3] [--venues binance,bybit,okx,bitget]
                         [--warmup 1] [--rate 10000] [--burst 1]
"""

from __future__ import annotations

import argparse
import asyncio
import queue
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiohttp
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from arbot.domain import FeedStatus, Quote, Venue
from arbot.exchanges import adapter_for
from arbot.exchanges.feed import Feed, FeedTiming, aiohttp_connect
from arbot.exchanges.symbols import SymbolMap
from arbot.sim.config import DEFAULT_SYMBOLS
from arbot.sim.server import PROTOCOLS
from bench.report import emit, median_of

SENDER = Path(__file__).resolve().with_name("feed_sender.py")
TARGET_FRAMES_PER_S = 200_000
TARGET_P99_US = 1_000.0
# Nothing may reconnect mid-measurement: watchdogs well beyond a run's pauses.
TIMING = FeedTiming(stale_after_s=30.0, silence_s=60.0)
START_S = 30.0


class Sender:
    """A feed_sender.py child process, killed on leaving the `with` whatever happened.

    Its stdin stays open while we live; if this process dies, the child sees EOF and exits.
    """

    def __init__(self, *args: str) -> None:
        self.proc = subprocess.Popen([sys.executable, str(SENDER), *args],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self._lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self._lines.put(line.strip())
        self._lines.put("exited")

    def line(self, timeout: float) -> str:
        try:
            return self._lines.get(timeout=timeout)
        except queue.Empty:
            raise TimeoutError(f"feed_sender said nothing for {timeout:g} s") from None

    def __enter__(self) -> Sender:
        try:
            first = self.line(START_S)
            if not first.startswith("port "):
                raise RuntimeError(f"feed_sender did not start: {first!r}")
            self.port = int(first.split()[1])
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()

    def url(self, venue: Venue) -> str:
        return f"ws://127.0.0.1:{self.port}/{venue.value}{PROTOCOLS[venue].ws_paths[0]}"


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


def venue_ids(venue: Venue) -> SymbolMap:
    return SymbolMap.from_symbols(venue, DEFAULT_SYMBOLS, adapter_for(venue).venue_id)


def make_feed(venue: Venue, url: str, sink: CountingSink | StampingSink,
              session: aiohttp.ClientSession) -> Feed:
    smap = venue_ids(venue)
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


async def feed_rates(venue: Venue, url: str, warmup: float, seconds: float
                     ) -> tuple[float, float]:
    """ArBot's frames/s and quotes/s on one flooded connection."""
    sink = CountingSink()
    async with aiohttp.ClientSession() as session:
        feed = make_feed(venue, url, sink, session)
        task = asyncio.create_task(feed.run(), name=f"bench-feed-{venue}")
        try:
            await until(lambda: sink.quotes > 0, 10.0,
                        f"{venue}: no quote ({feed.state}, {feed.last_error})")
            rates = await count_for(lambda: (feed.frames, sink.quotes), warmup, seconds)
        finally:
            await stop(task)
    if feed.reconnects:
        raise RuntimeError(f"{venue}: the feed reconnected mid-run: {feed.last_error}")
    return rates


async def raw_rate(venue: Venue, url: str, warmup: float, seconds: float) -> float:
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

    smap = venue_ids(venue)
    subscribe = adapter_for(venue).subscribe_frames(
        [smap.to_venue(s) for s in smap.canonical_symbols()])
    async with aiohttp.ClientSession() as session, aiohttp_connect(session, TIMING)(url) as ws:
        for frame in subscribe:
            await ws.send_str(frame)
        task = asyncio.create_task(receive(ws), name=f"bench-raw-{venue}")
        try:
            await until(lambda: frames > 10, 10.0, f"{venue}: no frames")
            rate, _ = await count_for(lambda: (frames, 0), warmup, seconds)
            if task.done():
                task.result()
        finally:
            await stop(task)
    return rate


async def latencies(venue: Venue, sender: Sender, n: int, out: Path, wait_s: float
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Send stamps, sink stamps and receive stamps of `n` paced frames, in order."""
    sink = StampingSink()
    async with aiohttp.ClientSession() as session:
        feed = make_feed(venue, sender.url(venue), sink, session)
        task = asyncio.create_task(feed.run(), name=f"bench-feed-{venue}")
        try:
            said = await asyncio.to_thread(sender.line, wait_s)
            if said != "done":
                raise RuntimeError(f"{venue}: feed_sender: {said}")
            await until(lambda: len(sink.sink_ns) >= n, 10.0, f"{venue}: not all quotes came")
            await asyncio.sleep(0.1)  # an extra quote would break the pairing: let it show
        finally:
            await stop(task)
    if len(sink.sink_ns) != n or feed.reconnects:
        raise RuntimeError(f"{venue}: {n} frames sent, {len(sink.sink_ns)} quotes, "
                           f"{feed.reconnects} reconnects ({feed.last_error})")
    return np.load(out), np.array(sink.sink_ns), np.array(sink.recv_ns)


def latency_run(venue: Venue, args: argparse.Namespace, tmp: Path) -> dict[str, float]:
    """One paced run: percentiles in µs over the frames after the warm-up."""
    n = round(args.rate * (args.warmup + args.seconds))
    skip = round(args.rate * args.warmup)
    out = tmp / f"{venue}.npy"
    with Sender("paced", "--venue", venue.value, "--rate", str(args.rate), "--frames", str(n),
                "--burst", str(args.burst), "--out", str(out)) as sender:
        sent, sunk, recv = asyncio.run(latencies(venue, sender, n, out,
                                                 3 * (args.warmup + args.seconds) + 10))
    lat = (sunk - sent)[skip:] / 1e3
    if lat.min() < 0:
        raise RuntimeError(f"{venue}: a quote before its frame was sent ({lat.min():.1f} µs)")
    p50, p90, p99, p999 = np.percentile(lat, [50, 90, 99, 99.9])
    return {"sent_per_s": (len(sent) - skip - 1) / ((sent[-1] - sent[skip]) / 1e9),
            "p50_us": p50, "p90_us": p90, "p99_us": p99, "p99.9_us": p999,
            "max_us": float(lat.max()),
            "in_feed_p50_us": float(np.median((sunk - recv)[skip:]) / 1e3)}


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
    throughput: dict[Venue, tuple[float, list[float], list[float], list[float]]] = {}
    with Sender("flood") as flood:
        for venue in venues:
            url = flood.url(venue)
            quotes: list[float] = []
            raw: list[float] = []

            def arbot_then_raw(venue: Venue = venue, url: str = url,
                               quotes: list[float] = quotes, raw: list[float] = raw) -> float:
                fps, qps = asyncio.run(feed_rates(venue, url, args.warmup, args.seconds))
                quotes.append(qps)
                raw.append(asyncio.run(raw_rate(venue, url, args.warmup, args.seconds)))
                return fps

            fps, samples = median_of(args.runs, arbot_then_raw)
            throughput[venue] = fps, samples, quotes, raw
            print(f"{venue}: {fps:,.0f} frames/s (raw {statistics.median(raw):,.0f})",
                  flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        for venue in venues:
            lat: list[dict[str, float]] = []

            def one(venue: Venue = venue, lat: list[dict[str, float]] = lat) -> float:
                lat.append(latency_run(venue, args, Path(tmp)))
                return lat[-1]["p99_us"]

            p99, _ = median_of(args.runs, one)
            med = {k: statistics.median(s[k] for s in lat) for k in lat[0]}
            med["max_us"] = max(s["max_us"] for s in lat)
            fps, samples, quotes, raw = throughput[venue]
            ratio = statistics.median(a / r for a, r in zip(samples, raw, strict=True))
            rows.append([str(venue), fps, statistics.median(quotes), statistics.median(raw),
                         ratio, TARGET_FRAMES_PER_S,
                         "pass" if fps >= TARGET_FRAMES_PER_S else "FAIL",
                         med["sent_per_s"], med["p50_us"], med["p90_us"], p99, med["p99.9_us"],
                         med["max_us"], med["in_feed_p50_us"], TARGET_P99_US,
                         "pass" if p99 < TARGET_P99_US else "FAIL"])
            runs[str(venue)] = {"frames_per_s": samples, "quotes_per_s": quotes,
                                "raw_frames_per_s": raw, "latency": lat}
            print(f"{venue}: p99 {p99:,.0f} µs", flush=True)
    columns = ["venue", "frames_per_s", "quotes_per_s", "raw_frames_per_s", "arbot/raw",
               "target_fps", "fps", "sent_per_s", "p50_us", "p90_us", "p99_us", "p99.9_us",
               "max_us", "in_feed_p50_us", "target_p99_us", "p99"]
    emit("feed", columns, rows, extra={
        "method": {"seconds": args.seconds, "warmup_s": args.warmup, "runs": args.runs,
                   "rate": args.rate, "burst": args.burst, "symbols": list(DEFAULT_SYMBOLS),
                   "medians": "over runs; arbot/raw is the median of per-run ratios; "
                              "max_us is the worst over runs"},
        "runs": runs})


if __name__ == "__main__":
    main()
