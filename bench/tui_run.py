"""One measured run of the terminal UI, for bench/tui.py (which explains the method).

Run as a script by bench/tui.py, once per version of ArBot: `--code DIR` puts that
checkout's `arbot` package first on the path (the old code is `main`, unpacked by the
parent), so both versions run the same probe against the same simulator in the same run.
The real app is built by `build_app` (the factory `arbot` uses, with the real `Runtime`:
feeds, parsers, engine, SQLite writer) with each venue's URLs pointed at the simulator,
and run headless with `App.run_test(size=(160, 50))`.

Nothing in the app is changed; the probe wraps, in this process only, the refresh handler
(`ArbotApp.on_market_tick`), cell writes (`DataTable.update_cell`, and `LiveTable.put`
where the code has it), one paint (`Screen._compositor_refresh`) and `App._display`
(headless Textual skips turning a paint into terminal escape codes, so the probe does it
and throws the text away), and listens to every garbage collection (`gc.callbacks`).

    python bench/tui_run.py --code DIR --port N --child-pid PID --out FILE.json [...]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import random
import sys
import tempfile
import time
from array import array
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # bench itself
# the arbot under test (`--code`, this checkout by default), ahead of everything
sys.path.insert(0, str(Path(sys.argv[sys.argv.index("--code") + 1]).resolve())
                if "--code" in sys.argv else str(Path(__file__).resolve().parent.parent))

from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import DataTable

import arbot.sim.server as sim_server
from arbot.config import ArbotSettings
from arbot.config.run import with_endpoints
from arbot.domain import FeedState, Venue
from arbot.tui.app import ArbotApp, build_app
from arbot.tui.messages import MarketTick
from bench.engine_e2e import CpuMeter, lag_loop

HOST = "127.0.0.1"
SIZE = (160, 50)
START_S = 90.0  # every venue live and every symbol quoted within this long
PRESS_WAIT_S = 5.0  # a key press with no paint of the new screen this long after: a miss
# (key, mode it leads to): every screen, by letter; escape is the way out of Settings.
KEYS = (("o", "opportunities"), ("t", "trades"), ("p", "prices"), ("s", "settings"),
        ("escape", "prices"))


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
    tick_at: array[float] = field(default_factory=lambda: array("d"))
    tick_ms: array[float] = field(default_factory=lambda: array("d"))
    tick_cpu_ms: array[float] = field(default_factory=lambda: array("d"))
    tick_cells: array[int] = field(default_factory=lambda: array("q"))
    paint_ms: array[float] = field(default_factory=lambda: array("d"))
    paint_cpu_ms: array[float] = field(default_factory=lambda: array("d"))
    gc_at: array[float] = field(default_factory=lambda: array("d"))  # every collection
    gc_ms: array[float] = field(default_factory=lambda: array("d"))
    gc_cpu_ms: array[float] = field(default_factory=lambda: array("d"))
    gc_gen: array[int] = field(default_factory=lambda: array("q"))
    cells: int = 0
    _gc_start: float = 0.0
    _gc_cpu: float = 0.0
    pending: Press | None = None
    painted: asyncio.Event = field(default_factory=asyncio.Event)

    def install(self, app: ArbotApp) -> None:
        """Wrap the refresh handler, cell writes and paints (this process only)."""
        probe = self
        on_tick = ArbotApp.on_market_tick
        update_cell = DataTable.update_cell
        compositor_refresh = Screen._compositor_refresh
        display = app._display

        def timed_tick(self: ArbotApp, message: MarketTick) -> None:
            cells = probe.cells
            start, cpu = time.perf_counter(), time.thread_time()
            on_tick(self, message)
            probe.tick_at.append(start)
            probe.tick_ms.append((time.perf_counter() - start) * 1e3)
            probe.tick_cpu_ms.append((time.thread_time() - cpu) * 1e3)
            probe.tick_cells.append(probe.cells - cells)

        def counted_update(self: DataTable[Any], *args: Any, **kwargs: Any) -> None:
            probe.cells += 1
            update_cell(self, *args, **kwargs)

        def timed_paint(self: Screen[Any]) -> None:
            app = self.app
            top = self is app.screen
            ready = getattr(self, "ready", True)
            start, cpu = time.perf_counter(), time.thread_time()
            compositor_refresh(self)
            end = time.perf_counter()
            if not top:
                return
            probe.paint_ms.append((end - start) * 1e3)
            probe.paint_cpu_ms.append((time.thread_time() - cpu) * 1e3)
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
                probe._gc_start, probe._gc_cpu = time.perf_counter(), time.thread_time()
            else:
                probe.gc_at.append(probe._gc_start)
                probe.gc_ms.append((time.perf_counter() - probe._gc_start) * 1e3)
                probe.gc_cpu_ms.append((time.thread_time() - probe._gc_cpu) * 1e3)
                probe.gc_gen.append(info["generation"])

        self._count_live_puts()
        gc.callbacks.append(gc_pause)
        ArbotApp.on_market_tick = timed_tick  # type: ignore[method-assign]
        DataTable.update_cell = counted_update  # type: ignore[method-assign]
        Screen._compositor_refresh = timed_paint  # type: ignore[method-assign]
        app._display = encoded_display  # type: ignore[method-assign]

    def _count_live_puts(self) -> None:
        """Cells a LiveTable changed count as cells written (the old code has none)."""
        try:
            from arbot.tui.livetable import LiveTable
        except ImportError:
            return
        probe = self
        put = LiveTable.put

        def counted_put(self: Any, *args: Any, **kwargs: Any) -> bool:
            changed = put(self, *args, **kwargs)
            probe.cells += changed
            return changed

        LiveTable.put = counted_put  # type: ignore[method-assign]

    def mark(self) -> tuple[int, int, int]:
        return len(self.tick_ms), len(self.paint_ms), len(self.gc_ms)

    def full_gcs(self, start: float, end: float) -> int:
        """Full (generation 2) collections that started between `start` and `end`."""
        return sum(start <= t <= end and g == 2 for t, g in zip(self.gc_at, self.gc_gen,
                                                                strict=True))


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
    """Everything over `seconds` on the current screen, as plain lists for JSON."""
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
    at = probe.tick_at[ticks0:ticks1]
    # ticks over the span between the first and the last: not off by one at the edges
    rate = (len(at) - 1) / (at[-1] - at[0]) if len(at) > 1 else 0.0
    return {
        "span_s": wall, "cores": proc / wall, "child_cores": cores["child"],
        "others_cores": cores["others"], "quotes_per_s": (engine_quotes(app) - quotes0) / wall,
        "ticks_per_s": rate, "paints_per_s": (paints1 - paints0) / wall,
        "tick_ms": probe.tick_ms[ticks0:ticks1].tolist(),
        "tick_cpu_ms": probe.tick_cpu_ms[ticks0:ticks1].tolist(),
        "tick_cells": probe.tick_cells[ticks0:ticks1].tolist(),
        "paint_ms": probe.paint_ms[paints0:paints1].tolist(),
        "paint_cpu_ms": probe.paint_cpu_ms[paints0:paints1].tolist(),
        "lag_ms": lag.tolist(),
        "gc_ms": probe.gc_ms[gcs0:gcs1].tolist(),
        "gc_cpu_ms": probe.gc_cpu_ms[gcs0:gcs1].tolist(),
        "gc_gen": probe.gc_gen[gcs0:gcs1].tolist(),
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


def settings_for(port: int, symbols: list[str], db: Path, refresh_ms: int) -> ArbotSettings:
    base = ArbotSettings.model_validate({
        "market": {"symbols": symbols}, "storage": {"path": str(db)},
        "ui": {"refresh_ms": refresh_ms}})
    urls = {v: (f"ws://{HOST}:{port}/{v.value}{sim_server.PROTOCOLS[v].ws_paths[0]}",
                f"http://{HOST}:{port}/{v.value}") for v in Venue}
    return with_endpoints(base, urls)


async def measure(args: argparse.Namespace, settings: ArbotSettings) -> dict[str, Any]:
    """Prices alone, then key presses over every screen, then Prices with all built."""
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
        await asyncio.sleep(args.warmup)
        alone = await steady(app, probe, args.seconds, args.child_pid)
        pressed = await presses(pilot, app, probe, args.presses, args.seed)
        await pilot.press("p")
        await asyncio.sleep(1.0)
        built = await steady(app, probe, args.seconds, args.child_pid)
        await app.stop_runtime()
    return {"ready_s": ready_s, "alone": alone, "built": built,
            "presses": [asdict(p) for p in pressed]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--code", required=True, help="checkout whose arbot package runs")
    ap.add_argument("--port", type=int, required=True, help="the simulator's port")
    ap.add_argument("--child-pid", type=int, required=True, help="the simulator's pid")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--symbols", nargs="+", required=True)
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--presses", type=int, default=20)
    ap.add_argument("--warmup", type=float, default=3.0)
    ap.add_argument("--refresh-ms", type=int, default=200)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--no-encode", dest="encode", action="store_false")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="arbot-bench-") as tmp:
        settings = settings_for(args.port, args.symbols, Path(tmp) / "bench.db",
                                args.refresh_ms)
        result = asyncio.run(measure(args, settings))
    args.out.write_text(json.dumps(result))


if __name__ == "__main__":
    main()
