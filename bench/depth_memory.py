"""Bytes per book for `bench/depth.py`: many books of the same depth built from the
recorded OKX `books` snapshot (400 levels a side, its own strings), measured two ways:
the Python heap they add (tracemalloc, after a full collection) and the resident memory
they add (RSS from /proc, which also sees C allocations tracemalloc does not).

Each book gets its own copy of every string, decoded from the frame anew, as a live
book's levels are; for cryptofeed, the same levels as `Decimal`s in its C
`order_book.OrderBook`, as its `_book` handlers build it.
"""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
import tracemalloc
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from arbot.depth.book import L2Book
from bench.depth_frames import FIXTURES, SOURCES, Venue

PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def _rss() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * PAGE


def _levels(frame: str, n: int) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    row = json.loads(frame)["data"][0]
    return ([(p, s) for p, s, *_ in row["bids"][:n]], [(p, s) for p, s, *_ in row["asks"][:n]])


def arbot_book(frame: str, n: int) -> L2Book:
    bids, asks = _levels(frame, n)
    book = L2Book("BTC-USDT")
    book.replace(bids, asks)
    return book


def cryptofeed_book(frame: str, n: int) -> Any:
    from cryptofeed.types import OrderBook

    bids, asks = _levels(frame, n)
    return OrderBook("OKX", "BTC-USDT", max_depth=0, checksum_format="OKX",
                     bids={Decimal(p): Decimal(s) for p, s in bids},
                     asks={Decimal(p): Decimal(s) for p, s in asks})


BUILDERS: dict[str, Callable[[str, int], object]] = {"arbot": arbot_book,
                                                     "cryptofeed": cryptofeed_book}


def per_book(kind: str, levels: int, n_books: int) -> tuple[float, float]:
    """(traced bytes, RSS bytes) one more book of `levels` a side costs, over `n_books`.
    RSS is counted in a fresh interpreter, so no memory freed earlier is reused."""
    traced = _count(kind, levels, n_books, traced=True)
    child = subprocess.run([sys.executable, __file__, kind, str(levels), str(n_books)],
                           capture_output=True, text=True, check=True)
    return traced, float(child.stdout)


def _count(kind: str, levels: int, n_books: int, traced: bool) -> float:
    build = BUILDERS[kind]
    frame = (FIXTURES / SOURCES[Venue.OKX]).read_text().splitlines()[0]
    build(frame, levels)  # imports and caches warm, outside the count
    gc.collect()
    if traced:
        tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0] if traced else _rss()
    books = [build(frame, levels) for _ in range(n_books)]
    gc.collect()
    after = tracemalloc.get_traced_memory()[0] if traced else _rss()
    if traced:
        tracemalloc.stop()
    del books
    return (after - before) / n_books


if __name__ == "__main__":
    print(_count(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), traced=False))
