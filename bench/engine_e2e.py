"""End to end for bench/engine.py: the simulator in a child process, the real Runtime here.

The child (`python bench/engine_e2e.py sender [--out F.npz]`) is `SimServer` on 127.0.0.1
at 2,500 frames/s on each venue's one connection (10,000 quotes/s in all; one frame is
one quote), 4 symbols, 8 dislocations/s of 30 bps for 0.2 s (many episodes, and a
far hotter slow path than a real market). To know when each data frame left, its sessions
are a subclass that appends `time.time_ns()` (taken after encoding, just before the
socket write) and the frame's bid in ticks to a per-connection log; the class is swapped
into `arbot.sim.server` in the child only. On stdin EOF it writes the logs to an .npz
and exits, so a parent that dies never leaves it behind.

Here: `Runtime` with each venue's URLs pointed at the child, record_quotes = "all", and
a probe sink after the engine. On an OPEN event the probe stamps `time.time_ns()` and
takes the trigger quote (of `first.buy`/`first.sell`, the later received); the quote the
fan-out hands the probe next must be that very object, and its place on its venue's one
connection is k: it pairs with the k-th logged frame, checked by bid. Reported:
(a) frame sent -> episode opened, (b) `Quote.ts_recv_ns` -> episode opened, the lag of a
10 ms sleep loop, rows written/s and thinned, and in a soak, VmRSS every 5 s.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from array import array
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import arbot.sim.publicws as sim_publicws
import arbot.sim.server as sim_server
from arbot.config import ArbotSettings
from arbot.config.run import with_endpoints
from arbot.domain import EpisodeEvent, EpisodeKind, FeedStatus, Quote, Venue
from arbot.events import Sink
from arbot.runtime import Runtime
from arbot.sim import Dislocations, SimConfig, SimServer
from arbot.sim.config import DEFAULT_SYMBOLS
from arbot.sim.instruments import Catalog
from arbot.sim.session import Session
from arbot.sim.wire import Sub
from bench.child import ChildProcess

HOST = "127.0.0.1"
OFFERED = 10_000.0  # quotes/s across the four venues, one connection each
DISLOCATIONS = Dislocations(rate_per_s=8.0, size_bps=30.0, life_s=0.2)
WARMUP_S, SOAK_WARMUP_S = 3.0, 30.0
LAG_STEP_S, RSS_EVERY_S = 0.010, 5.0


# --- the child ----------------------------------------------------------------------

class StampedSession(Session):
    """A simulator session that logs (send time, bid ticks) for every data frame."""

    logs: ClassVar[dict[Venue, list[tuple[array[int], array[int]]]]] = {}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._log: tuple[array[int], array[int]] = (array("q"), array("q"))
        self.logs.setdefault(self.venue, []).append(self._log)

    def _frame(self, sub: Sub, shift: int = 0) -> tuple[bytes, bool]:
        out = super()._frame(sub, shift)
        self._log[1].append(self.shared.model.quote(self.venue, sub.symbol).bid)
        self._log[0].append(time.time_ns())
        return out


async def serve(out: str | None) -> None:
    """The simulator at `OFFERED` quotes/s over one connection per venue, until stdin closes."""
    if out:
        sim_publicws.Session = StampedSession  # type: ignore[attr-defined]
    config = SimConfig(host=HOST, symbols=DEFAULT_SYMBOLS, rate=OFFERED / len(Venue),
                       dislocations=DISLOCATIONS)
    async with SimServer(config) as server:
        print(f"port {server.port}", flush=True)
        await asyncio.to_thread(sys.stdin.buffer.read)
    if out:
        arrays: dict[str, Any] = {
            f"{v.value}_{i}_{what}": np.frombuffer(log[j], dtype=np.int64)
            for v, logs in StampedSession.logs.items() for i, log in enumerate(logs)
            for j, what in enumerate(("sent", "bid"))}
        np.savez(out, **arrays)
    print("done", flush=True)


class Child(ChildProcess):
    """The sender as a child process (see bench/child.py)."""

    def __init__(self, out: Path | None) -> None:
        super().__init__(Path(__file__).resolve(), "sender",
                         *(["--out", str(out)] if out else []), name="the sender")

    def finish(self) -> None:
        """Close its stdin and wait for it to save its log."""
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        said = self.line(30.0)
        if said != "done":
            raise RuntimeError(f"the sender did not finish: {said!r}")

    def settings(self, db: Path) -> ArbotSettings:
        base = ArbotSettings.model_validate({
            "market": {"symbols": list(DEFAULT_SYMBOLS)},
            "storage": {"path": str(db), "record_quotes": "all"}})
        urls = {v: (f"ws://{HOST}:{self.port}/{v.value}{sim_server.PROTOCOLS[v].ws_paths[0]}",
                    f"http://{HOST}:{self.port}/{v.value}") for v in Venue}
        return with_endpoints(base, urls)


# --- this process -------------------------------------------------------------------

class Probe(Sink):
    """A runtime sink after the engine: quotes per venue and every episode open's trigger."""

    def __init__(self, pairing: bool) -> None:
        self.count = dict.fromkeys(Venue, 0)
        self.pairing = pairing  # keep (venue, symbol, k, bid, t) of each open, for (a)
        self.measuring = False
        self.opens = 0
        self.unpaired = 0  # opens whose trigger was not the quote being processed
        self.recv_to_open = array("q")  # (b), ns
        self.paired: list[tuple[Venue, str, int, float, int]] = []  # venue, symbol, k, bid, t
        self.open_symbols: dict[str, int] = {}  # the engine's, once it exists
        self.measured = self.slow = 0  # quotes; those whose symbol had an open episode
        self._pending: list[tuple[Quote, int]] = []

    def on_episode(self, event: EpisodeEvent) -> None:
        if event.kind is EpisodeKind.OPEN and self.measuring:
            now = time.time_ns()
            first = event.episode.first
            trigger = first.buy if first.buy.ts_recv_ns >= first.sell.ts_recv_ns else first.sell
            self._pending.append((trigger, now))

    def on_quote(self, q: Quote) -> None:
        for trigger, t in self._pending:
            self.opens += 1
            if trigger is not q:
                self.unpaired += 1
                continue
            self.recv_to_open.append(t - q.ts_recv_ns)
            if self.pairing:
                self.paired.append((q.venue, q.symbol, self.count[q.venue], q.bid, t))
        self._pending.clear()
        self.count[q.venue] += 1
        if self.measuring:
            self.measured += 1
            self.slow += q.symbol in self.open_symbols

    def on_feed_status(self, status: FeedStatus) -> None:
        pass


class CpuMeter:
    """CPU used between `__init__` and `cores()`, in cores: this process, a child, the rest
    of the machine (other people's work on a shared box shows in the tails)."""

    HZ = os.sysconf("SC_CLK_TCK")

    def __init__(self, child: int | None = None) -> None:
        self.child = child
        self.start = self._now()

    def _now(self) -> tuple[float, float, float, float]:
        cpu = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
        busy = sum(cpu) - cpu[3] - cpu[4]  # all but idle and iowait
        return (time.monotonic(), busy / self.HZ, self._proc("self"),
                self._proc(self.child) if self.child else 0.0)

    def _proc(self, pid: int | str) -> float:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / self.HZ  # utime + stime, all threads

    def cores(self) -> dict[str, float]:
        t, busy, mine, child = (b - a for a, b in zip(self.start, self._now(), strict=True))
        return {"this": mine / t, "child": child / t, "others": max(0.0, busy - mine - child) / t}


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


async def lag_loop(out: array[float]) -> None:
    """How late a 10 ms sleep wakes up, in ms, over and over."""
    while True:
        start = time.perf_counter()
        await asyncio.sleep(LAG_STEP_S)
        out.append((time.perf_counter() - start - LAG_STEP_S) * 1e3)


async def measure(settings: ArbotSettings, probe: Probe, warmup_s: float, seconds: float,
                  child: int) -> dict[str, Any]:
    """Run the runtime for `warmup_s + seconds`; counters over the measured part."""
    lag: array[float] = array("d")
    rss: list[float] = []
    stop = asyncio.Event()
    async with Runtime(settings, sinks=[probe]) as rt:
        assert rt.writer is not None
        runner = asyncio.create_task(rt.run(stop), name="bench-runtime")
        await asyncio.sleep(warmup_s)
        stats = rt.writer.stats
        rows0, quotes0, t0 = stats.rows_written["quotes"], sum(probe.count.values()), time.time_ns()
        assert rt.engine is not None
        probe.open_symbols = rt.engine.episodes.open_symbols
        probe.measuring = True
        cpu = CpuMeter(child)
        lagger = asyncio.create_task(lag_loop(lag), name="bench-lag")
        rss.append(rss_mb())
        end = time.monotonic() + seconds
        while (left := end - time.monotonic()) > 0:
            await asyncio.sleep(min(RSS_EVERY_S, left))
            rss.append(rss_mb())
        probe.measuring = False
        cores = cpu.cores()
        span = (time.time_ns() - t0) / 1e9
        rows = stats.rows_written["quotes"] - rows0
        quotes = sum(probe.count.values()) - quotes0
        lagger.cancel()
        stop.set()
        await asyncio.gather(runner, lagger, return_exceptions=True)
        feeds = [(str(f.adapter.venue), f.connection, f.reconnects, f.drops.as_dict())
                 for f in rt.feeds]
    return {"span_s": span, "t0_ns": t0, "t1_ns": t0 + round(span * 1e9),
            "quotes_per_s": quotes / span, "rows_per_s": rows / span,
            "thinned": stats.quotes_thinned, "rejected": stats.rows_rejected["quotes"],
            "lag_ms": np.frombuffer(lag, dtype=np.float64), "rss_mb": rss, "feeds": feeds,
            "cores": cores}


def pair(probe: Probe, log: Any) -> tuple[np.ndarray, int]:
    """(a) in ns for every paired open, and how many pairings the log contradicts.

    A trigger is the first frame with a dislocated price, so pairing too early (a lost
    quote) shows as a different bid, and a shift to another symbol too; pairing too late
    (an extra quote) shows as a frame sent after the open."""
    specs = Catalog(DEFAULT_SYMBOLS).by_symbol
    out, bad = [], 0
    for venue, symbol, k, bid, t in probe.paired:
        sent, bids = log[f"{venue.value}_0_sent"], log[f"{venue.value}_0_bid"]
        if k >= len(sent) or round(bid / specs[symbol].rules[venue].tick) != bids[k] \
                or sent[k] > t:
            bad += 1
            continue
        out.append(t - int(sent[k]))
    return np.array(out, dtype=np.int64), bad


def run(seconds: float, warmup_s: float, stamped: bool) -> tuple[Probe, dict[str, Any]]:
    """One end-to-end run; with `stamped`, frame-sent -> open latencies too."""
    with tempfile.TemporaryDirectory(prefix="arbot-bench-") as tmp:
        out = Path(tmp) / "sent.npz" if stamped else None
        with Child(out) as child:
            probe = Probe(pairing=stamped)
            m = asyncio.run(measure(child.settings(Path(tmp) / "bench.db"), probe, warmup_s,
                                    seconds, child.proc.pid))
            child.finish()
        if out is not None:
            with np.load(out) as log:
                sessions = sum(k.endswith("_sent") for k in log.files)
                a, bad = pair(probe, log)
                sent = np.concatenate([log[f"{v.value}_0_sent"] for v in Venue])
            m["sent_to_open_ms"] = a / 1e6
            m["mismatched"] = bad
            m["sessions"] = sessions
            m["offered_per_s"] = int(((sent >= m["t0_ns"]) & (sent < m["t1_ns"])).sum()) \
                / m["span_s"]
    m["recv_to_open_ms"] = np.frombuffer(probe.recv_to_open, dtype=np.int64) / 1e6
    return probe, m


def main() -> None:
    ap = argparse.ArgumentParser(description="the simulator child of bench/engine.py")
    ap.add_argument("mode", choices=["sender"])
    ap.add_argument("--out", help="log every data frame and save the log here (.npz)")
    asyncio.run(serve(ap.parse_args().out))


if __name__ == "__main__":
    main()
