"""The terminal UI under load, old code against new in the same run: refresh rate with
every screen built, key-press latency, garbage-collection pauses, refresh cost and CPU.

The simulator runs in a child process (`python bench/tui.py sender ...`) serving
--symbols symbols on all four venues, paced so that --rate quotes/s leave it in all. The
simulator paces each connection, and ArBot splits symbols over connections by each
venue's limits (200 symbols: Binance 1, Bybit 1, OKX 2, Bitget 4), so every connection is
paced at rate / connections. Against it, bench/tui_run.py runs the real app (its method
is described there) once per version and round: the old code is --old (default `main`)
unpacked with `git archive`, the new one is this checkout; the order alternates per
round so neither always runs on the warmer machine.

Phases of a run, after every venue is live and every symbol quoted, and --warmup seconds:
1. steady, Prices only: --seconds on the Prices screen, the only screen built yet;
2. key presses: --presses keys via the Pilot (o, t, p, s, escape, repeated; escape
   leaves Settings, where letters type into the form), each at a random moment 0.2-0.6 s
   after the previous; latency is from the key being sent to the end of the first paint
   of the new screen with its data (an ArBot screen counts once its tables are built and
   filled). A screen's first visit builds it and is reported apart;
3. steady, all screens built: --seconds on Prices again.
Per steady phase: refresh ticks/s (between the first and the last tick of the phase, to
0.01 Hz: the timer cannot beat 1000 / --refresh-ms), the refresh handler's time and cells
written per tick, paint time, the lag of a 10 ms sleep loop, quotes/s into the engine,
garbage collections (every generation; full ones apart) and how long each stopped the
process (`gc.callbacks`); handler, paint and collection also in CPU time of the thread,
which a busy machine does not stretch the way it stretches wall time; and CPU cores of
this process, the simulator and everything else (from /proc; a busy shared machine shows
there). Figures pool every round: medians of the
rates, percentiles over all presses, maxima over all pauses.

The GOAL lines are the new code's: refresh rate with every screen built >= 5 Hz; switching
to a built screen p50 and max < 100 ms; the longest garbage-collection pause (any
generation, any phase after start-up) < 100 ms, so a collection cannot make a key press
miss its target either.

    python bench/tui.py [--symbols 200] [--rate 20000] [--seconds 10] [--presses 20]
                        [--rounds 2] [--old main] [--warmup 3] [--refresh-ms 200]
                        [--no-encode]
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import signal
import statistics
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from arbot.domain import Venue
from arbot.exchanges import adapter_for
from arbot.sim import SimConfig, SimServer
from bench.child import ChildProcess
from bench.report import emit, goal
from bench.tui_run import until

__all__ = ["until"]  # docs/make_screenshots.py waits the same way

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
TARGET_HZ = 5.0
TARGET_SWITCH_MS = 100.0
TARGET_GC_MS = 100.0


def symbol_names(n: int) -> list[str]:
    """`n` made-up symbols; the simulator gives each a stable price and tick size."""
    return [f"S{i:03d}-USDT" for i in range(n)]


def connections(symbols: list[str]) -> dict[Venue, int]:
    """How many connections ArBot opens per venue for these symbols."""
    return {v: len(adapter_for(v).connections(symbols)) for v in Venue}


async def serve(symbols: int, per_connection: float, seed: int) -> None:
    """The simulator, each connection paced at `per_connection` frames/s, until stdin
    closes (so a parent that dies never leaves it behind)."""
    config = SimConfig(host=HOST, seed=seed, symbols=tuple(symbol_names(symbols)),
                       rate=per_connection)
    async with SimServer(config) as server:
        print(f"port {server.port}", flush=True)
        await asyncio.to_thread(sys.stdin.buffer.read)


class Child(ChildProcess):
    def __init__(self, symbols: int, per_connection: float, seed: int) -> None:
        super().__init__(Path(__file__).resolve(), "sender", "--symbols", str(symbols),
                         "--per-connection", str(per_connection), "--seed", str(seed),
                         name="the simulator")


def unpack(ref: str, into: Path) -> Path:
    """The `arbot` package as of `ref`, unpacked under `into`."""
    tar = subprocess.run(["git", "-C", str(ROOT), "archive", ref, "arbot"], check=True,
                         capture_output=True).stdout
    with tarfile.open(fileobj=io.BytesIO(tar)) as archive:
        archive.extractall(into, filter="data")
    return into


def run_once(args: argparse.Namespace, code: Path, child: ChildProcess,
             out: Path) -> dict[str, Any]:
    subprocess.run([sys.executable, str(ROOT / "bench" / "tui_run.py"), "--code", str(code),
                    "--port", str(child.port), "--child-pid", str(child.proc.pid),
                    "--out", str(out), "--symbols", *symbol_names(args.symbols),
                    "--seconds", str(args.seconds), "--presses", str(args.presses),
                    "--warmup", str(args.warmup), "--refresh-ms", str(args.refresh_ms),
                    "--seed", str(args.seed), *([] if args.encode else ["--no-encode"])],
                   check=True)
    result: dict[str, Any] = json.loads(out.read_text())
    return result


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else float("nan")


def top(values: list[float]) -> float:
    return max(values) if values else 0.0


def phase_figures(runs: list[dict[str, Any]], phase: str) -> dict[str, float]:
    """One phase of every round, pooled."""
    ps = [r[phase] for r in runs]

    def pool(key: str) -> list[float]:
        return [v for p in ps for v in p[key]]

    full = [ms for p in ps for ms, g in zip(p["gc_ms"], p["gc_gen"], strict=True) if g == 2]
    span = sum(p["span_s"] for p in ps)
    return {
        "quotes/s into the engine": statistics.median(p["quotes_per_s"] for p in ps),
        "refresh ticks/s": statistics.median(round(p["ticks_per_s"], 2) for p in ps),
        "cells written per tick p50": pct(pool("tick_cells"), 50),
        "refresh handler ms p50": pct(pool("tick_ms"), 50),
        "refresh handler ms max": top(pool("tick_ms")),
        "refresh handler CPU ms p50": pct(pool("tick_cpu_ms"), 50),
        "paints/s": statistics.median(p["paints_per_s"] for p in ps),
        "paint ms p50": pct(pool("paint_ms"), 50),
        "paint ms max": top(pool("paint_ms")),
        "paint CPU ms p50": pct(pool("paint_cpu_ms"), 50),
        "loop lag ms p99": pct(pool("lag_ms"), 99),
        "loop lag ms max": top(pool("lag_ms")),
        "collections/s (any generation)": len(pool("gc_ms")) / span,
        "collection pause ms max (any)": top(pool("gc_ms")),
        "collection pause CPU ms max (any)": top(pool("gc_cpu_ms")),
        "full collections/s": len(full) / span,
        "full collection pause ms max": top(full),
        "CPU cores: this process": statistics.median(p["cores"] for p in ps),
        "CPU cores: simulator": statistics.median(p["child_cores"] for p in ps),
        "CPU cores: other processes": statistics.median(p["others_cores"] for p in ps),
    }


def press_figures(runs: list[dict[str, Any]]) -> dict[str, float]:
    presses = [p for r in runs for p in r["presses"]]
    figures: dict[str, float] = {}
    for mode in ("opportunities", "trades", "settings"):
        first = [p["ms"] for p in presses if p["first"] and p["mode"] == mode and p["ms"]]
        figures[f"first visit {mode} ms p50"] = pct(first, 50)
    again = [p for p in presses if not p["first"]]
    ms = [p["ms"] for p in again if p["ms"] is not None]
    slow = [p for p in again if p["ms"] is None or p["ms"] >= TARGET_SWITCH_MS]
    figures |= {
        "switch to a built screen: presses": len(again),
        "switch ms p50": pct(ms, 50), "switch ms p99": pct(ms, 99),
        "switch ms max": top(ms) if len(ms) == len(again) else float("inf"),
        f"switches >= {TARGET_SWITCH_MS:g} ms or missed": len(slow),
        "  of which a full collection ran meanwhile": sum(p["gc"] for p in slow),
    }
    return figures


def gc_max(runs: list[dict[str, Any]]) -> float:
    """The longest pause of any generation in either steady phase or the presses."""
    return max(top(r[phase]["gc_ms"]) for r in runs for phase in ("alone", "built"))


def report(args: argparse.Namespace, results: dict[str, list[dict[str, Any]]],
           conns: dict[Venue, int], per_connection: float) -> None:
    labels = [label for label in ("old", "new") if results[label]]
    figures = {label: {
        **{f"Prices only: {k}": v for k, v in phase_figures(runs, "alone").items()},
        **{f"keys: {k}": v for k, v in press_figures(runs).items()},
        **{f"all built: {k}": v for k, v in phase_figures(runs, "built").items()},
        "start to every symbol quoted s": statistics.median(r["ready_s"] for r in runs),
    } for label, runs in results.items() if runs}
    rows = [[metric, *(figures[label][metric] for label in labels),
             *([_ratio(figures["old"][metric], figures["new"][metric])]
               if len(labels) == 2 else [])]
            for metric in figures[labels[-1]]]
    columns = ["metric", *labels, *(["new/old"] if len(labels) == 2 else [])]
    offered = per_connection * sum(conns.values())
    print(f"{args.symbols} symbols x {len(Venue)} venues, {offered:,.0f} quotes/s offered"
          f", {args.rounds} round(s) per version, old = {args.old}\n")
    emit("tui", columns, rows, extra={
        "method": {"symbols": args.symbols, "rate": args.rate, "seconds": args.seconds,
                   "presses": args.presses, "rounds": args.rounds, "old": args.old,
                   "warmup_s": args.warmup, "refresh_ms": args.refresh_ms,
                   "encode": args.encode, "seed": args.seed,
                   "connections": {v.value: n for v, n in conns.items()}},
        "runs": results})
    new = figures["new"]
    hz = new["all built: refresh ticks/s"]
    p50, worst = new["keys: switch ms p50"], new["keys: switch ms max"]
    pause = gc_max(results["new"])
    goal("tui_refresh_hz", hz, "Hz", f">={TARGET_HZ:g}", hz >= TARGET_HZ)
    goal("key_press_p50", p50, "ms", f"<{TARGET_SWITCH_MS:g}", p50 < TARGET_SWITCH_MS)
    goal("key_press_max", worst, "ms", f"<{TARGET_SWITCH_MS:g}", worst < TARGET_SWITCH_MS)
    goal("gc_pause_max", pause, "ms", f"<{TARGET_GC_MS:g}", pause < TARGET_GC_MS)


def _ratio(old: float, new: float) -> str:
    return f"{new / old:.2f}" if old and np.isfinite(old) and np.isfinite(new) else ""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("mode", nargs="?", choices=["sender"], help=argparse.SUPPRESS)
    ap.add_argument("--symbols", type=int, default=200)
    ap.add_argument("--rate", type=float, default=20_000.0,
                    help="quotes/s the simulator sends in all")
    ap.add_argument("--seconds", type=float, default=10.0, help="each steady phase")
    ap.add_argument("--presses", type=int, default=20)
    ap.add_argument("--rounds", type=int, default=2, help="runs per version")
    ap.add_argument("--old", default="main",
                    help="git ref of the old code; empty: the new code alone")
    ap.add_argument("--warmup", type=float, default=3.0)
    ap.add_argument("--refresh-ms", type=int, default=200, help="[ui] refresh_ms")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--no-encode", dest="encode", action="store_false",
                    help="skip the terminal encoding headless Textual leaves out")
    ap.add_argument("--per-connection", type=float, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.mode == "sender":
        asyncio.run(serve(args.symbols, args.per_connection, args.seed))
        return
    # A plain `kill` unwinds like Ctrl-C: the simulator child is stopped, temp files go.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    symbols = symbol_names(args.symbols)
    conns = connections(symbols)
    per_connection = args.rate / sum(conns.values())
    results: dict[str, list[dict[str, Any]]] = {"old": [], "new": []}
    with tempfile.TemporaryDirectory(prefix="arbot-bench-") as tmp, \
            Child(args.symbols, per_connection, args.seed) as child:
        versions = {"new": ROOT}
        if args.old:
            versions["old"] = unpack(args.old, Path(tmp) / "old")
        for round_ in range(args.rounds):
            order = sorted(versions, reverse=round_ % 2 == 1)
            for label in order:
                print(f"round {round_ + 1}/{args.rounds}: {label} code", flush=True)
                out = Path(tmp) / f"{label}-{round_}.json"
                results[label].append(run_once(args, versions[label], child, out))
    report(args, results, conns, per_connection)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(130)
