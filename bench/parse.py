"""µs per L1 frame and frames/s for each venue's parser, on recorded frames.

Frames: the recorded fixtures for Binance (bookTicker), Bybit (orderbook.1) and OKX
(tickers); Bitget v2 has no public recording, so its documented books5/ticker examples.
Only frames that yield a quote are timed, so every venue is measured on its L1 path.
`gated_us` is the parse plus the feed loop's pass over its quotes with the quote gate
(`arbot.exchanges.quotegate`, built from the venue's recorded instruments), and `gate_us`
what the gate adds to the same loop without it: the per-frame cost the feed pays for it.
With --peers the same frames also go through cryptofeed's and ccxt.pro's handlers (the
`bench` extra; see bench/peers.py for what each path does), timed the same way.

    python bench/parse.py [--runs 7] [--frames 200000] [--peers]
"""

from __future__ import annotations

import argparse
import functools
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from arbot.domain import FeedEvent, Quote, Venue
from arbot.exchanges import adapter_for
from arbot.exchanges.base import DropCounter
from arbot.exchanges.quotegate import QuoteGate
from arbot.exchanges.symbols import SymbolMap, parse_canonical
from bench.peers import Peer, available, verify
from bench.report import emit, median_of

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures"
INSTRUMENTS = {
    Venue.BINANCE: "binance/rest_exchangeInfo_TRIMMED_2021-10-12.json",
    Venue.BYBIT: "bybit/rest_instruments_info_spot_2026-08-09.json",
    Venue.OKX: "okx/rest_public_instruments_SPOT_2022-05-13.json",
    Venue.BITGET: "bitget/DOCS_EXAMPLE_symbols.json",
}
SOURCES = {
    Venue.BINANCE: "binance/ws_bookTicker_2021-10-12.jsonl",
    Venue.BYBIT: "bybit/ws_spot_orderbook1_2025-06-13.jsonl",
    Venue.OKX: "okx/ws_tickers_BTC-USDT_2022-05-13.jsonl",
    Venue.BITGET: "bitget/DOCS_EXAMPLES_NOT_RECORDED_v2_ws_spot.jsonl",
}


def l1_frames(venue: Venue) -> tuple[list[bytes], Callable[[bytes, int], list[FeedEvent]]]:
    """The fixture frames that parse to a quote, and a fresh parser for the venue."""
    adapter = adapter_for(venue)
    guessing = SymbolMap(venue, (), guess=True)
    lines = (FIXTURES / SOURCES[venue]).read_bytes().splitlines()
    probe = adapter.new_parser(guessing.to_canonical, DropCounter())
    frames, pairs = [], set()
    for line in lines:
        quotes = [e for e in probe.parse(line, 0) if isinstance(e, Quote)]
        if quotes:
            frames.append(line)
            pairs.update((q.symbol, adapter.venue_id(*parse_canonical(q.symbol))) for q in quotes)
    # Time the live configuration: an exact map, as built from instruments or settings.
    parser = adapter.new_parser(SymbolMap(venue, pairs).lookup, DropCounter())
    return frames, parser.parse


def time_parse(frames: list[bytes], parse: Callable[[bytes, int], object], total: int) -> float:
    """Seconds per frame over `total` frames cycling through `frames`."""
    batch = frames * max(1, total // len(frames))
    start = time.perf_counter()
    for frame in batch:
        parse(frame, 0)
    return (time.perf_counter() - start) / len(batch)


def venue_gate(venue: Venue) -> QuoteGate:
    """The gate as the runtime builds it, from the venue's recorded instruments."""
    listed = adapter_for(venue).parse_instruments((FIXTURES / INSTRUMENTS[venue]).read_bytes())
    return QuoteGate(venue, {i.symbol: i for i in listed})


def time_loop(frames: list[bytes], parse: Callable[[bytes, int], list[FeedEvent]],
              check: Callable[[Quote], object] | None, total: int) -> float:
    """Seconds per frame for the feed loop's work: parse, then each quote through `check`
    (or only the type test the loop makes, with None)."""
    batch = frames * max(1, total // len(frames))
    start = time.perf_counter()
    if check is None:
        for frame in batch:
            for event in parse(frame, 0):
                if type(event) is Quote:
                    pass
    else:
        for frame in batch:
            for event in parse(frame, 0):
                if type(event) is Quote and check(event) is None:
                    pass
    return (time.perf_counter() - start) / len(batch)


def time_handle(frames: list[str], handle: Callable[[str], object], total: int) -> float:
    """`time_parse` for a peer's one-argument handler."""
    batch = frames * max(1, total // len(frames))
    start = time.perf_counter()
    for frame in batch:
        handle(frame)
    return (time.perf_counter() - start) / len(batch)


def peer_cells(venue: Venue, frames: list[bytes], parse: Callable[[bytes, int], object],
               arbot_s: float, peers: list[Peer], runs: int, total: int) -> list[object]:
    """Per-frame µs of each peer, each peer/ArBot ratio, and why any peer is n/a."""
    expected = [next((q.symbol, q.bid, q.ask) for q in parse(f, 0) if isinstance(q, Quote))
                for f in frames]
    texts = [f.decode() for f in frames]
    symbols = sorted({e[0] for e in expected})
    us: list[object] = []
    ratios: list[object] = []
    notes = []
    for peer in peers:
        try:
            path = peer.build(venue, symbols)
            why = path if isinstance(path, str) else verify(path, texts, expected)
        except Exception as e:  # a peer's own failure is a result, not a crash
            path = why = f"{e.__class__.__name__}: {e}"
        if isinstance(path, str) or why:
            us.append("n/a")
            ratios.append("n/a")
            notes.append(f"{peer.name}: {why}")
            continue
        time_handle(texts, path.handle, 10_000)  # warm up
        median, _ = median_of(runs, functools.partial(time_handle, texts, path.handle, total))
        us.append(median * 1e6)
        ratios.append(median / arbot_s)
    return [*us, *ratios, "; ".join(notes)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--frames", type=int, default=200_000, help="frames per run")
    ap.add_argument("--peers", action="store_true",
                    help="also time cryptofeed and ccxt.pro handlers on the same frames")
    args = ap.parse_args()

    peers: list[Peer] = []
    if args.peers:
        peers, missing = available()
        for note in missing:
            print(f"peers: {note}")
        for peer in peers:
            print(f"peers: {peer.name} {peer.version}: {peer.does}")

    rows = []
    for venue in Venue:
        frames, parse = l1_frames(venue)
        time_parse(frames, parse, 10_000)  # warm up
        median, samples = median_of(
            args.runs, functools.partial(time_parse, frames, parse, args.frames))
        check = venue_gate(venue).check
        rejected = sum(check(q) is not None for f in frames for q in parse(f, 0)
                       if isinstance(q, Quote))
        assert rejected == 0, f"{venue}: the gate refused {rejected} recorded quotes"
        bare, _ = median_of(args.runs, functools.partial(time_loop, frames, parse, None,
                                                         args.frames))
        gated, _ = median_of(args.runs, functools.partial(time_loop, frames, parse, check,
                                                          args.frames))
        row: list[object] = [str(venue), SOURCES[venue].split("/")[1], len(frames),
                             median * 1e6, min(samples) * 1e6, 1 / median, gated * 1e6,
                             (gated - bare) * 1e6]
        if args.peers:
            row += peer_cells(venue, frames, parse, median, peers, args.runs, args.frames)
        rows.append(row)
    columns = ["venue", "frames from", "distinct", "median_us", "best_us", "frames_per_s",
               "gated_us", "gate_us"]
    extra: dict[str, object] = {"runs": args.runs, "frames_per_run": args.frames}
    if args.peers:
        columns += [f"{p.name}_us" for p in peers] + [f"{p.name}/arbot" for p in peers]
        columns.append("peer n/a")
        extra["peers"] = {p.name: {"version": p.version, "does": p.does} for p in peers}
    emit("parse_peers" if args.peers else "parse", columns, rows, extra=extra)


if __name__ == "__main__":
    main()
