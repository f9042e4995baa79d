"""The engine's share of `bench/depth.py`: the depth walk per book update (item 2) and
recorded frames end to end through parsers, books and engine (item 3).

Walk tasks run a fresh engine over a `Market` per sample: the books back to their
snapshot and the first quarter of updates applied and quoted untimed (every slot made,
as in a long run), then the rest: `apply` times the deltas alone; `depth` applies each
delta and times `Engine(depth=board).on_quote` of its top (each call between two
`perf_counter_ns` reads, their own cost taken off); `l1` the same with the engine
without the board. With `max_notional` at $100k the walk is bounded by the books, not by
the default $100 that one level always fills.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass, field
from typing import Any

from arbot.config import ArbotSettings
from arbot.config.sections import StrategySettings
from arbot.depth.board import DepthBoard
from arbot.domain import EpisodeEvent, Venue
from arbot.engine.engine import Engine
from arbot.engine.freshness import Liveness
from bench.depth_arbot import ParserBooks, parser_problem
from bench.depth_frames import Stream
from bench.depth_market import Market

WALK_NOTIONAL = 100_000.0
MODES = ("apply", "depth", "l1")


class _Sink:
    def on_episode(self, event: EpisodeEvent) -> None:
        pass


def _settings() -> ArbotSettings:
    return ArbotSettings(strategy=StrategySettings(max_notional=WALK_NOTIONAL))


class WalkTask:
    def __init__(self, market: Market, name: str, mode: str) -> None:
        self.market, self.name, self.mode = market, name, mode
        self.settings = _settings()
        self.samples: list[float] = []
        self.funnel: dict[str, int] = {}

    def run(self) -> None:
        m = self.market
        m.prime()
        engine = Engine(self.settings, _Sink(), clock=None, liveness=Liveness.ALWAYS,
                        depth=m.board if self.mode == "depth" else None)
        on_quote = engine.on_quote
        warm = len(m.updates) // 4
        for u in m.updates[:warm]:
            u.book.apply(u.bids, u.asks)
            on_quote(u.quote)
        timed = m.updates[warm:]
        if self.mode == "apply":
            start = time.perf_counter()
            for u in timed:
                u.book.apply(u.bids, u.asks)
            self.samples.append((time.perf_counter() - start) / len(timed))
        else:  # the engine's call alone, its clock's own cost taken off
            clock = time.perf_counter_ns
            took = 0
            for u in timed:
                u.book.apply(u.bids, u.asks)
                start_ns = clock()
                on_quote(u.quote)
                took += clock() - start_ns
            self.samples.append(took / len(timed) / 1e9 - _clock_cost())
        self.funnel = engine.funnel.as_dict()

    def us(self, q: float) -> float:
        return quantile(self.samples, q) * 1e6


def _clock_cost() -> float:
    """Seconds one `perf_counter_ns` pair costs inside a loop, the least of a few tries."""
    clock = time.perf_counter_ns
    best = float("inf")
    for _ in range(5):
        took = 0
        for _ in range(2000):
            start_ns = clock()
            took += clock() - start_ns
        best = min(best, took / 2000 / 1e9)
    return best


def quantile(samples: list[float], q: float) -> float:
    """The samples' `q` quantile (0.5: the median)."""
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


@dataclass
class Walks:
    tasks: list[WalkTask] = field(default_factory=list)
    n_symbols: int = 0
    levels: dict[str, float] = field(default_factory=dict)  # mean levels per delta
    q: float = 0.5  # the quantile of each task's samples that is its figure

    def us(self, market: str, mode: str) -> float:
        return next(t.us(self.q) for t in self.tasks if t.name == market and t.mode == mode)

    def rows(self) -> list[list[object]]:
        rows: list[list[object]] = []
        for market in ("crossed", "market"):
            apply = self.us(market, "apply")
            funnel = next(t.funnel for t in self.tasks if t.name == market and t.mode == "depth")
            share = f"crossed {funnel.get('crossed', 0)} of {funnel.get('quotes', 0)} quotes"
            depth, top = self.us(market, "depth"), self.us(market, "l1")
            rows.append(["detect (depth)", market, depth, 1e6 / depth, share])
            rows.append(["detect (top only)", market, top, 1e6 / top, "Engine(depth=None)"])
            rows.append(["walk share", market, depth - top, "", "detect (depth) - (top only)"])
            rows.append(["delta apply", market, apply, 1e6 / apply,
                         f"{self.levels[market]:.1f} levels/delta, the feed's share"])
        return rows

    def summary(self) -> dict[str, Any]:
        out: dict[str, Any] = {"walk_symbols": self.n_symbols}
        for market in ("crossed", "market"):
            out[f"detect_{market}_us"] = self.us(market, "depth")
            out[f"detect_{market}_top_us"] = self.us(market, "l1")
            out[f"walk_{market}_us"] = self.us(market, "depth") - self.us(market, "l1")
            out[f"apply_{market}_us"] = self.us(market, "apply")
        return out


def walk_tasks(n_symbols: int, n_updates: int, levels: int, seed: int, q: float) -> Walks:
    walks = Walks(n_symbols=n_symbols, q=q)
    for name, crossed in (("crossed", True), ("market", False)):
        market = Market(n_symbols, n_updates, levels, crossed, seed)
        walks.levels[name] = statistics.mean(len(u.bids) + len(u.asks) for u in market.updates)
        for mode in MODES:
            task = WalkTask(market, name, mode)
            task.run()  # warm-up, and the funnel says the walk ran
            walks.tasks.append(task)
    return walks


class E2ETask:
    """All venues' recorded deltas, interleaved, through parsers into one board and an
    engine; venue-unique symbols (`{BASE}{venue index}-{QUOTE}`)."""

    name = "e2e"

    def __init__(self, streams: dict[Venue, Stream]) -> None:
        self.streams = {v: _unique(s, i) for i, (v, s) in enumerate(streams.items())}
        self.settings = _settings()
        self.samples: list[float] = []
        self.quotes = 0
        self.frames = 0

    def run(self) -> None:
        board = DepthBoard(50)
        engine = Engine(self.settings, _Sink(), clock=None, liveness=Liveness.ALWAYS,
                        depth=board)
        parsers = []
        for s in self.streams.values():
            parse = ParserBooks(s).prime(board)
            parsers.append([(parse, f) for f in s.updates])
        frames = _interleave(parsers)
        on_quote = engine.on_quote
        quotes = 0
        start = time.perf_counter()
        for parse, frame in frames:
            q = parse(frame, 0)
            if q is not None:
                on_quote(q)
                quotes += 1
        self.samples.append(time.perf_counter() - start)
        self.quotes, self.frames = quotes, len(frames)

    def per_s(self, q: float) -> float:
        return self.frames / quantile(self.samples, q)


def _unique(s: Stream, i: int) -> Stream:
    pairs = [(f"{c.split('-')[0]}{i}-{c.split('-')[1]}", vid) for c, vid in s.pairs]
    return Stream(s.venue, pairs, s.prime, s.updates, s.cf_prime, s.cf_updates, s.rest)


def _interleave(lists: list[list[Any]]) -> list[Any]:
    """Round-robin over the venues' streams, each in its own order."""
    out = []
    n = max(len(x) for x in lists)
    for k in range(n):
        out += [x[k] for x in lists if k < len(x)]
    return out


@dataclass
class E2E:
    tasks: list[E2ETask] = field(default_factory=list)
    why_not: str = ""
    q: float = 0.5

    def rows(self) -> list[list[object]]:
        if not self.tasks:
            return [["end to end", "recorded", "n/a", "n/a", self.why_not]]
        t = self.tasks[0]
        per_s = t.per_s(self.q)
        return [["end to end", "recorded", 1e6 / per_s, per_s,
                 f"{t.frames} frames/pass, {t.quotes} quotes to the engine"]]

    def summary(self) -> dict[str, Any]:
        return {"e2e_updates_per_s": self.tasks[0].per_s(self.q) if self.tasks else None}


def e2e_tasks(streams: dict[Venue, Stream], q: float) -> E2E:
    why = parser_problem()
    if why:
        return E2E(why_not=why, q=q)
    task = E2ETask(streams)
    task.run()
    return E2E([task], q=q)
