"""How fast a recorded book snapshot goes from SQLite into an `L2Book`, per storage shape.

The backtest's one use of a `book_snapshots` row is `L2Book.replace(bids, asks)`, which
takes (price, size) strings (the venue's own, for checksums). Three ways to store a side
of 20 levels are compared on the same books, each in its own table of a file database,
read back in receive-time order through the sqlite3 module as the replay reads them:

* `json text pairs` (ArBot's): `[["60000.1","0.52"],...]`, decoded by msgspec straight
  into the string pairs `replace` takes;
* `json numbers`: `[[60000.1,0.52],...]`, decoded into floats, formatted back to strings;
* `packed float64`: two BLOBs of doubles (array('d')), formatted back to strings.

Also the live recorder's side: taking the top 20 levels of a book and encoding the row.

    python -m bench.book_snapshots [--rows 20000] [--runs 5]
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import tempfile
import time
from array import array
from collections.abc import Callable
from pathlib import Path

import msgspec

from arbot.depth.book import L2Book
from arbot.domain import Quote, Venue
from bench.report import emit, goal, median_of

LEVELS = 20
TextLevels = list[tuple[str, str]]
_text = msgspec.json.Decoder(TextLevels)
_numbers = msgspec.json.Decoder(list[tuple[float, float]])


def books(n: int, seed: int = 7) -> list[tuple[TextLevels, TextLevels]]:
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        mid = round(rng.uniform(20_000, 70_000), 1)
        bids = [(f"{mid - 0.1 * (i + 1):.1f}", f"{rng.uniform(0.001, 3):.5f}")
                for i in range(LEVELS)]
        asks = [(f"{mid + 0.1 * (i + 1):.1f}", f"{rng.uniform(0.001, 3):.5f}")
                for i in range(LEVELS)]
        out.append((bids, asks))
    return out


def build(path: Path, data: list[tuple[TextLevels, TextLevels]]) -> dict[str, int]:
    """The three tables; returns the bytes each stores per row (both sides)."""
    enc = msgspec.json.encode
    conn = sqlite3.connect(path)
    sizes: dict[str, int] = {}
    shapes: dict[str, Callable[[TextLevels], object]] = {
        "text": lambda side: enc(side).decode(),
        "numbers": lambda side: enc([(float(p), float(s)) for p, s in side]).decode(),
        "packed": lambda side: array("d", [float(x) for level in side for x in level]).tobytes(),
    }
    for name, shape in shapes.items():
        conn.execute(f"CREATE TABLE {name} (id INTEGER PRIMARY KEY, ts INTEGER, bids, asks)")
        rows = [(i, shape(b), shape(a)) for i, (b, a) in enumerate(data)]
        conn.executemany(f"INSERT INTO {name} (ts, bids, asks) VALUES (?, ?, ?)", rows)
        conn.execute(f"CREATE INDEX {name}_ts ON {name} (ts)")
        sizes[name] = sum(len(r[1]) + len(r[2]) for r in rows) // len(rows)
    conn.commit()
    conn.close()
    return sizes


def _pairs_from_floats(values: object) -> TextLevels:
    return [(repr(p), repr(s)) for p, s in values]  # type: ignore[attr-defined]


def _pairs_from_packed(blob: bytes) -> TextLevels:
    a = array("d", blob)
    return [(repr(a[i]), repr(a[i + 1])) for i in range(0, len(a), 2)]


DECODE: dict[str, Callable[[object], TextLevels]] = {
    "text": lambda v: _text.decode(v),  # type: ignore[arg-type]
    "numbers": lambda v: _pairs_from_floats(_numbers.decode(v)),  # type: ignore[arg-type]
    "packed": lambda v: _pairs_from_packed(v),  # type: ignore[arg-type]
}


def read(path: Path, table: str, replace: bool) -> float:
    """µs per snapshot: read in receive-time order, decode both sides, and (with
    `replace`) put them into a book."""
    conn = sqlite3.connect(path)
    decode = DECODE[table]
    book = L2Book("BTC-USDT")
    started = time.perf_counter()
    n = 0
    for bids, asks in conn.execute(f"SELECT bids, asks FROM {table} ORDER BY ts"):
        b, a = decode(bids), decode(asks)
        if replace:
            book.replace(b, a)
        n += 1
    elapsed = time.perf_counter() - started
    conn.close()
    return elapsed / n * 1e6


def record(data: list[tuple[TextLevels, TextLevels]]) -> float:
    """µs per snapshot for the live recorder: the top levels of a book, encoded."""
    from arbot.depth.board import DepthBoard
    from arbot.storage.bookrec import BookSampler
    from arbot.storage.books import book_row

    board = DepthBoard(50)
    book = board.book(Venue.OKX, "BTC-USDT")
    book.replace(*data[0])
    book.synced = True
    sampler = BookSampler(board, 0, LEVELS)
    quotes = [Quote(venue=Venue.OKX, symbol="BTC-USDT", bid=1.0, bid_size=1.0, ask=2.0,
                    ask_size=1.0, ts_exchange_ms=None, ts_recv_ns=i) for i in range(len(data))]
    started = time.perf_counter()
    for q in quotes:
        snap = sampler.sample(q)
        assert snap is not None
        book_row(snap)
    return (time.perf_counter() - started) / len(quotes) * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    data = books(args.rows)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "books.db"
        sizes = build(path, data)
        labels = {"text": "json text pairs (ArBot)", "numbers": "json numbers",
                  "packed": "packed float64"}
        rows = []
        results: dict[str, tuple[float, float]] = {}
        for table in ("text", "numbers", "packed"):
            decode_us, _ = median_of(args.runs, lambda t=table: read(path, t, False))
            replace_us, _ = median_of(args.runs, lambda t=table: read(path, t, True))
            results[table] = (decode_us, replace_us)
            rows.append((labels[table], sizes[table], decode_us, replace_us))
    record_us, _ = median_of(args.runs, lambda: record(data[:5000]))
    rows.append(("live recorder: top 20 + encode", sizes["text"], record_us, 0.0))
    emit("book_snapshots", ("shape", "bytes/row", "read+decode us", "read+decode+replace us"),
         rows, {"rows": args.rows, "levels": LEVELS, "runs": args.runs})
    text, best_other = results["text"][1], min(results["numbers"][1], results["packed"][1])
    goal("book_snapshot_into_book_us", text, "us", "<=30", text <= 30)
    goal("book_snapshot_text_vs_best_other", text / best_other, "ratio", "<=1.0",
         text / best_other <= 1.0)
    goal("book_snapshot_record_us", record_us, "us", "<=10", record_us <= 10)


if __name__ == "__main__":
    main()
