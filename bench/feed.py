"""One venue connection end to end with the real engine behind it: frames/s through
receive, parse, gate and engine, and tick to signal, the latency from the sender's socket
write to the moment `Engine.on_quote` has judged the quote, at 10,000 frames/s offered.

Throughput (bench/feed_flood.py): the simulator in flood mode runs in a child process
(bench/feed_sender.py flood), so on a two-core machine the client has a core of its own.
One `Feed` (the venue's real adapter and parser, the real aiohttp client) delivers to the
real `Engine` (bench/feed_common.py); after a warm-up, frames and quotes are counted for
--seconds. In the same run, on a flood of the same frames, the bare aiohttp loop (`await
ws.receive()` and a counter) gives the ceiling, so `arbot/raw` shows what ArBot costs.

Tick to signal: a paced child (bench/feed_sender.py paced) writes the simulator's
encoding of the venue's L1 frames at --rate frames/s (--burst frames at a time), one
socket write per frame, stamping `time.time_ns()` just before each write. The engine sink
stamps `time.time_ns()` once `Engine.on_quote` returns. TCP keeps order and every data
frame is one quote, so the k-th stamps pair up; warm-up frames are dropped.
`in_feed_p50_us` is the part from `Quote.ts_recv_ns` (taken right after `ws.receive()`
returns) to the signal: ArBot's parse, gate, loop and engine. In the same run the bare
aiohttp loop, stamping right after `ws.receive()`, takes an identical stream: its
`raw_p50_us`/`raw_p99_us` are the anchor the kernel, event loop and aiohttp set. The
GOAL is on the median over venues of each venue's tick-to-signal p50.

Caveats. Loopback only: no NIC, no TLS, no network jitter, uncompressed data frames.
Both processes share one machine and one wall clock, so there is no skew between the
stamps. The paced sender spins to hit 100 µs gaps; it is still preempted now and then,
so the offered rate is reported as measured. One venue per run: the engine sees one
venue's quotes (no cross-venue episode opens), and nothing else (board, recorder, TUI)
is behind it. GC stays on, as in the product. On a shared VM the tails follow the host's
scheduling stalls: compare them with the raw columns of the same run.

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
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import aiohttp
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from arbot.domain import Venue
from arbot.sim.config import DEFAULT_SYMBOLS
from bench.feed_common import EngineSink, make_feed, raw_socket, stop, until
from bench.feed_flood import throughput
from bench.feed_sender import Sender
from bench.report import emit, goal, median_of

TARGET_FRAMES_PER_S = 200_000
TARGET_P99_US = 1_000.0
GOAL_TICK_TO_SIGNAL_P50_US = 70.0


# Paced runs: each returns, per data frame in order, (delivered_ns, received_ns).
Stamps = tuple[np.ndarray, np.ndarray]


async def feed_stamps(venue: Venue, sender: Sender, n: int, wait_s: float) -> Stamps:
    """ArBot: the clock once the engine has judged each quote, and `Quote.ts_recv_ns`."""
    sink = EngineSink(stamp=True)
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
    p50 = statistics.median(float(r[7]) for r in rows)
    raw = statistics.median(float(r[12]) for r in rows)
    print(f"tick to signal p50 {p50:.1f} us, bare aiohttp anchor p50 {raw:.1f} us "
          f"(ArBot adds {p50 - raw:.1f} us)")
    goal("tick_to_signal_p50", p50, "us", f"<={GOAL_TICK_TO_SIGNAL_P50_US:g}",
         p50 <= GOAL_TICK_TO_SIGNAL_P50_US)


if __name__ == "__main__":
    main()
