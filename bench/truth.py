"""Score the real engine against the simulator's ground truth (issue 14, "Measure it").

`python bench/truth.py [--seconds N] [--seed S] [--compare]` starts the simulator's
`market` profile in a child process (push on change, busy to quiet symbols, each venue's
lag, dislocations injected at `Market.truth_net_bps` net of both fees, recorded at
`GET /sim/truth`) and runs ArBot's `Runtime` here against it, through the real feeds over
sockets. With `--compare` one runtime per freshness rule (`[strategy] quote_freshness`:
"age", the old rule, and "connection") watches the same market at the same time.

Scored against the truth, over the measured window (after `--warmup`):
* recall: of the injected dislocations whose net stayed above the engine's threshold for
  longer than the trend filter's persistence, the share that opened an episode (on the
  moved venue, for the symbol, while it lasted); pair recall: ... an episode for exactly
  the truth's buy and sell venues; passed: ... an episode that passed every filter;
* phantoms: episodes with no injected dislocation behind them;
* stale drops: crosses the engine saw only against a quote it judged stale (its funnel);
* delay: median time from the dislocation's start (when the moved book was stamped) to
  the episode's open (the receive time of the quote that opened it), the venue's lag
  included.

The engine's threshold (`--min-net-bps`) is half the injected net by default (10 bps
injected, so the engine runs at its own default of 5), so an injected dislocation clears
it through the venues' noise and any episode above it without one is a phantom.
Last line: `recall R phantoms N stale_drops S delay_ms D`.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from contextlib import AsyncExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import msgspec

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from arbot.config import ArbotSettings
from arbot.config.run import with_endpoints
from arbot.domain import EpisodeEvent, FeedStatus, Quote, Venue
from arbot.events import Sink
from arbot.runtime import Runtime
from arbot.sim import SimConfig, SimServer
from arbot.sim.addresses import TRUTH_PATH
from arbot.sim.market import Market
from arbot.sim.server import PROTOCOLS
from arbot.sim.truth import Dislocation
from bench.child import ChildProcess
from bench.report import emit, goal

HOST = "127.0.0.1"
SYMBOLS = ("BTC-USDT", "ETH-USDT", "SOL-USDT", "XRP-USDT")
EARLY_MS = 2  # clock rounding: truth is stamped in whole ms
LATE_MS = 500  # an episode may open this long after the end (lag, a late quote)
COLUMNS = ("freshness", "injected", "eligible", "recall", "pair_recall", "passed",
           "phantoms", "stale_drops", "delay_ms_p50", "delay_ms_p90")


# --- the child: the simulator -------------------------------------------------------

async def serve(seed: int, rate: float, net_bps: float) -> None:
    """The market profile until stdin closes."""
    market = Market(dislocations_per_s=rate, truth_net_bps=net_bps)
    config = SimConfig(host=HOST, profile="market", seed=seed, symbols=SYMBOLS, market=market)
    async with SimServer(config) as server:
        print(f"port {server.port}", flush=True)
        await asyncio.to_thread(sys.stdin.buffer.read)


class Child(ChildProcess):
    def __init__(self, seed: int, rate: float, net_bps: float) -> None:
        super().__init__(Path(__file__).resolve(), "sim", "--seed", str(seed), "--rate",
                         str(rate), "--net-bps", str(net_bps), name="the simulator")

    def urls(self) -> dict[Venue, tuple[str, str]]:
        return {v: (f"ws://{HOST}:{self.port}/{v.value}{PROTOCOLS[v].ws_paths[0]}",
                    f"http://{HOST}:{self.port}/{v.value}") for v in Venue}

    async def truth(self) -> list[Dislocation]:
        async with aiohttp.ClientSession() as http, \
                http.get(f"http://{HOST}:{self.port}{TRUTH_PATH}") as resp:
            body = await resp.json()
        return msgspec.convert(body["dislocations"], list[Dislocation])


# --- this process: the engine -------------------------------------------------------

@dataclass
class Seen:
    """One episode as the engine reported it."""

    symbol: str
    buy: Venue
    sell: Venue
    opened_ms: float
    passed: bool
    updates: int  # quotes the gap was judged on, at its latest event


class Probe(Sink):
    """Every episode one runtime opened, and whether it ever passed the filters."""

    def __init__(self) -> None:
        self.episodes: dict[str, Seen] = {}

    def on_episode(self, event: EpisodeEvent) -> None:
        e = event.episode
        seen = self.episodes.get(e.id)
        if seen is None:
            seen = self.episodes[e.id] = Seen(e.symbol, e.buy_venue, e.sell_venue,
                                              e.opened_ns / 1e6, e.passed, e.updates)
        seen.passed = seen.passed or e.passed
        seen.updates = e.updates

    def on_quote(self, q: Quote) -> None:
        pass

    def on_feed_status(self, status: FeedStatus) -> None:
        pass


def settings(mode: str, db: Path, min_net_bps: float, urls: dict[Venue, tuple[str, str]]
             ) -> ArbotSettings:
    base = ArbotSettings.model_validate({
        "market": {"symbols": list(SYMBOLS)}, "storage": {"path": str(db)},
        "strategy": {"min_net_profit_bps": min_net_bps, "quote_freshness": mode}})
    return with_endpoints(base, urls)


async def watch(configs: dict[str, ArbotSettings], warmup_s: float, seconds: float
                ) -> tuple[dict[str, Probe], dict[str, int], float, float]:
    """Run one runtime per mode side by side; (probes, stale drops, window start, end)."""
    probes = {m: Probe() for m in configs}
    stop = asyncio.Event()
    async with AsyncExitStack() as stack:
        rts = {m: await stack.enter_async_context(Runtime(s, sinks=[probes[m]]))
               for m, s in configs.items()}
        runs = [asyncio.create_task(rt.run(stop), name=f"bench-{m}") for m, rt in rts.items()]
        await asyncio.sleep(warmup_s)
        stale0 = {m: rt.engine.funnel.stale for m, rt in rts.items() if rt.engine}
        t0 = time.time_ns() / 1e6
        await asyncio.sleep(seconds)
        t1 = time.time_ns() / 1e6
        stale = {m: rt.engine.funnel.stale - stale0[m] for m, rt in rts.items() if rt.engine}
        stop.set()
        await asyncio.gather(*runs)
    return probes, stale, t0, t1


# --- scoring ------------------------------------------------------------------------

def behind(e: Seen, d: Dislocation) -> bool:
    """Whether `d` can be what opened `e`."""
    end = d.end_ms if d.end_ms is not None else float("inf")
    return (e.symbol == d.symbol and d.venue in (e.buy, e.sell)
            and d.start_ms - EARLY_MS <= e.opened_ms <= end + LATE_MS)


def score(probe: Probe, truth: list[Dislocation], t0: float, t1: float, min_net_bps: float,
          persist_ms: float) -> dict[str, Any]:
    window = [d for d in truth if d.start_ms >= t0 and d.end_ms is not None
              and d.end_ms + LATE_MS <= t1]
    eligible = [d for d in window if d.min_net_bps > min_net_bps
                and d.end_ms is not None and d.end_ms - d.start_ms > persist_ms]
    episodes = [e for e in probe.episodes.values() if t0 <= e.opened_ms <= t1 - LATE_MS]
    phantoms = [e for e in episodes if not any(behind(e, d) for d in truth)]
    found, pairs, passed, delays = 0, 0, 0, []
    unpassed = []  # detected but never tradeable: (id, symbol, most updates judged on)
    by_symbol: dict[str, list[bool]] = {}
    passed_by_symbol: dict[str, list[bool]] = {}
    for d in eligible:
        mine = [e for e in probe.episodes.values() if behind(e, d)]
        by_symbol.setdefault(d.symbol, []).append(bool(mine))
        passed_by_symbol.setdefault(d.symbol, []).append(any(e.passed for e in mine))
        if not mine:
            continue
        found += 1
        pairs += any((e.buy, e.sell) == (d.buy_venue, d.sell_venue) for e in mine)
        passed += any(e.passed for e in mine)
        if not any(e.passed for e in mine):
            unpassed.append((d.id, d.symbol, max(e.updates for e in mine)))
        delays.append(min(e.opened_ms for e in mine) - d.start_ms)
    n = len(eligible)
    return {
        "injected": len(window), "eligible": n, "recall": found / n if n else 0.0,
        "pair_recall": pairs / n if n else 0.0, "passed": passed / n if n else 0.0,
        "phantoms": len(phantoms), "delay_ms_p50": statistics.median(delays) if delays else 0.0,
        "delay_ms_p90": statistics.quantiles(delays, n=10)[-1] if len(delays) > 1 else 0.0,
        "recall_by_symbol": {s: sum(v) / len(v) for s, v in sorted(by_symbol.items())},
        "passed_by_symbol": {s: sum(v) / len(v) for s, v in sorted(passed_by_symbol.items())},
        "episodes": len(episodes), "unpassed": unpassed,
        "phantom_list": [vars(e) for e in phantoms],
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    ap.add_argument("mode", nargs="?", choices=["sim"], help=argparse.SUPPRESS)
    ap.add_argument("--seconds", type=float, default=60.0, help="measured time (60)")
    ap.add_argument("--warmup", type=float, default=5.0, help="connect and settle first (5)")
    ap.add_argument("--seed", type=int, default=1, help="the simulator's seed (1)")
    ap.add_argument("--rate", type=float, default=1.0, help="dislocations per second (1)")
    ap.add_argument("--net-bps", type=float, default=Market().truth_net_bps,
                    help="net of an injected dislocation after fees (the profile's)")
    ap.add_argument("--min-net-bps", type=float, default=None,
                    help="the engine's min_net_profit_bps (half the injected net)")
    ap.add_argument("--compare", action="store_true",
                    help="also run the old age-based freshness rule beside the default")
    ap.add_argument("--json", type=Path, default=None, help="where to write the JSON")
    args = ap.parse_args()
    if args.mode == "sim":
        asyncio.run(serve(args.seed, args.rate, args.net_bps))
        return
    run(args)


def run(args: argparse.Namespace) -> None:
    min_net = args.net_bps / 2 if args.min_net_bps is None else args.min_net_bps
    default = ArbotSettings().strategy.quote_freshness
    modes = ["age", "connection"] if args.compare else [default]
    with tempfile.TemporaryDirectory(prefix="arbot-truth-") as tmp, \
            Child(args.seed, args.rate, args.net_bps) as child:
        configs = {m: settings(m, Path(tmp) / f"{m}.db", min_net, child.urls()) for m in modes}
        probes, stale, t0, t1 = asyncio.run(watch(configs, args.warmup, args.seconds))
        truth = asyncio.run(child.truth())
    persist = configs[modes[-1]].filters.trend.min_persist_ms
    results = {m: score(probes[m], truth, t0, t1, min_net, persist) | {"stale_drops": stale[m]}
               for m in modes}
    rows = [[m, *(results[m][c] for c in COLUMNS[1:])] for m in modes]
    emit("truth", COLUMNS, rows, json_path=args.json, extra={
        "seconds": args.seconds, "seed": args.seed, "rate_per_s": args.rate,
        "truth_net_bps": args.net_bps, "min_net_bps": min_net, "persist_ms": persist,
        "results": results})
    r = results[default]
    goal("truth_recall", r["recall"], "ratio", ">=0.99", r["recall"] >= 0.99)
    goal("truth_phantoms", r["phantoms"], "episodes", "=0", r["phantoms"] == 0)
    print(f"recall {r['recall']:.3f} phantoms {r['phantoms']} stale_drops {r['stale_drops']} "
          f"delay_ms {r['delay_ms_p50']:.0f}")


if __name__ == "__main__":
    main()
