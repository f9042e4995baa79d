"""µs per L1 frame for each venue's parser: the new `quote`, the old one (git `main`; its
`quote`, or its `parse` where it had no `quote`)
and, with --peers, cryptofeed's and ccxt.pro's handlers, on the same recorded market data
(bench/parse_frames.py says which frames and how each contender receives them).

Every (venue, contender) pair is one task; each round runs every task once, in a fresh
shuffled order, as one short sample (about --sample-ms of frames, cycled), so load on
the shared machine falls on all contenders alike. A task's figure is the median of its
samples (--quantile picks another). `decode_us` is the venue's strict typed msgspec
decode alone, the floor under `quote`: what `quote` adds to it is the Python after the
decode (symbol lookup, the crossed test, the Quote). `min_decode_us` is the same bytes
decoded into a Struct of only what a Quote needs with no checks, and `scan_us` msgspec
keeping nothing: the floor any msgspec parser of these frames stands on. Peers are
verified to hold ArBot's bid/ask for every frame before they are timed (bench/peers.py).

    python bench/parse.py [--rounds 600] [--sample-ms 1] [--old-ref main] [--peers]
                          [--quantile 0.5]
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

from arbot.domain import Quote, Venue
from bench.parse_frames import (
    KIND,
    VenueFrames,
    live_decode,
    minimal_decode,
    new_parser,
    old_parsers,
    order_reset,
    same_quotes,
    scan_decode,
    temp_dir,
    venue_frames,
)
from bench.peers import Peer, available, verify
from bench.report import emit, goal

GOAL_MEAN_US = 0.7
GOAL_VS = {"cryptofeed": 7.0, "ccxt": 60.0}


def _time_quote(fn: Callable[[bytes, int], object], batch: list[Any]) -> float:
    start = time.perf_counter()
    for frame in batch:
        fn(frame, 0)
    return (time.perf_counter() - start) / len(batch)


def _time_one(fn: Callable[[Any], object], batch: list[Any]) -> float:
    start = time.perf_counter()
    for frame in batch:
        fn(frame)
    return (time.perf_counter() - start) / len(batch)


def _nothing(frame: bytes, recv_ns: int) -> None:
    return None


def _build_quote(frame: bytes, recv_ns: int) -> Quote:
    return Quote(venue=Venue.BINANCE, symbol="NKN-USDT", bid=0.3521, bid_size=672.0,
                 ask=0.3526, ask_size=3199.0, ts_exchange_ms=None, ts_recv_ns=recv_ns)


class Task:
    """One contender on one venue: a timing function, its callable and a sized batch."""

    def __init__(self, venue: Venue, name: str, timer: Callable[..., float],
                 fn: Callable[..., object], frames: list[Any], sample_s: float,
                 reset: Callable[[], None] | None = None) -> None:
        self.venue, self.name, self.timer, self.fn = venue, name, timer, fn
        self.reset = reset
        per_frame = timer(fn, frames * max(1, 200 // len(frames)))  # also a warm-up
        n = max(len(frames), int(sample_s / max(per_frame, 1e-9)))
        self.batch = (frames * (n // len(frames) + 1))[:n]
        self.samples: list[float] = []

    def run(self) -> None:
        if self.reset is not None:
            self.reset()
        self.samples.append(self.timer(self.fn, self.batch))

    def us(self, quantile: float) -> float:
        """The samples' `quantile` (0.5: the median) in µs."""
        ordered = sorted(self.samples)
        return ordered[min(len(ordered) - 1, int(quantile * len(ordered)))] * 1e6


def peer_tasks(venue: Venue, vf: VenueFrames, quote: Callable[[bytes, int], Quote | None],
               peers: list[Peer], sample_s: float, notes: list[str]) -> list[Task]:
    """A verified task per peer that can handle this venue's frames; notes say why not."""
    tasks = []
    expected = []
    for frame in vf.arbot:
        q = quote(frame, 0)
        assert q is not None
        expected.append((q.symbol, q.bid, q.ask))
    symbols = sorted({e[0] for e in expected})
    for peer in peers:
        # cryptofeed reads Binance over combined streams; ccxt.pro over raw /ws, as ArBot.
        raw = vf.combined if peer.name == "cryptofeed" else vf.arbot
        texts = [f.decode() for f in raw]
        try:
            path = peer.build(venue, symbols)
            why = path if isinstance(path, str) else verify(path, texts, expected)
        except Exception as e:  # a peer's own failure is a result, not a crash
            path = why = f"{e.__class__.__name__}: {e}"
        if isinstance(path, str) or why:
            notes.append(f"{venue} {peer.name}: {why}")
            continue
        tasks.append(Task(venue, peer.name, _time_one, path.handle, texts, sample_s))
    return tasks


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=600)
    ap.add_argument("--sample-ms", type=float, default=1.0)
    ap.add_argument("--old-ref", default="main", help="git ref of the old parsers ('' skips)")
    ap.add_argument("--peers", action="store_true",
                    help="also time cryptofeed and ccxt.pro handlers on the same frames")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--quantile", type=float, default=0.5,
                    help="which quantile of each task's samples is its figure (0.5: median; "
                         "lower ones discount preemption on a busy machine, for all alike)")
    args = ap.parse_args()
    sample_s = args.sample_ms / 1000
    notes: list[str] = []
    peers: list[Peer] = []
    if args.peers:
        peers, missing = available()
        notes += missing
        for peer in peers:
            print(f"peers: {peer.name} {peer.version}: {peer.does}")

    with temp_dir() as tmp:
        old = old_parsers(args.old_ref, Path(tmp)) if args.old_ref else "old code skipped"
        if isinstance(old, str):
            notes.append(old)
        tasks: list[Task] = []
        frames: dict[Venue, VenueFrames] = {}
        for venue in Venue:
            vf = frames[venue] = venue_frames(venue)
            parser = new_parser(venue, vf.pairs)
            tasks.append(Task(venue, "new", _time_quote, parser.quote, vf.arbot, sample_s,
                              order_reset(parser)))
            tasks.append(Task(venue, "decode", _time_one, live_decode(parser, vf.arbot), vf.arbot,
                              sample_s))
            tasks.append(Task(venue, "min_decode", _time_one, minimal_decode(venue), vf.arbot,
                              sample_s))
            tasks.append(Task(venue, "scan", _time_one, scan_decode(), vf.arbot, sample_s))
            if not isinstance(old, str):
                old_parse, old_reset = old(venue, vf.pairs)
                same_quotes(venue, vf.arbot, new_parser(venue, vf.pairs), old_parse)
                if old_reset is not None:
                    old_reset()
                tasks.append(Task(venue, "old", _time_quote, old_parse, vf.arbot, sample_s,
                                  old_reset))
            tasks += peer_tasks(venue, vf, new_parser(venue, vf.pairs).quote, peers, sample_s,
                                notes)
        # The parts every `quote` pays after the decode, timed the same way on one venue:
        # a call with the loop's two arguments, and building the Quote itself.
        binance = frames[Venue.BINANCE].arbot
        tasks.append(Task(Venue.BINANCE, "part:call", _time_quote, _nothing, binance, sample_s))
        tasks.append(Task(Venue.BINANCE, "part:Quote", _time_quote, _build_quote, binance,
                          sample_s))
        # GC stays on, but what setup built (the peers' modules, frames, parsers) is frozen,
        # as the TUI freezes its startup heap: a full collection one contender triggers
        # then does not scan it inside whichever sample it lands in.
        gc.collect()
        gc.freeze()
        rng = random.Random(args.seed)
        for _ in range(args.rounds):
            rng.shuffle(tasks)
            for task in tasks:
                task.run()
    report(tasks, frames, peers, notes, args)


def report(tasks: list[Task], frames: dict[Venue, VenueFrames], peers: list[Peer],
           notes: list[str], args: argparse.Namespace) -> None:
    us = {(t.venue, t.name): t.us(args.quantile) for t in tasks}
    names = ["new", "decode", "min_decode", "scan", "old", *(p.name for p in peers)]
    rows = []
    for venue in Venue:
        new = us[(venue, "new")]
        row: list[object] = [str(venue), KIND[venue], len(frames[venue].arbot),
                             round(sum(map(len, frames[venue].arbot)) / len(frames[venue].arbot))]
        for name in names:
            row.append(us.get((venue, name), "n/a"))
        row.append(new - us[(venue, "decode")])
        row += [us[(venue, p.name)] / new if (venue, p.name) in us else "n/a" for p in peers]
        rows.append(row)
    columns = ["venue", "frames", "distinct", "bytes",
               *(f"{n}_us" for n in names), "after_decode_us",
               *(f"{p.name}/new" for p in peers)]
    mean = {n: statistics.mean(us[(v, n)] for v in Venue)
            for n in ("new", "decode", "min_decode", "scan")}
    has_old = all((v, "old") in us for v in Venue)
    extra: dict[str, Any] = {"rounds": args.rounds, "sample_ms": args.sample_ms,
                             "quantile": args.quantile,
                             "old_ref": args.old_ref, "notes": notes,
                             "parse_mean_us": mean["new"], "decode_mean_us": mean["decode"],
                             "min_decode_mean_us": mean["min_decode"],
                             "scan_mean_us": mean["scan"]}
    if has_old:
        extra["old_mean_us"] = statistics.mean(us[(v, "old")] for v in Venue)
    ratios = {}
    for p in peers:
        common = [v for v in Venue if (v, p.name) in us]
        if common:
            ratios[p.name] = (sum(us[(v, p.name)] for v in common)
                              / sum(us[(v, "new")] for v in common))
            extra[f"vs_{p.name}"] = ratios[p.name]
            extra[f"vs_{p.name}_venues"] = [str(v) for v in common]
    extra["peers"] = {p.name: {"version": p.version, "does": p.does} for p in peers}
    call, build = us[(Venue.BINANCE, "part:call")], us[(Venue.BINANCE, "part:Quote")]
    extra["part_call_us"], extra["part_quote_us"] = call, build - call
    # `quote` is a Python call around the decode that builds a Quote: `build` is both.
    extra["floor_mean_us"] = floor = mean["min_decode"] + build
    emit("parse_peers" if peers else "parse", columns, rows, extra=extra)
    for note in notes:
        print(f"note: {note}")
    print(f"parts: a call {call:.3f} us, building a Quote {build - call:.3f} us more; floor "
          f"(decode incl. call + Quote) mean {mean['decode'] + build - call:.3f} us")
    print(f"floor of any msgspec parser: minimal decode mean {mean['min_decode']:.3f} us "
          f"(reading alone {mean['scan']:.3f}), + a call building a Quote = {floor:.3f} us")
    print(f"mean of 4 venues: new {mean['new']:.3f} us, decode alone {mean['decode']:.3f} us"
          + (f", old ({args.old_ref}) {extra['old_mean_us']:.3f} us, old/new "
             f"{extra['old_mean_us'] / mean['new']:.2f}x" if has_old else ""))
    goal("parse_mean_us", mean["new"], "us", f"<={GOAL_MEAN_US}", mean["new"] <= GOAL_MEAN_US)
    for name, ratio in ratios.items():
        target = GOAL_VS.get(name)
        if target is not None:
            goal(f"vs_{name}", ratio, "x", f">={target:g}", ratio >= target)


if __name__ == "__main__":
    main()
