"""Depth books: what a frame costs, what the walk costs, how many book updates a core
carries, what a book weighs; cryptofeed's own book handling on the same frames, in the
same run, as the anchor (docs/depth.md; issue 16, "Speed").

1. Per frame, per venue, on the recorded depth streams (bench/depth_frames.py): `arbot`
   is `DepthFrameParser.quote(frame)` (typed decode, `BookKeeper`: chaining, apply,
   checksum of the top 25 on OKX and Bitget, crossed test, the top's `Quote`); `decode`
   the typed decode alone; `book`
   is the book's share alone (`L2Book.apply` + checksum + crossed on deltas decoded
   beforehand); `cryptofeed` is its `Feed.message_handler` with `checksum_validation`
   and `cross_check` on (bench/depth_peers.py). Every (venue, contender) is one task;
   each round runs every task once in a fresh shuffled order, one sample being one pass
   over the venue's recorded deltas after an untimed priming (snapshots), so load on the
   shared machine falls on all alike. A task's figure is the median µs per frame
   (--quantile picks another). Every contender must end a pass holding the same best
   bid and ask on every book, with no resync and no drop, or the run stops.
2. The walk: 100 symbols x 4 venues of depth-20 books (bench/depth_market.py), each update
   a small delta applied to the book, then `Engine(depth=board).on_quote` of its new top
   timed (`detect (depth)`); `detect (top only)` is the same engine without the board
   (top-of-book sizing), their difference the walk's share. On a market where every
   update crosses three venue pairs (`crossed`: every update walks, the worst case; the
   GOAL) and on bench/engine.py's market (a dislocation now and then).
3. End to end: all four recorded streams, interleaved, through their `DepthFrameParser`s
   into one board and an `Engine(depth=board)`: book updates per second on one core.
   Symbols are made venue-unique (recordings from 2021-2026 would cross absurdly), so
   the engine takes its fast path; the slow path's cost is item 2.
4. Bytes per book at 20/50/400 levels a side (bench/depth_memory.py), ArBot's `L2Book`
   and cryptofeed's `OrderBook`.

    python bench/depth.py [--rounds 300] [--walk-rounds 15] [--walk-updates 40000]
                          [--e2e-rounds 60] [--memory-books 2000] [--quantile 0.5]
                          [--out DIR]
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from arbot.domain import Venue
from bench.depth_arbot import BookOnly, DecodeOnly, ParserBooks, parser_problem
from bench.depth_engine import e2e_tasks, quantile, walk_tasks
from bench.depth_frames import KIND, Stream, stream
from bench.depth_memory import per_book
from bench.depth_peers import CryptofeedBooks, version
from bench.report import RESULTS, emit, goal

GOAL_FRAME_US, GOAL_WALK_US, GOAL_UPDATES_S = 10.0, 20.0, 100_000.0
MEMORY_LEVELS = (20, 50, 400)
TOP_TOLERANCE = 1e-12


class Task:
    """One contender on one venue: prime untimed, then time one pass over its frames."""

    def __init__(self, venue: Venue, name: str, contender: Any) -> None:
        self.venue, self.name, self.contender = venue, name, contender
        self.samples: list[float] = []

    def run(self) -> None:
        c = self.contender
        fn = c.prime()
        frames = c.frames
        if c.two_args:
            start = time.perf_counter()
            for frame in frames:
                fn(frame, 0)
        else:
            start = time.perf_counter()
            for frame in frames:
                fn(frame)
        self.samples.append((time.perf_counter() - start) / len(frames))

    def us(self, q: float) -> float:
        return quantile(self.samples, q) * 1e6


def frame_tasks(streams: dict[Venue, Stream], notes: list[str]) -> list[Task]:
    """Every contender per venue, checked once to end a pass on the same tops."""
    tasks = []
    why_no_parser = parser_problem()
    if why_no_parser:
        notes.append(f"arbot: {why_no_parser}")
    cf_version = version()
    if cf_version is None:
        notes.append("cryptofeed not installed; pip install -e '.[bench]'")
    for venue, s in streams.items():
        contenders: dict[str, Any] = {"book": BookOnly(s)}
        if not why_no_parser:
            contenders["arbot"] = ParserBooks(s)
            tasks.append(Task(venue, "decode", DecodeOnly(s)))  # no book to check
        if cf_version is not None:
            contenders["cryptofeed"] = CryptofeedBooks(s)
        reference = None
        for name, c in contenders.items():
            Task(venue, name, c).run()
            tops = [c.top(symbol) for symbol in s.symbols]
            problem = c.problems() if hasattr(c, "problems") else ""
            assert not problem, f"{name} {problem}"
            assert all(t is not None for t in tops), f"{venue} {name}: a book without a top"
            if reference is None:
                reference = tops
            for got, want in zip(tops, reference, strict=True):
                assert got is not None and want is not None
                assert abs(got[0] - want[0]) <= TOP_TOLERANCE * want[0] and \
                    abs(got[1] - want[1]) <= TOP_TOLERANCE * want[1], (venue, name, got, want)
            tasks.append(Task(venue, name, c))
    return tasks


def race(tasks: list[Any], rounds: int, seed: int) -> None:
    """Every task once per round, in a fresh shuffled order."""
    gc.collect()
    gc.freeze()  # what setup built is not rescanned inside whichever sample a GC lands in
    rng = random.Random(seed)
    for _ in range(rounds):
        rng.shuffle(tasks)
        for task in tasks:
            task.run()


def frames_report(tasks: list[Task], streams: dict[Venue, Stream], args: argparse.Namespace,
                  notes: list[str]) -> dict[str, Any]:
    us = {(t.venue, t.name): t.us(args.quantile) for t in tasks}
    rows = []
    ratios = []
    for venue, s in streams.items():
        arbot = us.get((venue, "arbot"))
        cf = us.get((venue, "cryptofeed"))
        ratio = arbot / cf if arbot is not None and cf is not None else None
        if ratio is not None:
            ratios.append(ratio)
        levels = s.levels_per_update()
        rows.append([str(venue), KIND[venue], len(s.symbols), len(s.updates), round(levels, 1),
                     "yes" if venue in (Venue.OKX, Venue.BITGET) else "no", _or_na(arbot),
                     _or_na(us.get((venue, "decode"))), us[(venue, "book")],
                     _or_na(arbot / levels if arbot is not None else None), _or_na(cf),
                     _or_na(ratio), _or_na(1 / ratio if ratio else None)])
    columns = ["venue", "frames", "symbols", "deltas", "levels/delta", "checksum", "arbot_us",
               "decode_us", "book_us", "arbot_us/level", "cryptofeed_us", "arbot/cf",
               "cf/arbot"]
    arbot_us = [us[(v, "arbot")] for v in streams if (v, "arbot") in us]
    out: dict[str, Any] = {
        "frame_max_us": max(arbot_us) if arbot_us else None,
        "frame_mean_us": statistics.mean(arbot_us) if arbot_us else None,
        "arbot_over_cryptofeed_mean": statistics.mean(ratios) if ratios else None}
    emit("depth", columns, rows, json_path=args.out / "depth.json",
         extra={"rounds": args.rounds, "quantile": args.quantile, "notes": notes,
                "cryptofeed": version(), **out})
    return out


def memory_report(args: argparse.Namespace) -> None:
    rows = []
    for levels in MEMORY_LEVELS:
        n = max(1, args.memory_books * 20 // levels)
        a_traced, a_rss = per_book("arbot", levels, n)
        row: list[object] = [levels, n, round(a_traced), round(a_rss), a_traced / levels / 2]
        if version() is not None:
            c_traced, c_rss = per_book("cryptofeed", levels, n)
            row += [round(c_traced), round(c_rss), a_traced / c_traced]
        else:
            row += ["n/a (cryptofeed not installed)"] * 3
        rows.append(row)
    emit("depth_memory", ["levels/side", "books", "arbot_B", "arbot_rss_B", "arbot_B/level",
                          "cryptofeed_B", "cryptofeed_rss_B", "arbot/cf"], rows,
         json_path=args.out / "depth_memory.json")


def _or_na(v: float | None) -> float | str:
    return "n/a" if v is None else v


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=300)
    ap.add_argument("--walk-rounds", type=int, default=15)
    ap.add_argument("--walk-updates", type=int, default=40_000)
    ap.add_argument("--walk-symbols", type=int, default=100)
    ap.add_argument("--walk-levels", type=int, default=20)
    ap.add_argument("--e2e-rounds", type=int, default=60)
    ap.add_argument("--memory-books", type=int, default=2000,
                    help="books of 20 levels a side; deeper books fewer, alike in bytes")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--quantile", type=float, default=0.5,
                    help="which quantile of each task's samples is its figure (0.5: median; "
                         "lower ones discount preemption on a busy machine, for all alike)")
    ap.add_argument("--out", type=Path, default=RESULTS, help="where the JSON goes")
    args = ap.parse_args()
    notes: list[str] = []
    streams = {venue: stream(venue) for venue in Venue}

    tasks = frame_tasks(streams, notes)
    race(tasks, args.rounds, args.seed)
    frames = frames_report(tasks, streams, args, notes)
    for note in notes:
        print(f"note: {note}")

    engine = engine_section(streams, args, notes)
    print()
    memory_report(args)
    print()
    goals(frames, engine)


def engine_section(streams: dict[Venue, Stream], args: argparse.Namespace,
                   notes: list[str]) -> dict[str, Any]:
    """Items 2 and 3: the walk and end to end, each raced in its own rounds."""
    print()
    walk = walk_tasks(args.walk_symbols, args.walk_updates, args.walk_levels, args.seed,
                      args.quantile)
    e2e = e2e_tasks(streams, args.quantile)
    race(walk.tasks, args.walk_rounds, args.seed)
    race(e2e.tasks, args.e2e_rounds, args.seed)
    rows = walk.rows() + e2e.rows()
    out = {**walk.summary(), **e2e.summary()}
    emit("depth_engine", ["measure", "market", "per_update_us", "updates_per_s", "note"], rows,
         json_path=args.out / "depth_engine.json", extra={"notes": notes, **out})
    return out


def goals(frames: dict[str, Any], engine: dict[str, Any]) -> None:
    def line(name: str, value: float | None, unit: str, target: str,
             passed: Callable[[float], bool], why: str) -> None:
        if value is None:
            print(f"GOAL {name} n/a {unit} {target} FAIL ({why})")
        else:
            goal(name, value, unit, target, passed(value))

    line("depth_frame_us", frames["frame_max_us"], "us", f"<={GOAL_FRAME_US:g}",
         lambda v: v <= GOAL_FRAME_US, "no depth parsers")
    line("depth_walk_us", engine.get("walk_crossed_us"), "us", f"<={GOAL_WALK_US:g}",
         lambda v: v <= GOAL_WALK_US, "no depth walk in the engine")
    line("depth_updates_per_s", engine.get("e2e_updates_per_s"), "1/s",
         f">={GOAL_UPDATES_S:g}", lambda v: v >= GOAL_UPDATES_S, "no depth parsers")
    ratio = frames["arbot_over_cryptofeed_mean"]
    if ratio is not None:
        print(f"anchor: ArBot/cryptofeed time per depth frame, mean of venues {ratio:.3f} "
              f"(cryptofeed {1 / ratio:.1f}x slower)")


if __name__ == "__main__":
    main()
