"""µs per L1 frame and frames/s for each venue's parser, on recorded frames.

Frames: the recorded fixtures for Binance (bookTicker), Bybit (orderbook.1) and OKX
(tickers); Bitget v2 has no public recording, so its documented books5/ticker examples.
Only frames that yield a quote are timed, so every venue is measured on its L1 path.

    python bench/parse.py [--runs 7] [--frames 200000]
"""

from __future__ import annotations

import argparse
import functools
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from arbot.domain import Quote, Venue
from arbot.exchanges import adapter_for
from arbot.exchanges.base import DropCounter
from arbot.exchanges.symbols import SymbolMap
from bench.report import emit, median_of

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures"
SOURCES = {
    Venue.BINANCE: "binance/ws_bookTicker_2021-10-12.jsonl",
    Venue.BYBIT: "bybit/ws_spot_orderbook1_2025-06-13.jsonl",
    Venue.OKX: "okx/ws_tickers_BTC-USDT_2022-05-13.jsonl",
    Venue.BITGET: "bitget/DOCS_EXAMPLES_NOT_RECORDED_v2_ws_spot.jsonl",
}


def l1_frames(venue: Venue) -> tuple[list[bytes], Callable[[bytes, int], object]]:
    """The fixture frames that parse to a quote, and a fresh parser for the venue."""
    adapter = adapter_for(venue)
    symbols = SymbolMap(venue, (), guess=True)
    lines = (FIXTURES / SOURCES[venue]).read_bytes().splitlines()
    probe = adapter.new_parser(symbols.to_canonical, DropCounter())
    frames = [ln for ln in lines if any(isinstance(e, Quote) for e in probe.parse(ln, 0))]
    parser = adapter.new_parser(symbols.to_canonical, DropCounter())
    return frames, parser.parse


def time_parse(frames: list[bytes], parse: Callable[[bytes, int], object], total: int) -> float:
    """Seconds per frame over `total` frames cycling through `frames`."""
    batch = frames * max(1, total // len(frames))
    start = time.perf_counter()
    for frame in batch:
        parse(frame, 0)
    return (time.perf_counter() - start) / len(batch)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--frames", type=int, default=200_000, help="frames per run")
    args = ap.parse_args()

    rows = []
    for venue in Venue:
        frames, parse = l1_frames(venue)
        time_parse(frames, parse, 10_000)  # warm up
        median, samples = median_of(
            args.runs, functools.partial(time_parse, frames, parse, args.frames))
        rows.append([str(venue), SOURCES[venue].split("/")[1], len(frames),
                     median * 1e6, min(samples) * 1e6, 1 / median])
    emit("parse", ["venue", "frames from", "distinct", "median_us", "best_us", "frames_per_s"],
         rows, extra={"runs": args.runs, "frames_per_run": args.frames})


if __name__ == "__main__":
    main()
