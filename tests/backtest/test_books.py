"""The backtest by depth: recorded book snapshots replayed into a DepthBoard in time order
with the quotes, walked by the engine and filled against by the paper executor.

The scenario (written here, imported as a Tardis `book_snapshot_3` file, as a user
would): Binance's BTC book offers 0.0005 at 60000 and 60001, then 1 at 60002; from 1 s to
3 s OKX bids 0.0005 at 60300 and 60299, then 1 at 60298: about 30 bps net of two 10 bps
fees at the top, where only 0.0005 (30 USDT) is shown, and still over the 5 bps threshold
three levels down, where `max_notional` (100 USDT) stops the walk.
"""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from arbot.backtest import source
from arbot.backtest.books import ReplayBooks
from arbot.backtest.runner import Options, run_backtest
from arbot.config import ArbotSettings
from arbot.depth.board import VENUE_ORDER
from arbot.domain import Quote, Venue
from arbot.imports.runner import import_files
from arbot.imports.tardisbook import TardisBooks
from arbot.storage.db import open_db

T0_US = 1_714_521_600_000_000
BINANCE_ASKS = [("60000", "0.0005"), ("60001", "0.0005"), ("60002", "1")]
BINANCE_BIDS = [("59990", "1"), ("59989", "1"), ("59988", "1")]
OKX_CALM = ([("60010", "1"), ("60011", "1"), ("60012", "1")],
            [("59995", "1"), ("59994", "1"), ("59993", "1")])
OKX_GAP = ([("60310", "1"), ("60311", "1"), ("60312", "1")],
           [("60300", "0.0005"), ("60299", "0.0005"), ("60298", "1")])
# The walk, worked out by hand: 0.0005 at 60000 and at 60001, then what is left of the
# 100 USDT at 60002 (the third levels still net 30 bps: 60298 * 0.999 vs 60002 * 1.001).
WALKED = 0.001 + (100 - 0.0005 * 60000 - 0.0005 * 60001) / 60002


def scenario(path: Path) -> Path:
    header = ["exchange", "symbol", "timestamp", "local_timestamp"]
    for i in range(3):
        header += [f"asks[{i}].price", f"asks[{i}].amount", f"bids[{i}].price",
                   f"bids[{i}].amount"]
    lines = [",".join(header)]

    def row(exchange: str, symbol: str, t_ms: int, asks: list[tuple[str, str]],
            bids: list[tuple[str, str]]) -> str:
        t = T0_US + t_ms * 1000
        cells = [exchange, symbol, str(t - 50), str(t)]
        for (ap, aa), (bp, ba) in zip(asks, bids, strict=True):
            cells += [ap, aa, bp, ba]
        return ",".join(cells)

    for t_ms in range(0, 4000, 250):  # both venues quote throughout: both stay live
        lines.append(row("binance", "BTCUSDT", t_ms, BINANCE_ASKS, BINANCE_BIDS))
        okx = OKX_GAP if 1000 <= t_ms < 3000 else OKX_CALM
        lines.append(row("okex", "BTC-USDT", t_ms + 125, *okx))
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture(scope="module")
def recording(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("books")
    db = tmp / "input.db"
    reports = asyncio.run(import_files(TardisBooks(), [scenario(tmp / "book.csv")], db))
    assert reports[0].books_stored == 32 and not reports[0].bad
    return db


def settings(depth: int) -> ArbotSettings:
    """The volume filter judges the top levels alone (30 USDT here), so it is off."""
    return ArbotSettings.model_validate({
        "market": {"symbols": ["BTC-USDT"], "depth": depth},
        "filters": {"volume": {"enabled": False}},
        "trading": {"mode": "paper", "paper": {"latency_ms": 0.0}},
    })


def rows(db: Path, sql: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(db) as c:
        return c.execute(sql).fetchall()


async def test_the_walk_and_the_paper_fills_go_down_the_recorded_books(
        recording: Path, tmp_path: Path) -> None:
    result = await run_backtest(settings(5), Options(db=recording, out=tmp_path))
    assert result.summary["book_snapshots"] == 32
    out = tmp_path / "backtest.db"
    (episode,) = rows(out, "SELECT buy_venue, sell_venue, size_peak, walk_size_peak,"
                           " buy_levels_peak, sell_levels_peak, buy_worst_peak, sell_worst_peak"
                           " FROM opportunities")
    assert episode[:2] == ("binance", "okx")
    assert episode[2] == pytest.approx(0.0005)  # the top of book
    assert episode[3] == pytest.approx(WALKED, rel=1e-9)  # both books, to max_notional
    assert episode[4:] == (3, 3, 60002.0, 60298.0)
    fills = rows(out, "SELECT side, filled_qty, avg_price FROM orders ORDER BY side")
    assert fills, "the paper trader takes the gap"
    (buy_qty, buy_avg), (sell_qty, sell_avg) = [(q, p) for _, q, p in fills[:2]]
    assert buy_qty == pytest.approx(sell_qty) and buy_qty > 0.001  # past the top level
    assert 60000.0 < buy_avg < 60002.0 and 60298.0 < sell_avg < 60300.0  # walked prices


async def test_at_depth_1_the_books_are_left_out_and_the_top_sizes_everything(
        recording: Path, tmp_path: Path) -> None:
    result = await run_backtest(settings(1), Options(db=recording, out=tmp_path))
    assert "not used: [market] depth is 1" in str(result.summary["book_snapshots"])
    (episode,) = rows(tmp_path / "backtest.db",
                      "SELECT size_peak, walk_size_peak, buy_levels_peak FROM opportunities")
    assert episode == (pytest.approx(0.0005), pytest.approx(0.0005), 1)
    fills = rows(tmp_path / "backtest.db", "SELECT filled_qty, avg_price FROM orders")
    assert {p for _, p in fills} <= {60000.0, 60300.0}  # the top levels only


async def test_between_snapshots_the_books_top_follows_the_quotes(tmp_path: Path) -> None:
    """A recording keeps a book every record_books_ms but every changed quote: the replayed
    book takes each quote's top (levels it went through dropped), deeper levels as last
    recorded, until the next snapshot replaces it whole."""
    db = tmp_path / "rec.db"
    conn = await open_db(db)
    await conn.executemany(
        "INSERT INTO book_snapshots (ts_recv_ns, ts_exchange_ms, venue, symbol, bids, asks)"
        " VALUES (?, NULL, 'okx', 'BTC-USDT', ?, ?)",
        [(10, '[["99","1"],["98","2"]]', '[["100","1"],["101","2"],["102","3"]]'),
         (50, '[["90","1"]]', '[["91","1"]]')])
    await conn.close()
    read = source.connect(db)
    try:
        books = ReplayBooks(read, source.Window())
        board = books.start(5)
        assert board is not None
        seen: list[int] = []
        on_quote = books.follow(lambda q: seen.append(q.ts_recv_ns))

        def quote(t: int, bid: float, bid_size: float, ask: float, ask_size: float) -> None:
            on_quote(Quote(venue=Venue.OKX, symbol="BTC-USDT", bid=bid, bid_size=bid_size,
                           ask=ask, ask_size=ask_size, ts_exchange_ms=None, ts_recv_ns=t))

        book = board.book(Venue.OKX, "BTC-USDT")
        quote(10, 99.0, 1.0, 100.0, 1.0)  # the snapshot's own quote: nothing changes
        assert (book.bids.top(5), book.asks.top(5)) == (
            [(99.0, 1.0), (98.0, 2.0)], [(100.0, 1.0), (101.0, 2.0), (102.0, 3.0)])
        assert book.synced and books.applied == 1
        quote(20, 99.5, 4.0, 101.0, 0.5)  # the ask went through 100; a better bid came
        assert book.asks.top(5) == [(101.0, 0.5), (102.0, 3.0)]
        assert book.bids.top(5) == [(99.5, 4.0), (99.0, 1.0), (98.0, 2.0)]
        quote(60, 90.0, 1.0, 91.0, 1.0)  # the snapshot at 50 came first
        assert (book.bids.top(5), book.asks.top(5)) == ([(90.0, 1.0)], [(91.0, 1.0)])
        assert seen == [10, 20, 60] and books.applied == 2
    finally:
        read.close()


async def test_at_depth_1_snapshots_are_read_past(tmp_path: Path) -> None:
    db = tmp_path / "rec.db"
    conn = await open_db(db)
    await conn.execute("INSERT INTO book_snapshots (ts_recv_ns, venue, symbol, bids, asks)"
                       " VALUES (5, 'okx', 'BTC-USDT', '[]', '[]')")
    await conn.close()
    read = source.connect(db)
    try:
        books = ReplayBooks(read, source.Window())
        assert books.start(1) is None
        engine_on_quote = print
        assert books.follow(engine_on_quote) is engine_on_quote
        books.until(10)
        assert books.applied == 0 and books.next_ns == 2**63
    finally:
        read.close()


async def test_a_window_starting_between_snapshots_starts_with_the_last_one(
        tmp_path: Path) -> None:
    """`--from` between two snapshots: the book is the earlier one (its top following the
    window's first quote), unless that one belongs to an earlier run."""
    db = tmp_path / "rec.db"
    conn = await open_db(db)
    await conn.executemany(
        "INSERT INTO book_snapshots (ts_recv_ns, venue, symbol, bids, asks)"
        " VALUES (?, 'okx', 'BTC-USDT', ?, ?)",
        [(10, '[["99","1"],["98","2"]]', '[["100","1"],["101","2"]]'),
         (15, '[["97","1"]]', '[["102","1"]]'),  # the latest before the window
         (50, '[["90","1"]]', '[["91","1"]]')])
    await conn.close()
    quote = Quote(venue=Venue.OKX, symbol="BTC-USDT", bid=97.0, bid_size=3.0, ask=102.0,
                  ask_size=1.0, ts_exchange_ms=None, ts_recv_ns=30)
    read = source.connect(db)
    try:
        books = ReplayBooks(read, source.Window(since_ns=20))
        board = books.start(5)
        assert board is not None
        books.follow(lambda q: None)(quote)
        book = board.book(Venue.OKX, "BTC-USDT")
        assert (book.bids.top(5), book.asks.top(5)) == ([(97.0, 3.0)], [(102.0, 1.0)])
        assert books.applied == 1 and books.next_ns == 50
        later_run = ReplayBooks(read, source.Window(since_ns=20), run_start_ns=18)
        board = later_run.start(5)
        assert board is not None
        later_run.follow(lambda q: None)(quote)
        okx = VENUE_ORDER.index(Venue.OKX)
        assert board.get(okx, "BTC-USDT") is None and later_run.next_ns == 50
    finally:
        read.close()
