"""µs per depth frame through ArBot's live-book path (decode, sequence and checksum rules,
apply, the quote from the book's top: `DepthFrameParser.quote`), on recorded frames and on
a typical small delta, with cryptofeed's book handler on the same frames as the anchor
(`pip install -e '.[bench]'`), and the memory one book takes.

Frames: OKX `books` BTC-USDT (2022, 97 updates after a 400-level snapshot, about 43
levels each, CRC32 of the top 25 after every one); Bitget v1 `books` (2022, 435 updates
over 8 symbols, CRC32 after every one: cryptofeed 2.4.1 speaks v1, so both read the same
frames); Binance `@depth@100ms` diffs of four symbols after their REST snapshots; a
typical delta (one bid and two asks changed on a 50-level book) for Bybit and Binance.
Each sample rebuilds the books untimed (the snapshots) and times one pass over the
updates; contenders alternate within every round, so load on the shared machine falls on
all alike. A figure is the median of the samples.

    python bench/depth_books.py [--rounds 40]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from arbot.depth.board import DepthBoard
from arbot.depth.book import L2Book
from arbot.domain import Venue
from arbot.exchanges import adapter_for
from arbot.exchanges.base import DropCounter
from arbot.exchanges.depthparser import DepthFrameParser
from arbot.exchanges.depthwire import DepthCodec
from arbot.venues.bitget import depth as bitget_depth
from bench.report import emit, goal

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures"
Pass = Callable[[], Callable[[], int]]  # builds fresh state, returns the timed pass


def lines(rel: str) -> list[str]:
    return (FIXTURES / rel).read_text().splitlines()


def arbot_parser(venue: Venue, pairs: dict[str, str], codec: DepthCodec | None = None
                 ) -> DepthFrameParser:
    adapter = adapter_for(venue)
    drops = DropCounter()
    if codec is None:
        p = adapter.new_depth_parser(pairs.get, drops, DepthBoard(50))
        assert isinstance(p, DepthFrameParser)
        return p
    return DepthFrameParser(pairs.get, drops, DepthBoard(50), codec,
                            adapter.new_parser(pairs.get, drops))


def arbot_pass(venue: Venue, pairs: dict[str, str], setup: list[str], timed: list[str],
               codec: DepthCodec | None = None,
               snapshots: dict[str, str] | None = None) -> Pass:
    encoded = [f.encode() for f in timed]

    def build() -> Callable[[], int]:
        p = arbot_parser(venue, pairs, codec)
        for f in setup:
            p.quote(f, 0)
        for symbol, body in (snapshots or {}).items():
            p.snapshot(symbol, body, 0)
        quote = p.quote

        def run() -> int:
            n = 0
            for f in encoded:
                n += quote(f, 1) is not None
            assert not p.resyncs and not p.drops.counts, (p.resyncs, p.drops.counts)
            return n
        return run
    return build


def cryptofeed_pass(venue: Venue, symbols: dict[str, str], setup: list[str],
                    timed: list[str]) -> Pass | str:
    """cryptofeed's `Feed.message_handler` with L2_BOOK and checksum validation on, each
    coroutine run to completion without a loop (it awaits no I/O on these frames)."""
    try:
        from cryptofeed.defines import L2_BOOK
        from cryptofeed.exchanges import OKX, Bitget, Bybit
        from cryptofeed.symbols import Symbols
    except ImportError:
        return "cryptofeed not installed: pip install -e '.[bench]'"
    cls = {Venue.OKX: OKX, Venue.BITGET: Bitget, Venue.BYBIT: Bybit}[venue]
    url = {Venue.OKX: "wss://ws.okx.com:8443/ws/v5/public",
           Venue.BITGET: "wss://ws.bitget.com/spot/v1/stream",
           Venue.BYBIT: "wss://stream.bybit.com/v5/public/spot"}[venue]

    def build() -> Callable[[], int]:
        Symbols.set(cls.id, {s: v for v, s in symbols.items()}, {})
        seen = [0]

        async def on_book(book: Any, receipt: float) -> None:
            seen[0] += 1

        feed = cls(symbols=list(symbols.values()), channels=[L2_BOOK],
                   callbacks={L2_BOOK: on_book}, checksum_validation=True)
        conn = SimpleNamespace(address=url, uuid="bench")
        handler = feed.message_handler

        def send(frame: str) -> None:
            coro = handler(frame, conn, 0.0)
            try:
                coro.send(None)
            except StopIteration:
                return
            coro.close()
            raise RuntimeError("cryptofeed suspended on I/O")

        for f in setup:
            send(f)

        def run() -> int:
            before = seen[0]
            for f in timed:
                send(f)
            return seen[0] - before
        return run
    return build


def okx_frames() -> tuple[list[str], list[str]]:
    frames = lines("okx/ws_books_BTC-USDT_2022-05-13.jsonl")
    return frames[:1], frames[1:]


def bitget_frames() -> tuple[list[str], list[str], dict[str, str]]:
    books = [f for f in lines("bitget/LEGACY_v1_ws_spot_books_ticker_trade_2022-04-07.jsonl")
             if '"channel":"books"' in f and '"data"' in f]
    setup = [f for f in books if '"action":"snapshot"' in f]
    timed = [f for f in books if '"action":"snapshot"' not in f]
    ids = {json.loads(f)["arg"]["instId"] for f in books}
    return setup, timed, {i: f"{i[:-4]}-USDT" for i in ids}


def binance_frames() -> tuple[list[str], dict[str, str], dict[str, str]]:
    ids = {"NKNUSDT": "NKN-USDT", "BLZETH": "BLZ-ETH", "LRCBTC": "LRC-BTC",
           "RUNEEUR": "RUNE-EUR"}
    snaps = {c: (FIXTURES / f"binance/rest_depth_{v}_limit1000_2021-10-12.json").read_text()
             for v, c in ids.items()}
    return lines("binance/ws_depth_100ms_diff_2021-10-12.jsonl"), ids, snaps


def book_levels(n: int, tick: float = 0.1) -> tuple[list[list[str]], list[list[str]]]:
    bids = [[f"{30000 - i * tick:.1f}", f"{0.5 + i * 0.01:.4f}"] for i in range(n)]
    asks = [[f"{30000.1 + i * tick:.1f}", f"{0.5 + i * 0.01:.4f}"] for i in range(n)]
    return bids, asks


def typical_bybit(count: int) -> tuple[list[str], list[str]]:
    bids, asks = book_levels(50)
    snap = {"topic": "orderbook.50.BTCUSDT", "ts": 1, "type": "snapshot",
            "data": {"s": "BTCUSDT", "b": bids, "a": asks, "u": 1, "seq": 1}, "cts": 1}
    deltas = [json.dumps({"topic": "orderbook.50.BTCUSDT", "ts": 2 + i, "type": "delta",
                          "data": {"s": "BTCUSDT", "b": [["29999.5", f"{1 + i % 7}.25"]],
                                   "a": [["30000.3", "2.5"], ["30000.4", f"{i % 3}"]],
                                   "u": 2 + i, "seq": 2 + i}, "cts": 2 + i},
                         separators=(",", ":")) for i in range(count)]
    return [json.dumps(snap, separators=(",", ":"))], deltas


def typical_binance(count: int) -> tuple[list[str], str]:
    bids, asks = book_levels(50)
    first = json.dumps({"e": "depthUpdate", "E": 1, "s": "BTCUSDT", "U": 1, "u": 1,
                        "b": [], "a": []}, separators=(",", ":"))
    diffs = [json.dumps({"e": "depthUpdate", "E": 2 + i, "s": "BTCUSDT", "U": 2 + i,
                         "u": 2 + i, "b": [["29999.5", f"{1 + i % 7}.25"]],
                         "a": [["30000.3", "2.5"], ["30000.4", f"{i % 3}"]]},
                        separators=(",", ":")) for i in range(count)]
    snap = json.dumps({"lastUpdateId": 1, "bids": bids, "asks": asks}, separators=(",", ":"))
    return [first, *diffs], snap


def memory_kib(bids: list[list[str]], asks: list[list[str]]) -> float:
    """What one book holds once built from fresh strings (the frame freed)."""
    text = json.dumps([bids, asks])
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    levels = json.loads(text)
    book = L2Book("X")
    book.replace([(p, s) for p, s in levels[0]], [(p, s) for p, s in levels[1]])
    del levels
    size = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    assert len(book.bids) == len(bids)
    return size / 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=40)
    args = ap.parse_args()

    okx_setup, okx_timed = okx_frames()
    bg_setup, bg_timed, bg_ids = bitget_frames()
    bn_diffs, bn_ids, bn_snaps = binance_frames()
    by_setup, by_timed = typical_bybit(2000)
    bt_frames, bt_snap = typical_binance(2000)
    v1 = DepthCodec(venue=Venue.BITGET, rules=bitget_depth.RULES,
                    decode=bitget_depth.decoder("sp"))
    tasks: dict[tuple[str, str], tuple[Pass | str, int]] = {
        ("okx books (real, crc)", "arbot"):
            (arbot_pass(Venue.OKX, {"BTC-USDT": "BTC-USDT"}, okx_setup, okx_timed),
             len(okx_timed)),
        ("okx books (real, crc)", "cryptofeed"):
            (cryptofeed_pass(Venue.OKX, {"BTC-USDT": "BTC-USDT"}, okx_setup, okx_timed),
             len(okx_timed)),
        ("bitget v1 books (real, crc)", "arbot"):
            (arbot_pass(Venue.BITGET, bg_ids, bg_setup, bg_timed, codec=v1), len(bg_timed)),
        ("bitget v1 books (real, crc)", "cryptofeed"):
            (cryptofeed_pass(Venue.BITGET, bg_ids, bg_setup, bg_timed), len(bg_timed)),
        # The recorded snapshots applied first: the diffs they hold are ignored, the first
        # after spans lastUpdateId + 1, the rest chain (the recorded order holds for all four).
        ("binance diffs (real)", "arbot"):
            (arbot_pass(Venue.BINANCE, bn_ids, [], bn_diffs, snapshots=bn_snaps),
             len(bn_diffs)),
        ("bybit typical delta", "arbot"):
            (arbot_pass(Venue.BYBIT, {"BTCUSDT": "BTC-USDT"}, by_setup, by_timed),
             len(by_timed)),
        ("bybit typical delta", "cryptofeed"):
            # cryptofeed names Bybit spot symbols BASE/QUOTE internally
            (cryptofeed_pass(Venue.BYBIT, {"BTC/USDT": "BTC-USDT"}, by_setup, by_timed),
             len(by_timed)),
        ("binance typical diff", "arbot"):
            (arbot_pass(Venue.BINANCE, {"BTCUSDT": "BTC-USDT"}, bt_frames[:1], bt_frames[1:],
                        snapshots={"BTC-USDT": bt_snap}), len(bt_frames) - 1),
    }
    samples: dict[tuple[str, str], list[float]] = {k: [] for k, (t, _) in tasks.items()
                                                   if not isinstance(t, str)}
    for _ in range(args.rounds):
        for key, (build, n) in tasks.items():
            if isinstance(build, str):
                continue
            run = build()
            t0 = time.perf_counter_ns()
            out = run()
            samples[key].append((time.perf_counter_ns() - t0) / 1000 / n)
            assert out > 0, key
    rows = []
    medians = {k: statistics.median(v) for k, v in samples.items()}
    for (case, who), (build, n) in tasks.items():
        if isinstance(build, str):
            rows.append([case, who, n, "", "", build])
            continue
        anchor = medians.get((case, "cryptofeed"))
        ratio = f"{anchor / medians[(case, who)]:.1f}x" if anchor and who == "arbot" else ""
        rows.append([case, who, n, medians[(case, who)], min(samples[(case, who)]), ratio])
    okx_bids, okx_asks = (json.loads(okx_setup[0])["data"][0][k] for k in ("bids", "asks"))
    mem = [["okx 400x400 book", memory_kib([b[:2] for b in okx_bids], [a[:2] for a in okx_asks])],
           ["50x50 book", memory_kib(*book_levels(50))]]
    emit("depth_books", ["case", "contender", "frames", "median_us", "best_us",
                         "cryptofeed/arbot"], rows,
         extra={"memory_kib": dict((m[0], m[1]) for m in mem), "rounds": args.rounds})
    for name, kib in mem:
        print(f"memory {name}: {kib:.1f} KiB")
    for case in ("bybit typical delta", "binance typical diff"):
        value = medians[(case, "arbot")]
        goal(f"depth_{case.split()[0]}_typical_delta_us", value, "us", "<=10", value <= 10)


if __name__ == "__main__":
    main()
