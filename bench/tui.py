"""The terminal UI under load: refresh cost, event-loop lag, CPU and key-press latency.

The simulator runs in a child process (`python bench/tui.py sender ...`) serving
--symbols symbols on all four venues, paced so that --rate quotes/s leave it in all. The
simulator paces each connection, and ArBot splits symbols over connections by each
venue's limits (200 symbols: Binance 1, Bybit 1, OKX 2, Bitget 4), so every connection is
paced at rate / connections and the venues with more connections send more. Here, the
real app is built by `build_app` (the factory `arbot` uses, with the real `Runtime`:
feeds, parsers, engine, SQLite writer) with each venue's URLs pointed at the child, and
run headless with `App.run_test(size=(160, 50))`.

Nothing in the app is changed; the bench wraps, in this process only, four things from
outside: `ArbotApp.on_market_tick` (the refresh handler: it applies one coalesced
`MarketTick` to the market state and redraws every screen built so far, updating only
changed cells in place), `DataTable.update_cell` (to count cells written per tick),
`Screen._compositor_refresh` (one paint: the compositor renders what changed) and
`App._display`. Headless Textual skips turning a paint into terminal escape codes, so
the bench does that work itself and throws the text away (--no-encode to skip): CPU and
paint times then include what a real terminal would cost, but for the write.

Phases, after every venue is live and every symbol quoted, and --warmup seconds:
1. steady, Prices only: --seconds on the Prices screen, the only screen built yet;
2. key presses: --presses keys via the Pilot (o, t, p, s, escape, repeated; escape
   leaves Settings, where letters type into the form), each at a random moment 0.2-0.6 s
   after the previous; latency is from the key being sent to the end of the first paint
   of the new screen with its data (an ArBot screen counts once its tables are built and
   filled). A screen's first visit builds it and is reported apart;
3. steady, all screens built: --seconds on Prices again; the hidden screens keep
   redrawing each tick, so they switch in with current data.
Per steady phase: the refresh handler's time per tick, cells written and quotes
coalesced per tick, paint time, the lag of a 10 ms sleep loop (overshoot), quotes/s into
the engine (its funnel's counter), full (generation 2) garbage collections and how long
each stopped the process (`gc.callbacks`), and CPU: `time.process_time()` over wall time
for this process (one core = 1.0; all its threads), the simulator child and everything
else (from /proc). GC stays on, as in the product. A press that took 100 ms or more is
shown with whether a full collection ran meanwhile. The 100 ms and one-core lines are
the issue's targets; on a shared two-core VM, "other processes" says how much of the
machine was someone else's during the run.

    python bench/tui.py [--symbols 200] [--rate 20000] [--seconds 20] [--presses 20]
                        [--warmup 3] [--refresh-ms 200] [--no-encode]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import random
import signal
import sys
import tempfile
import time
from array import array
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import DataTable

import arbot.sim.server as sim_server
from arbot.config import ArbotSettings
from arbot.config.run import with_endpoints
from arbot.domain import FeedState, Venue
from arbot.exchanges import adapter_for
from arbot.sim import SimConfig, SimServer
from arbot.tui.app import ArbotApp, build_app
from arbot.tui.messages import MarketTick
from bench.child import ChildProcess
from bench.engine_e2e import CpuMeter, lag_loop
from bench.report import emit

HOST = "127.0.0.1"
SIZE = (160, 50)
TARGET_SWITCH_MS = 100.0
TARGET_CORES = 1.0
START_S = 90.0  # every venue live and every symbol quoted within this long
PRESS_WAIT_S = 5.0  # a key press with no paint of the new screen this long after: a miss
# (key, mode it leads to): every screen, by letter; escape is the way out of Settings.
KEYS = (("o", "opportunities"), ("t", "trades"), ("p", "prices"), ("s", "settings"),
        ("escape", "prices"))


def symbol_names(n: int) -> list[str]:
    """`n` made-up symbols; the simulator gives each a stable price and tick size."""
    return [f"S{i:03d}-USDT" for i in range(n)]


def connections(symbols: list[str]) -> dict[Venue, int]:
    """How many connections ArBot opens per venue for these symbols."""
    return {v: len(adapter_for(v).connections(symbols)) for v in Venue}


# --- the child ----------------------------------------------------------------------

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

    def settings(self, symbols: list[str], db: Path, refresh_ms: int) -> ArbotSettings:
        base = ArbotSettings.model_validate({
            "market": {"symbols": symbols}, "storage": {"path": str(db)},
            "ui": {"refresh_ms": refresh_ms}})
        urls = {v: (f"ws://{HOST}:{self.port}/{v.value}{sim_server.PROTOCOLS[v].ws_paths[0]}",
                    f"http://{HOST}:{self.port}/{v.value}") for v in Venue}
        return with_endpoints(base, urls)


# --- this process -------------------------------------------------------------------

@dataclass
class Press:
    key: str
    mode: str
    first: bool  # the screen's first visit: it is built now
    t0: float
    ms: float | None = None  # None: no paint of the new screen within PRESS_WAIT_S
    gc: bool = False  # a full garbage collection ran meanwhile


@dataclass
class Probe:
    """What the wrappers record (perf_counter seconds, durations in ms)."""

    encode: bool
    tick_ms: array[float] = field(default_factory=lambda: array("d"))
    tick_cells: array[int] = field(default_factory=lambda: array("q"))
    tick_quotes: array[int] = field(default_factory=lambda: array("q"))
    paint_ms: array[float] = field(default_factory=lambda: array("d"))
    gc_at: array[float] = field(default_factory=lambda: array("d"))  # full collections
    gc_ms: array[float] = field(default_factory=lambda: array("d"))
    cells: int = 0
    _gc_start: float = 0.0
    pending: Press | None = None
    painted: asyncio.Event = field(default_factory=asyncio.Event)

    def install(self, app: ArbotApp) -> None:
        """Wrap the refresh handler, cell updates and paints (this process only)."""
        probe = self
        on_tick = ArbotApp.on_market_tick
        update_cell = DataTable.update_cell
        compositor_refresh = Screen._compositor_refresh
        display = app._display

        def timed_tick(self: ArbotApp, message: MarketTick) -> None:
            cells = probe.cells
            start = time.perf_counter()
            on_tick(self, message)
            probe.tick_ms.append((time.perf_counter() - start) * 1e3)
            probe.tick_cells.append(probe.cells - cells)
            probe.tick_quotes.append(len(message.quotes))

        def counted_update(self: DataTable[Any], *args: Any, **kwargs: Any) -> None:
            probe.cells += 1
            update_cell(self, *args, **kwargs)

        def timed_paint(self: Screen[Any]) -> None:
            app = self.app
            top = self is app.screen
            ready = getattr(self, "ready", True)
            start = time.perf_counter()
            compositor_refresh(self)
            end = time.perf_counter()
            if not top:
                return
            probe.paint_ms.append((end - start) * 1e3)
            press = probe.pending
            if press is not None and ready and app.current_mode == press.mode \
                    and start >= press.t0:
                press.ms = (end - press.t0) * 1e3
                probe.pending = None
                probe.painted.set()

        def encoded_display(screen: Screen[Any], renderable: Any) -> None:
            if probe.encode and renderable is not None and hasattr(renderable,
                                                                   "render_segments"):
                renderable.render_segments(app.console)  # what a terminal would be sent
            display(screen, renderable)

        def gc_pause(phase: str, info: dict[str, int]) -> None:
            if phase == "start":
                probe._gc_start = time.perf_counter()
            elif info["generation"] == 2:
                probe.gc_at.append(probe._gc_start)
                probe.gc_ms.append((time.perf_counter() - probe._gc_start) * 1e3)

        gc.callbacks.append(gc_pause)
        ArbotApp.on_market_tick = timed_tick  # type: ignore[method-assign]
        DataTable.update_cell = counted_update  # type: ignore[method-assign]
        Screen._compositor_refresh = timed_paint  # type: ignore[method-assign]
        app._display = encoded_display  # type: ignore[method-assign]

    def mark(self) -> tuple[int, int, int]:
        return len(self.tick_ms), len(self.paint_ms), len(self.gc_ms)

    def full_gcs(self, start: float, end: float) -> int:
        """Full (generation 2) collections that started between `start` and `end`."""
        return sum(start <= t <= end for t in self.gc_at)


def stats(values: np.ndarray) -> tuple[float, float, float]:
    if not values.size:
        return float("nan"), float("nan"), float("nan")
    return (float(np.percentile(values, 50)), float(np.percentile(values, 99)),
            float(values.max()))


async def until(pilot: Pilot[Any], ready: Callable[[], bool], what: str, wait_s: float) -> None:
    end = time.monotonic() + wait_s
    app = pilot.app
    while not ready():
        if isinstance(app, ArbotApp) and app.runtime_error is not None:
            raise RuntimeError(f"ArBot could not run: {app.runtime_error}")
        if time.monotonic() > end:
            raise TimeoutError(f"timed out after {wait_s:g} s waiting for {what}")
        await pilot.pause(0.05)


def engine_quotes(app: ArbotApp) -> int:
    engine = app.runtime.engine if app.runtime is not None else None
    return engine.funnel.quotes if engine is not None else 0  # type: ignore[attr-defined]


async def steady(app: ArbotApp, probe: Probe, seconds: float, child: int) -> dict[str, Any]:
    """Everything over `seconds` on the current screen."""
    lag: array[float] = array("d")
    ticks0, paints0, gcs0 = probe.mark()
    quotes0 = engine_quotes(app)
    cpu = CpuMeter(child)
    wall0, proc0 = time.perf_counter(), time.process_time()
    lagger = asyncio.create_task(lag_loop(lag), name="bench-lag")
    await asyncio.sleep(seconds)
    lagger.cancel()
    wall, proc = time.perf_counter() - wall0, time.process_time() - proc0
    cores = cpu.cores()
    ticks1, paints1, gcs1 = probe.mark()
    await asyncio.gather(lagger, return_exceptions=True)
    return {
        "span_s": wall, "cores": proc / wall, "child_cores": cores["child"],
        "others_cores": cores["others"], "quotes_per_s": (engine_quotes(app) - quotes0) / wall,
        "ticks_per_s": (ticks1 - ticks0) / wall, "paints_per_s": (paints1 - paints0) / wall,
        "tick_ms": np.frombuffer(probe.tick_ms, dtype=np.float64)[ticks0:ticks1].copy(),
        "tick_cells": np.frombuffer(probe.tick_cells, dtype=np.int64)[ticks0:ticks1].copy(),
        "tick_quotes": np.frombuffer(probe.tick_quotes, dtype=np.int64)[ticks0:ticks1].copy(),
        "paint_ms": np.frombuffer(probe.paint_ms, dtype=np.float64)[paints0:paints1].copy(),
        "lag_ms": np.frombuffer(lag, dtype=np.float64).copy(),
        "gc_ms": np.frombuffer(probe.gc_ms, dtype=np.float64)[gcs0:gcs1].copy(),
    }


async def presses(pilot: Pilot[Any], app: ArbotApp, probe: Probe, n: int,
                  seed: int) -> list[Press]:
    """`n` key presses through the Pilot, each timed to the new screen's first paint."""
    rng = random.Random(seed)
    seen = {app.current_mode}
    out: list[Press] = []
    for i in range(n):
        await asyncio.sleep(rng.uniform(0.2, 0.6))
        key, mode = KEYS[i % len(KEYS)]
        probe.painted.clear()
        press = Press(key, mode, mode not in seen, time.perf_counter())
        probe.pending = press
        pressing = asyncio.create_task(pilot.press(key), name="bench-press")
        try:
            await asyncio.wait_for(probe.painted.wait(), PRESS_WAIT_S)
        except TimeoutError:
            probe.pending = None
        await pressing
        waited_s = PRESS_WAIT_S if press.ms is None else press.ms / 1e3
        press.gc = probe.full_gcs(press.t0, press.t0 + waited_s) > 0
        seen.add(mode)
        out.append(press)
        if app.current_mode != mode:
            raise RuntimeError(f"{key!r} led to {app.current_mode!r}, not {mode!r}")
    return out


async def measure(args: argparse.Namespace, settings: ArbotSettings, child: int
                  ) -> dict[str, Any]:
    app = build_app(settings, demo=False)
    probe = Probe(encode=args.encode)
    probe.install(app)
    symbols = settings.market.symbols
    async with app.run_test(size=SIZE) as pilot:
        start = time.monotonic()
        await until(pilot, lambda: app.state.phase == "running"
                    and all(app.state.venue_state(v) is FeedState.LIVE for v in Venue)
                    and len(app.state.quotes) == len(symbols) * len(Venue),
                    "every venue live and every symbol quoted", START_S)
        ready_s = time.monotonic() - start
        print(f"live, every symbol quoted after {ready_s:.1f} s; warming up", flush=True)
        await asyncio.sleep(args.warmup)
        print(f"steady on Prices for {args.seconds:g} s", flush=True)
        alone = await steady(app, probe, args.seconds, child)
        print(f"{args.presses} key presses", flush=True)
        pressed = await presses(pilot, app, probe, args.presses, args.seed)
        await pilot.press("p")
        print(f"steady on Prices, all screens built, for {args.seconds:g} s", flush=True)
        await asyncio.sleep(1.0)
        built = await steady(app, probe, args.seconds, child)
        await app.stop_runtime()
    return {"ready_s": ready_s, "alone": alone, "built": built, "presses": pressed}


def rows_for(m: dict[str, Any], phase: str) -> list[list[object]]:
    tick, paint, lag = stats(m["tick_ms"]), stats(m["paint_ms"]), stats(m["lag_ms"])
    pauses = stats(m["gc_ms"])
    cores = m["cores"]
    return [
        [phase, "quotes/s into the engine", m["quotes_per_s"], "", ""],
        [phase, "refresh ticks/s", m["ticks_per_s"], "", ""],
        [phase, "quotes coalesced per tick p50", float(np.median(m["tick_quotes"])), "", ""],
        [phase, "cells written per tick p50", float(np.median(m["tick_cells"])), "", ""],
        [phase, "refresh handler ms p50", tick[0], "", ""],
        [phase, "refresh handler ms p99", tick[1], "", ""],
        [phase, "refresh handler ms max", tick[2], "", ""],
        [phase, "paints/s", m["paints_per_s"], "", ""],
        [phase, "paint ms p50", paint[0], "", ""],
        [phase, "paint ms p99", paint[1], "", ""],
        [phase, "paint ms max", paint[2], "", ""],
        [phase, "loop lag ms p50", lag[0], "", ""],
        [phase, "loop lag ms p99", lag[1], "", ""],
        [phase, "loop lag ms max", lag[2], "", ""],
        [phase, "full GCs/s", m["gc_ms"].size / m["span_s"], "", ""],
        [phase, "full GC pause ms p50", pauses[0], "", ""],
        [phase, "full GC pause ms max", pauses[2], "", ""],
        [phase, "CPU cores: this process", cores, TARGET_CORES,
         "pass" if cores < TARGET_CORES else "FAIL"],
        [phase, "CPU cores: simulator child", m["child_cores"], "", ""],
        [phase, "CPU cores: other processes", m["others_cores"], "", ""],
    ]


def press_rows(pressed: list[Press]) -> list[list[object]]:
    rows: list[list[object]] = []
    for p in pressed:
        if p.first:
            rows.append(["keys", f"first visit {p.mode} ({p.key}) ms",
                         "missed" if p.ms is None else p.ms, "", ""])
    again = [p for p in pressed if not p.first]
    missed = sum(p.ms is None for p in again)
    ms = np.array([p.ms for p in again if p.ms is not None], dtype=np.float64)
    p50, p99, top = stats(ms)
    rows += [["keys", "switch to a built screen: presses", len(again), "", ""],
             ["keys", "switch ms p50", p50, "", ""],
             ["keys", "switch ms p99", p99, "", ""],
             ["keys", "switch ms max", top, TARGET_SWITCH_MS,
              "pass" if top < TARGET_SWITCH_MS and not missed else "FAIL"]]
    if missed:
        rows.append(["keys", f"no paint within {PRESS_WAIT_S:g} s", missed, 0, "FAIL"])
    slow = [p for p in pressed if p.ms is None or p.ms >= TARGET_SWITCH_MS]
    rows += [["keys", f"presses >= {TARGET_SWITCH_MS:g} ms (first visits too)", len(slow), "",
              ""],
             ["keys", "  of which a full GC ran meanwhile", sum(p.gc for p in slow), "", ""]]
    return rows


def report(args: argparse.Namespace, m: dict[str, Any], conns: dict[Venue, int],
           per_connection: float) -> None:
    rows: list[list[object]] = [
        ["setup", "symbols x venues", f"{args.symbols} x {len(Venue)}", "", ""],
        ["setup", "quotes/s offered (configured)", per_connection * sum(conns.values()), "",
         ""],
        ["setup", "start to every symbol quoted s", m["ready_s"], "", ""],
        *rows_for(m["alone"], "Prices only"),
        *press_rows(m["presses"]),
        *rows_for(m["built"], "all built"),
    ]
    emit("tui", ["phase", "metric", "value", "target", "result"], rows, extra={
        "method": {"symbols": args.symbols, "rate": args.rate, "seconds": args.seconds,
                   "warmup_s": args.warmup, "refresh_ms": args.refresh_ms, "size": SIZE,
                   "encode": args.encode, "seed": args.seed,
                   "connections": {v.value: n for v, n in conns.items()},
                   "per_connection_per_s": per_connection},
        "presses": [{"key": p.key, "mode": p.mode, "first": p.first, "ms": p.ms,
                     "full_gc": p.gc} for p in m["presses"]],
        "samples_ms": {phase: {k: m[phase][k].round(4).tolist()
                               for k in ("tick_ms", "paint_ms", "gc_ms")}
                       for phase in ("alone", "built")}})


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("mode", nargs="?", choices=["sender"], help=argparse.SUPPRESS)
    ap.add_argument("--symbols", type=int, default=200)
    ap.add_argument("--rate", type=float, default=20_000.0,
                    help="quotes/s the simulator sends in all")
    ap.add_argument("--seconds", type=float, default=20.0, help="each steady phase")
    ap.add_argument("--presses", type=int, default=20)
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
    child = Child(args.symbols, per_connection, args.seed)
    with tempfile.TemporaryDirectory(prefix="arbot-bench-") as tmp, child:
        settings = child.settings(symbols, Path(tmp) / "bench.db", args.refresh_ms)
        m = asyncio.run(measure(args, settings, child.proc.pid))
    report(args, m, conns, per_connection)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(130)
