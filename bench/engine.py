"""Quotes/s through the engine and what the quote that opens an episode costs, today's code
against an older one (default `main`) in the same run; and end to end.

Throughput: a pre-built stream of `Quote`s for 4 venues and N symbols goes through
`Engine.on_quote` with the default settings (fees, filters), no feeds and no I/O. Each
(venue, symbol) book updates 20 times a second of stream time, so one symbol's traffic
does not depend on how many symbols are watched; a hidden fair price random-walks and
every venue quotes around it with its own spread (1-2 bps) and jitter. Now and then
(0.02/s per symbol) one venue is dislocated by 30 bps for 0.5 s: a real, net-profitable
cross, so the slow path (detector, fees, size, filters, episodes) runs at a realistic
rate; `slow_%` is the share of quotes that took it (counted in an untimed pass).
Variants: `replay` (clock=None: freshness and trend sampling on each quote's receive time;
the same work per quote at every symbol count), `live` (`time.monotonic_ns` per quote)
and `quiet` (the same market without dislocations: the hot path alone). Each sample is a
fresh engine, warmed up on the stream's first quarter untimed (every symbol's slot and
trend history made, as they are in a long run) and timed on the rest; `--runs` rounds
run every (symbols, variant, code) back to back, alternating which code goes first, and
the best sample is reported (the machine is shared: the best is the least disturbed).
`flat` is a code's replay rate at N symbols over its rate at the fewest. GC stays on.

Each code runs in its own worker process (`--worker`, arbot imported from its tree; the
old one is `git archive`d into a temp directory), fed commands one at a time, so the two
never run at once. Episode open: every `on_quote` of the replay stream timed alone, the
ones that opened an episode kept (`stream`: caches as a real stream leaves them), and a
symbol whose gap opens and closes over and over (`warm`).

End to end (bench/engine_e2e.py, today's code only): the simulator in a child process at
10,000 quotes/s offered, the real `Runtime` here (aiohttp feeds, parsers, engine, SQLite
writer with record_quotes = "all"); frame-sent -> episode-opened latency, event-loop lag,
rows written/s. With --soak S the same setup runs S seconds after a 30 s warm-up,
sampling resident memory every 5 s.

    python bench/engine.py [--runs 7] [--symbols 10,1000] [--quotes 200000] [--old main]
                           [--e2e-seconds 20] [--soak 0]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.report import emit, goal  # noqa: E402  (bench from here, arbot from TREE)

TREE = os.environ.get("ARBOT_BENCH_TREE")  # a worker's checkout of the code it measures
if TREE:
    sys.path.insert(0, TREE)

from arbot.config import ArbotSettings  # noqa: E402
from arbot.domain import EpisodeEvent, EpisodeKind, Quote, Venue  # noqa: E402
from arbot.engine.engine import Engine  # noqa: E402
from arbot.engine.freshness import Liveness  # noqa: E402

VENUES = tuple(Venue)
SPREAD_BPS = {Venue.BINANCE: 1.0, Venue.BYBIT: 1.6, Venue.OKX: 1.2, Venue.BITGET: 2.0}
JITTER_BPS = 0.25  # each venue's mid around the fair price, per quote
STEP_BPS = 0.1  # the fair price's random walk, per quote of the symbol
BOOK_HZ = 20.0  # updates per second of stream time, per (venue, symbol)
DISLOCATE_HZ = 0.02  # per symbol
DISLOCATE_BPS = 30.0  # beyond both 10 bps taker fees and the 5 bps minimum
DISLOCATE_S = 0.5
T0_NS = 1_750_000_000_000_000_000
WARM_OPENS = 2000
TARGET_QPS, TARGET_FLAT, TARGET_OPEN_US = 1_000_000, 0.85, 15.0
TARGET_P99_MS, TARGET_LAG_P99_MS, TARGET_GROWTH_MB = 2.0, 10.0, 20.0
QUIET_CORES = 0.25  # other processes' CPU above this: the tails say more about them
VARIANTS = ("replay", "live", "quiet")


class OpenCounter:
    """The episode sink: counts opens, nothing else."""

    def __init__(self) -> None:
        self.opened = 0

    def on_episode(self, event: EpisodeEvent) -> None:
        self.opened += event.kind is EpisodeKind.OPEN


def quote_stream(n_symbols: int, n_quotes: int, seed: int = 0, dislocate: bool = True
                 ) -> list[Quote]:
    """`n_quotes` quotes over 4 venues and `n_symbols` symbols, in receive order."""
    rng = random.Random(seed)
    symbols = [f"C{i:04d}-USDT" for i in range(n_symbols)]
    fair = [10.0 ** rng.uniform(-1.0, 4.5) for _ in symbols]
    offset = [[0.0] * len(VENUES) for _ in symbols]
    until = [[0] * len(VENUES) for _ in symbols]
    dt_ns = round(1e9 / (BOOK_HZ * len(VENUES) * n_symbols))
    span_s = n_quotes * dt_ns / 1e9
    n_events = int(np.random.default_rng(seed).poisson(DISLOCATE_HZ * n_symbols * span_s))
    events = sorted(
        (T0_NS + round(rng.uniform(0.0, span_s) * 1e9), rng.randrange(n_symbols),
         rng.randrange(len(VENUES)), rng.choice((-1.0, 1.0)))
        for _ in range(n_events if dislocate else 0))
    life_ns = round(DISLOCATE_S * 1e9)
    half = {v: SPREAD_BPS[v] / 2e4 for v in VENUES}
    out: list[Quote] = []
    e = 0
    for k in range(n_quotes):
        t = T0_NS + k * dt_ns
        while e < len(events) and events[e][0] <= t:
            _, s, v, sign = events[e]
            offset[s][v], until[s][v] = sign * DISLOCATE_BPS, events[e][0] + life_ns
            e += 1
        s, v = rng.randrange(n_symbols), rng.randrange(len(VENUES))
        fair[s] *= 1.0 + rng.gauss(0.0, STEP_BPS) / 1e4
        if until[s][v] <= t:
            offset[s][v] = 0.0
        venue = VENUES[v]
        mid = fair[s] * (1.0 + (offset[s][v] + rng.gauss(0.0, JITTER_BPS)) / 1e4)
        bid, ask = mid * (1.0 - half[venue]), mid * (1.0 + half[venue])
        size = 20_000.0 / mid
        out.append(Quote(venue=venue, symbol=symbols[s], bid=bid,
                         bid_size=size * rng.lognormvariate(0.0, 0.5), ask=ask,
                         ask_size=size * rng.lognormvariate(0.0, 0.5),
                         ts_exchange_ms=(t - 3_000_000) // 1_000_000, ts_recv_ns=t))
    return out


# --- the worker: one code's engine, timed on command --------------------------------

Clock = Callable[[], int] | None


class Worker:
    """Streams built once per symbol count; each command is one measurement."""

    def __init__(self) -> None:
        self.settings = ArbotSettings()
        self.streams: dict[tuple[int, str], list[Quote]] = {}

    def stream(self, n: int, variant: str) -> list[Quote]:
        kind = "quiet" if variant == "quiet" else "market"
        if (n, kind) not in self.streams:
            self.streams[(n, kind)] = quote_stream(n, self.quotes, dislocate=kind == "market")
        return self.streams[(n, kind)]

    def engine(self, clock: Clock) -> tuple[Engine, OpenCounter]:
        sink = OpenCounter()
        return Engine(self.settings, sink, clock=clock, liveness=Liveness.ALWAYS), sink

    def prepare(self, n: int) -> dict[str, Any]:
        """Build the streams, warm the code up, and count the slow path (untimed)."""
        for variant in VARIANTS:
            self.time(n, variant)
        engine, sink = self.engine(None)
        slow = 0
        evaluate = engine._evaluate

        def counted(*args: Any) -> None:
            nonlocal slow
            slow += 1
            evaluate(*args)

        engine._evaluate = counted  # type: ignore[method-assign,assignment]
        stream = self.stream(n, "replay")
        for q in stream:
            engine.on_quote(q)
        return {"slow_pct": 100.0 * slow / len(stream), "episodes": sink.opened,
                "funnel": engine.funnel.as_dict()}

    def time(self, n: int, variant: str) -> float:
        """Seconds per quote for a fresh engine over the stream after its first quarter,
        which warms the engine up untimed (every symbol's state made, as in a long run)."""
        stream = self.stream(n, variant)
        warm = len(stream) // 4
        engine, _ = self.engine(time.monotonic_ns if variant == "live" else None)
        on_quote = engine.on_quote
        for q in stream[:warm]:
            on_quote(q)
        timed = stream[warm:]
        start = time.perf_counter()
        for q in timed:
            on_quote(q)
        return (time.perf_counter() - start) / len(timed)

    def opens(self, n: int) -> list[list[int]]:
        """(ns, episodes opened) of each `on_quote` that opened one, over the replay
        stream (a dislocated venue crosses several others at once)."""
        engine, sink = self.engine(None)
        on_quote, clock = engine.on_quote, time.perf_counter_ns
        out = []
        for q in self.stream(n, "replay"):
            before = sink.opened
            start = clock()
            on_quote(q)
            took = clock() - start
            if sink.opened != before:
                out.append([took, sink.opened - before])
        return out

    def warm(self) -> list[list[int]]:
        """ns of the quote that opens a gap on a symbol where it opened and closed before."""
        engine, sink = self.engine(None)
        clock = time.perf_counter_ns

        def quote(venue: Venue, bid: float, k: int) -> Quote:
            return Quote(venue=venue, symbol="WARM-USDT", bid=bid, bid_size=5.0,
                         ask=bid + 0.1, ask_size=5.0, ts_exchange_ms=None,
                         ts_recv_ns=T0_NS + k * 1_000_000)

        engine.on_quote(quote(Venue.BINANCE, 99.9, 0))
        out = []
        for k in range(1, WARM_OPENS + 1):
            opens, closes = quote(Venue.OKX, 100.5, 2 * k), quote(Venue.OKX, 100.0, 2 * k + 1)
            before = sink.opened
            start = clock()
            engine.on_quote(opens)
            took = clock() - start
            engine.on_quote(closes)
            if sink.opened != before:
                out.append([took, sink.opened - before])
        return out

    def serve(self, quotes: int) -> None:
        self.quotes = quotes
        import arbot
        print(json.dumps({"arbot": str(Path(arbot.__file__).parent)}), flush=True)
        for line in sys.stdin:
            cmd, *args = line.split()
            if cmd == "prepare":
                out: Any = self.prepare(int(args[0]))
            elif cmd == "time":
                out = self.time(int(args[0]), args[1])
            elif cmd == "opens":
                out = self.opens(int(args[0]))
            else:
                out = self.warm()
            print(json.dumps(out), flush=True)


# --- the parent: both codes, interleaved ---------------------------------------------

class Code:
    """A worker process running one tree's engine."""

    def __init__(self, name: str, tree: Path, quotes: int) -> None:
        self.name = name
        env = {**os.environ, "ARBOT_BENCH_TREE": str(tree)}
        self.proc = subprocess.Popen(
            [sys.executable, __file__, "--worker", "--quotes", str(quotes)], env=env,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.imported = self._read()["arbot"]
        if Path(self.imported) != tree / "arbot":
            raise RuntimeError(f"{name}: arbot came from {self.imported}, not {tree}")

    def _read(self) -> Any:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"the {self.name} worker died")
        return json.loads(line)

    def ask(self, *cmd: object) -> Any:
        assert self.proc.stdin is not None
        self.proc.stdin.write(" ".join(map(str, cmd)) + "\n")
        self.proc.stdin.flush()
        return self._read()

    def close(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        self.proc.wait(timeout=30)


def old_tree(ref: str, into: Path) -> Path:
    """`ref`'s arbot package, unpacked under `into`."""
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", ref, "arbot"], check=True,
                             capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into


def pct(a: list[list[int]], q: float, each: bool = False) -> float:
    """Percentile in us of the opening quotes' times (`each`: per episode opened)."""
    if not a:
        return float("nan")
    ns = np.array([t / k if each else t for t, k in a], dtype=np.float64)
    return float(np.percentile(ns / 1e3, q))


Goal = tuple[str, float, str, str, bool]


def compare(args: argparse.Namespace, codes: list[Code]) -> list[Goal]:
    """Throughput and episode-open tables, both codes; returns the goals, judged."""
    from bench.engine_e2e import CpuMeter

    prepared = {(c.name, n): c.ask("prepare", n) for n in args.symbols for c in codes}
    best: dict[tuple[str, int, str], list[float]] = {}
    opens: dict[tuple[str, int], list[list[int]]] = {}
    cpu = CpuMeter()
    for r in range(args.runs):
        order = codes if r % 2 == 0 else codes[::-1]
        for n in args.symbols:
            for variant in VARIANTS:
                for c in order:
                    best.setdefault((c.name, n, variant), []).append(c.ask("time", n, variant))
            for c in order:
                opens.setdefault((c.name, n), []).extend(c.ask("opens", n))
        print(f"round {r + 1}/{args.runs}", flush=True)
    warm = {c.name: c.ask("warm") for c in codes}
    others = cpu.cores()["others"]
    qps = {k: 1.0 / min(v) for k, v in best.items()}
    low, high = min(args.symbols), max(args.symbols)
    rows = []
    for n in args.symbols:
        for c in codes:
            p = prepared[(c.name, n)]
            rows.append([n, c.name, p["slow_pct"],
                         p["episodes"], qps[(c.name, n, "replay")], qps[(c.name, n, "live")],
                         1e9 / qps[(c.name, n, "quiet")],
                         qps[(c.name, n, "replay")] / qps[(c.name, low, "replay")],
                         qps[(c.name, n, "replay")] / qps[(codes[-1].name, n, "replay")]])
    emit("engine", ["symbols", "code", "slow_%", "episodes", "replay_qps", "live_qps",
                    "quiet_ns", "flat", "vs_" + codes[-1].name], rows, extra={
        "method": {"runs": args.runs, "quotes_per_run": args.quotes, "book_hz": BOOK_HZ,
                   "dislocations": {"per_symbol_hz": DISLOCATE_HZ, "bps": DISLOCATE_BPS,
                                    "life_s": DISLOCATE_S},
                   "best_of": "rates are the best of --runs samples", "old": args.old,
                   "others_cores": others},
        "samples_s_per_quote": {f"{k[0]}/{k[1]}/{k[2]}": v for k, v in best.items()},
        "prepared": {f"{k[0]}/{k[1]}": v for k, v in prepared.items()}})
    samples = {**{(f"stream {n} sym", c.name): opens[(c.name, n)]
                  for n in args.symbols for c in codes},
               **{("warm", c.name): warm[c.name] for c in codes}}
    open_rows = [[where, code, len(a), sum(k for _, k in a) / max(1, len(a)), pct(a, 50),
                  pct(a, 99), pct(a, 50, each=True)] for (where, code), a in samples.items()]
    print()
    emit("engine_open", ["episode open", "code", "quotes", "opened_each", "p50_us", "p99_us",
                         "p50_us_per_episode"], open_rows, extra={"others_cores": others})
    print(f"\nother processes used {others:.2f} cores meanwhile")
    new = codes[0].name
    rate = min(qps[(new, n, v)] for n in args.symbols for v in ("replay", "live"))
    flat = qps[(new, high, "replay")] / qps[(new, low, "replay")]
    p50 = pct([t for n in args.symbols for t in opens[(new, n)]], 50)
    return [("engine_quotes_per_s", rate, "quotes/s", f">={TARGET_QPS}", rate >= TARGET_QPS),
            (f"engine_flatness_{high}_vs_{low}", flat, "ratio", f">={TARGET_FLAT}",
             flat >= TARGET_FLAT),
            ("episode_open_p50", p50, "us", f"<={TARGET_OPEN_US:g}", p50 <= TARGET_OPEN_US)]


# --- end to end (today's code) --------------------------------------------------------

def ms(a: np.ndarray, q: float) -> float:
    return float(np.percentile(a, q)) if a.size else float("nan")


def verdict(value: float, target: float) -> str:
    return "pass" if value < target else "FAIL"


def common_rows(probe: Any, m: dict[str, Any]) -> list[list[object]]:
    b, lag = m["recv_to_open_ms"], m["lag_ms"]
    return [
        ["quotes received/s", m["quotes_per_s"], "", ""],
        ["episodes opened (measured)", probe.opens, "", ""],
        ["  trigger not the current quote", probe.unpaired, "", ""],
        ["quotes on symbols with an open episode %",
         100 * probe.slow / max(1, probe.measured), "", ""],
        ["quote recv -> open p50 ms", ms(b, 50), "", ""],
        ["quote recv -> open p99 ms", ms(b, 99), "", ""],
        ["quote recv -> open max ms", ms(b, 100), "", ""],
        ["loop lag p50 ms", ms(lag, 50), "", ""],
        ["loop lag p99 ms", ms(lag, 99), TARGET_LAG_P99_MS,
         verdict(ms(lag, 99), TARGET_LAG_P99_MS)],
        ["loop lag max ms", ms(lag, 100), "", ""],
        ["rows written/s (quotes)", m["rows_per_s"], "", ""],
        ["quotes thinned (whole run)", m["thinned"], 0, verdict(m["thinned"], 1)],
        ["reconnects", sum(f[2] for f in m["feeds"]), 0, ""],
        ["CPU cores: this process", m["cores"]["this"], "", ""],
        ["CPU cores: simulator child", m["cores"]["child"], "", ""],
        ["CPU cores: other processes", m["cores"]["others"], QUIET_CORES,
         "quiet" if m["cores"]["others"] < QUIET_CORES else "CONTENDED"],
    ]


def e2e_report(seconds: float) -> None:
    from bench.engine_e2e import DISLOCATIONS, OFFERED, WARMUP_S, run

    probe, m = run(seconds, WARMUP_S, stamped=True)
    a = m["sent_to_open_ms"]
    rows = [["quotes offered/s (sender)", m["offered_per_s"], OFFERED, ""],
            ["frame sent -> open p50 ms", ms(a, 50), "", ""],
            ["frame sent -> open p99 ms", ms(a, 99), TARGET_P99_MS,
             verdict(ms(a, 99), TARGET_P99_MS)],
            ["frame sent -> open max ms", ms(a, 100), "", ""],
            ["  opens paired with a sent frame", a.size, "", ""],
            ["  pairings the sender's log contradicts", m["mismatched"], 0,
             verdict(m["mismatched"], 1)],
            *common_rows(probe, m)]
    emit("engine_e2e", ["metric", "value", "target", "result"], rows, extra={
        "method": {"seconds": seconds, "warmup_s": WARMUP_S, "offered": OFFERED,
                   "dislocations": vars(DISLOCATIONS), "sender_sessions": m["sessions"],
                   "feeds": m["feeds"]},
        "samples_ms": {"sent_to_open": a.round(4).tolist(),
                       "recv_to_open": m["recv_to_open_ms"].round(4).tolist()}})


def soak_report(seconds: float) -> None:
    from bench.engine_e2e import OFFERED, RSS_EVERY_S, SOAK_WARMUP_S, run

    probe, m = run(seconds, SOAK_WARMUP_S, stamped=False)
    rss = m["rss_mb"]
    growth = rss[-1] - rss[0]
    rows = [["RSS at start MB (after warm-up)", rss[0], "", ""],
            ["RSS at end MB", rss[-1], "", ""],
            ["RSS growth MB", growth, TARGET_GROWTH_MB, verdict(growth, TARGET_GROWTH_MB)],
            ["RSS max MB", max(rss), "", ""],
            *common_rows(probe, m)]
    emit(f"engine_soak{seconds:g}", ["metric", "value", "target", "result"], rows, extra={
        "method": {"seconds": seconds, "warmup_s": SOAK_WARMUP_S, "rss_every_s": RSS_EVERY_S,
                   "offered": OFFERED, "feeds": m["feeds"],
                   "own_growth": "the probe keeps 8 bytes per lag sample (100/s) and per "
                                 "episode open: ~0.6 MB over 600 s of the growth is the bench"},
        "rss_mb": rss})


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--symbols", default="10,1000",
                    type=lambda s: [int(x) for x in s.split(",") if x.strip()])
    ap.add_argument("--quotes", type=int, default=200_000, help="quotes per run")
    ap.add_argument("--old", default="main",
                    help="git ref of the code to compare with ('' for none)")
    ap.add_argument("--e2e-seconds", type=float, default=20.0,
                    help="measured seconds end to end (0: skip)")
    ap.add_argument("--soak", type=float, default=0.0,
                    help="memory soak: seconds measured after a 30 s warm-up (0: skip)")
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        Worker().serve(args.quotes)
        return
    # A plain `kill` unwinds like Ctrl-C: children are stopped, temp files go.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    goals: list[Goal] = []
    if args.symbols:
        with tempfile.TemporaryDirectory(prefix="arbot-bench-old-") as tmp:
            codes = [Code("new", ROOT, args.quotes)]
            try:
                if args.old:
                    codes.append(Code(args.old, old_tree(args.old, Path(tmp)), args.quotes))
                goals = compare(args, codes)
            finally:
                for c in codes:
                    c.close()
    if args.e2e_seconds > 0:
        print()
        e2e_report(args.e2e_seconds)
    if args.soak > 0:
        print()
        soak_report(args.soak)
    if goals:
        print()
    for g in goals:  # last, so the goals end the output whatever ran
        goal(*g)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(130)
