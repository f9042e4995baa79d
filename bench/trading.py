"""Opportunity to orders: how long from the trader seeing a passed episode to both orders
reaching the venue, and to both answers coming back.

The simulator runs in a child process on 127.0.0.1 (its private REST endpoints check
signatures and match IOC orders, and it notes when each order arrives); this process runs
the real `Runtime`: feeds, engine, journal and trader, in live mode, armed, with the
simulator's demo keys in the environment as a user's keys would be. The simulator
dislocates a venue several times a second, so the trader keeps trading. Both processes
read CLOCK_MONOTONIC, which Linux shares between processes.

Per trade, on one monotonic clock:
  * `preflight+journal`: from the engine handing the episode over (`Trader.on_episode`)
    to both legs scheduled: the wait in the trader's inbox, risk checks, the Decimal
    pre-flight, the intent committed to SQLite;
  * `to_executor`: hand-over to the later of the two `place` calls starting;
  * `on_wire`: entry to the later of the two orders arriving in the simulator's handler
    (in the other process), i.e. written, carried over loopback and parsed by the
    server: an upper bound on "on the wire";
  * `acked`: entry to the later of the two answers being back in the trader.
The same run in paper mode times the paper executor (no HTTP) for comparison. The event
loop also carries the market feeds (4 venues x symbols at --rate frames/s per
connection); their frames compete with the orders, as they do in production.

First, the tick path (`bench/trading_tick.py`, one child process per checkout, old and new
alternated over --rounds): the trader's share of the quote that hands it a passed
episode, that quote's whole handling, and the episode to both orders, for this checkout
and for --old (a git ref, `main` by default) in the same run. The GOAL lines:
`trader_on_tick_path_p50` <= 10 us, `trader_on_tick_path_p99` <= 25 us, and
`episode_to_order_p50` no more than 10% over the old code's in the same run (the queue
must not slow the orders down).

Last, both orders sent -> both fills known (`bench/trading_confirm.py`): confirmed by the
private streams and by REST polling, alternated in one run against the simulator, each
venue the trades use in a child process of its own (venues are separate machines; with
--one-sim, one child serves them all, as before). The GOAL lines: `stream_confirm_p50`
<= 2 ms on loopback, and polling's p50 at least 10x the stream's
(`stream_vs_poll_speedup`). `--mode confirm` runs only this part.

    python bench/trading.py [--seconds 30] [--symbols 4] [--rate 50] [--mode live]
                            [--old main] [--rounds 5] [--samples 300] [--pairs 200]
                            [--one-sim]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from aiohttp import web

from arbot.config import CREDENTIAL_ENV, ArbotSettings
from arbot.config.run import with_endpoints
from arbot.domain import EpisodeEvent, OrderReport, OrderRequest, Venue
from arbot.runtime import Runtime
from arbot.sim import SimConfig, SimServer
from arbot.sim.config import DEFAULT_SYMBOLS, DEMO_CREDENTIALS, Dislocations
from arbot.sim.restroutes import RestRoutes
from arbot.sim.server import PROTOCOLS
from arbot.trading.live import LiveExecutor
from arbot.trading.paper import PaperExecutor
from arbot.trading.trader import Trader
from bench import trading_confirm
from bench.child import ChildProcess
from bench.engine_e2e import CpuMeter
from bench.report import emit, goal

CLIENT_ID = re.compile(rb"(ab[0-9a-f]{11,}[bs])\b")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class Clocks:
    """Monotonic ns per client id (and per episode) at each point of the path."""

    def __init__(self) -> None:
        self.seen: dict[str, int] = {}  # trade id -> on_episode entry
        self.scheduled: dict[str, int] = {}  # trade id -> legs scheduled
        self.to_executor: dict[str, int] = {}  # client id -> place() entered
        self.arrived: dict[str, int] = {}  # client id -> simulator handler entered
        self.acked: dict[str, int] = {}  # client id -> place() returned


def instrument(clocks: Clocks) -> None:
    """Wrap the trader, both executors and the simulator's signed handlers (bench only).
    A trade's clock starts when the engine handed its episode over (`handed_ns`)."""
    act = Trader._act

    def timed_act(self: Trader, event: EpisodeEvent, handed_ns: int) -> None:
        before = set(self._tasks)
        act(self, event, handed_ns)
        new = [t for t in self._tasks if t not in before]
        if new:
            trade_id = new[0].get_name().removeprefix("trade-")
            clocks.seen[trade_id] = handed_ns
            clocks.scheduled[trade_id] = time.monotonic_ns()

    Trader._act = timed_act  # type: ignore[method-assign]

    for cls in (LiveExecutor, PaperExecutor):
        cls.place = timed(cls.place, clocks)  # type: ignore[method-assign]


def timed(place: Callable[..., Awaitable[OrderReport]], clocks: Clocks
          ) -> Callable[..., Awaitable[OrderReport]]:
    """`place` noting when each order enters it and when its answer is back; the send
    check and anything else pass through."""
    async def timed_place(self: Any, req: OrderRequest, *args: Any) -> OrderReport:
        clocks.to_executor.setdefault(req.client_id, time.monotonic_ns())
        try:
            return await place(self, req, *args)
        finally:
            clocks.acked.setdefault(req.client_id, time.monotonic_ns())
    return timed_place



def time_arrivals(arrived: dict[str, int]) -> None:
    """In the simulator process: note when each order reaches a signed handler."""
    private_handler = RestRoutes.private

    def timed_handler(self: RestRoutes, venue: Any, handler: Any) -> Handler:
        inner = private_handler(self, venue, handler)

        async def timed(request: web.Request) -> web.StreamResponse:
            t = time.monotonic_ns()
            found = CLIENT_ID.search(request.raw_path.encode() + await request.read())
            if found and request.method == "POST":
                arrived.setdefault(found.group(1).decode(), t)
            return await inner(request)

        return timed

    RestRoutes.private = timed_handler  # type: ignore[method-assign]


async def serve_sim(symbols: int, rate: float, out: Path) -> None:
    """The child: serve until stdin closes, then write the arrival times to `out`."""
    arrived: dict[str, int] = {}
    time_arrivals(arrived)
    config = SimConfig(symbols=DEFAULT_SYMBOLS[:symbols], rate=rate,
                       dislocations=Dislocations(rate_per_s=4.0, size_bps=40.0, life_s=1.0))
    async with SimServer(config) as sim:
        print(f"port {sim.port}", flush=True)
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, sys.stdin.read)
        await loop.run_in_executor(None, out.write_text, json.dumps(arrived))
    print("done", flush=True)


def settings(db: Path, symbols: int, mode: str) -> ArbotSettings:
    return ArbotSettings.model_validate({
        "market": {"symbols": list(DEFAULT_SYMBOLS[:symbols])},
        "storage": {"path": str(db), "flush_ms": 250},
        "trading": {"mode": mode, "cooldown_s": 0, "max_trades_per_minute": 10_000,
                    "max_open_exposure": 1e9, "daily_loss_limit": 1e9,
                    "max_leg_failures": 100, "paper": {"latency_ms": 0}},
    })


def spans(clocks: Clocks) -> dict[str, list[float]]:
    """Per trade, microseconds from the hand-over to each point (both legs there)."""
    out: dict[str, list[float]] = {"preflight+journal": [], "to_executor": [], "on_wire": [],
                                   "acked": []}
    for trade_id, t0 in clocks.seen.items():
        legs = (f"{trade_id}b", f"{trade_id}s")
        out["preflight+journal"].append((clocks.scheduled[trade_id] - t0) / 1e3)
        for name, table in (("to_executor", clocks.to_executor), ("on_wire", clocks.arrived),
                            ("acked", clocks.acked)):
            if all(c in table for c in legs):
                out[name].append((max(table[c] for c in legs) - t0) / 1e3)
    return out


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


async def run(port: int, seconds: float, symbols: int, mode: str, clocks: Clocks
              ) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        s = settings(Path(tmp) / "bench.db", symbols, mode)
        urls = {v: (f"ws://127.0.0.1:{port}/{v.value}{PROTOCOLS[v].ws_paths[0]}",
                    f"http://127.0.0.1:{port}/{v.value}") for v in Venue}
        async with Runtime(with_endpoints(s, urls), armed=mode == "live") as rt:
            meter = CpuMeter()
            await rt.run(duration=seconds)
            cores = meter.cores()
            trader = rt.trader
            assert trader is not None
            return {"trades": trader.trades, "refused": dict(trader.rejections),
                    "cores": cores}


def demo_keys_in_environment() -> None:
    """The simulator's demo keys, where a user's real keys would be."""
    for venue, names in CREDENTIAL_ENV.items():
        creds = DEMO_CREDENTIALS[venue]
        values = {"api_key": creds.key, "api_secret": creds.secret,
                  "passphrase": creds.passphrase}
        for field, name in names.items():
            os.environ[name] = values[field]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--symbols", type=int, default=4)
    parser.add_argument("--rate", type=float, default=50.0,
                        help="market frames/s per simulator connection")
    parser.add_argument("--mode", choices=["live", "paper", "both", "none", "confirm"],
                        default="both", help="the runtime spans; none: the tick path only; "
                        "confirm: only stream vs polling confirmation")
    parser.add_argument("--pairs", type=int, default=200,
                        help="order pairs per way for the confirmation spans (0: skip)")
    parser.add_argument("--old", default="main", help="the git ref to compare with")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--samples", type=int, default=300, help="per round and checkout")
    parser.add_argument("--one-sim", action="store_true",
                        help="confirmation: one simulator process for every venue")
    parser.add_argument("--serve-sim", type=Path, help=argparse.SUPPRESS)  # the child
    args = parser.parse_args()
    if args.serve_sim:
        asyncio.run(serve_sim(args.symbols, args.rate, args.serve_sim))
        return
    if args.mode == "confirm":
        confirm_spans(args)
        return
    tick_rows, tick = tick_path(args.old, args.rounds, args.samples)
    emit("trading_tick", ["code", "what", "samples", "p50_us", "p99_us", "max_us"], tick_rows,
         extra={"old": args.old, "rounds": args.rounds, "samples": args.samples})
    if args.mode != "none":
        runtime_spans(args)
    tick_goals(tick)
    if args.pairs > 0:
        confirm_spans(args)


def confirm_spans(args: argparse.Namespace) -> None:
    """Both orders sent -> both fills known, by the streams and by polling (one run); the
    load average before and after says how busy the machine was."""
    load_before = os.getloadavg()
    homes = [None] if args.one_sim else list(trading_confirm.ACK_ONLY)
    with tempfile.TemporaryDirectory() as tmp, contextlib.ExitStack() as stack:
        children = {home: stack.enter_context(ChildProcess(
            Path(__file__).resolve(), "--serve-sim", str(Path(tmp) / f"arrived-{home}"),
            "--symbols", "1", "--rate", str(args.rate), name=f"the simulator ({home})"))
            for home in homes}
        ports = {v: children[v if v in children else homes[0]].port for v in Venue}
        got = asyncio.run(trading_confirm.measure(ports, args.pairs))
    spans = got["spans"]
    rows = [[way, len(v), statistics.median(v), pct(v, 0.99), max(v)]
            for way, v in spans.items()]
    load_after = os.getloadavg()
    print(f"load average (1/5/15 min) before {load_before}, after {load_after}, "
          f"on {os.cpu_count()} cores; simulator processes: {len(homes)}")
    emit("trading_confirm", ["confirmed by", "pairs", "p50_ms", "p99_ms", "max_ms"], rows,
         extra={"poll_s": got["poll_s"], "venues": "bybit/okx/bitget, round-robin",
                "simulators": "one for all venues" if args.one_sim else "one per venue",
                "loadavg_before": load_before, "loadavg_after": load_after})
    stream, poll = statistics.median(spans["stream"]), statistics.median(spans["poll"])
    goal("stream_confirm_p50", stream, "ms", "<=2", stream <= 2.0)
    goal("stream_vs_poll_speedup", poll / stream, "x", ">=10", poll / stream >= 10)


def runtime_spans(args: argparse.Namespace) -> None:
    """Live and paper through the real runtime against the simulator in a child."""
    demo_keys_in_environment()
    clocks = Clocks()
    instrument(clocks)
    modes = ["live", "paper"] if args.mode == "both" else [args.mode]
    rows, extra = [], {}
    with tempfile.TemporaryDirectory() as tmp:
        for mode in modes:
            clocks.__init__()  # type: ignore[misc]
            out = Path(tmp) / f"arrivals-{mode}.json"
            with ChildProcess(Path(__file__).resolve(), "--serve-sim", str(out),
                              "--symbols", str(args.symbols), "--rate", str(args.rate),
                              name="the simulator") as child:
                extra[mode] = asyncio.run(run(child.port, args.seconds, args.symbols, mode,
                                              clocks))
                assert child.proc.stdin is not None
                child.proc.stdin.close()
                if child.line(30.0) != "done":
                    raise RuntimeError("the simulator did not write its arrivals")
            clocks.arrived = {k: int(v) for k, v in json.loads(out.read_text()).items()}
            for name, values in spans(clocks).items():
                if mode == "paper" and name == "on_wire":
                    continue
                rows.append([mode, name, len(values),
                             statistics.median(values) if values else 0.0,
                             pct(values, 0.99), max(values, default=0.0)])
    emit("trading", ["mode", "span (from hand-over)", "trades", "p50_us", "p99_us", "max_us"],
         rows, extra=extra)


TICK = Path(__file__).resolve().parent / "trading_tick.py"
TICK_SPANS = (("trader_us", "trader's share of the quote"), ("quote_us", "whole quote"),
              ("to_orders_us", "episode -> both orders"))


def tick_path(old_ref: str, rounds: int, samples: int
              ) -> tuple[list[list[object]], dict[str, dict[str, list[float]]]]:
    """Old and new, one child each per round, alternated so both share the machine's
    load; every sample of every round pooled per checkout."""
    repo = Path(__file__).resolve().parent.parent
    pooled: dict[str, dict[str, list[float]]] = {"old": {}, "new": {}}
    with tempfile.TemporaryDirectory() as tmp:
        archive = subprocess.run(["git", "-C", str(repo), "archive", old_ref],
                                 check=True, capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", tmp], input=archive, check=True)
        codes = {"old": tmp, "new": str(repo)}
        for r in range(rounds):
            for name in (("old", "new") if r % 2 == 0 else ("new", "old")):
                out = subprocess.run([sys.executable, str(TICK), "--code", codes[name],
                                      "--samples", str(samples)],
                                     check=True, capture_output=True, text=True).stdout
                got = json.loads(out.splitlines()[-1])
                if not got["arbot"].startswith(codes[name]):
                    raise RuntimeError(f"{name} ran {got['arbot']}, not {codes[name]}")
                if got["trades"] != samples:
                    raise RuntimeError(f"{name}: {got['trades']} trades of {samples}, "
                                       f"refused {got['refused']}")
                for key, _ in TICK_SPANS:
                    pooled[name].setdefault(key, []).extend(got[key])
    rows: list[list[object]] = []
    for key, what in TICK_SPANS:
        for name in ("old", "new"):
            v = pooled[name][key]
            rows.append([f"{name} ({old_ref})" if name == "old" else name, what, len(v),
                         statistics.median(v), pct(v, 0.99), max(v)])
    return rows, pooled


def tick_goals(tick: dict[str, dict[str, list[float]]]) -> None:
    new, old = tick["new"], tick["old"]
    p50, p99 = statistics.median(new["trader_us"]), pct(new["trader_us"], 0.99)
    goal("trader_on_tick_path_p50", p50, "us", "<=10", p50 <= 10)
    goal("trader_on_tick_path_p99", p99, "us", "<=25", p99 <= 25)
    e2o, before = statistics.median(new["to_orders_us"]), statistics.median(old["to_orders_us"])
    goal("episode_to_order_p50", e2o, "us", f"<={before * 1.1:.0f}", e2o <= before * 1.1)


if __name__ == "__main__":
    main()
