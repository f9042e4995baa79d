"""Recording books on a real file: the recorder stores a venue's synced book from the
shared DepthBoard, at most once per `record_books_ms` per (venue, symbol), with its top
levels as the venue's strings (capped by `record_books_levels` and the board's depth),
and the stored sides read back as exactly what `L2Book.replace` takes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import aiosqlite
import pytest

from arbot.config import ArbotSettings
from arbot.depth.board import DepthBoard
from arbot.domain import Quote, Venue
from arbot.storage.books import BookSnapshot, book_row, decode_levels
from arbot.storage.db import open_db
from arbot.storage.recorder import Recorder
from arbot.storage.writer import Writer

MS = 1_000_000
BIDS = [(f"{100 - i}.5", f"{i + 1}") for i in range(30)]  # 100.5, 99.5, ... best first
ASKS = [(f"{101 + i}.0", f"{i + 2}.25") for i in range(30)]


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[tuple[aiosqlite.Connection, Writer]]:
    conn = await open_db(tmp_path / "arbot.db")
    writer = Writer(conn, flush_ms=10)
    await writer.start()
    yield conn, writer
    await writer.close()
    await conn.close()


def board(levels: int = 20, synced: bool = True) -> DepthBoard:
    b = DepthBoard(levels)
    for venue in (Venue.OKX, Venue.BYBIT):
        for symbol in ("BTC-USDT", "ETH-USDT"):
            book = b.book(venue, symbol)
            book.replace(reversed(BIDS), ASKS)  # any order in: the book sorts
            book.synced = synced
    return b


def quote(venue: Venue, symbol: str, t_ms: int) -> Quote:
    return Quote(venue=venue, symbol=symbol, bid=99.5, bid_size=1.0, ask=101.0,
                 ask_size=2.25, ts_exchange_ms=t_ms, ts_recv_ns=t_ms * MS)


async def rows(conn: aiosqlite.Connection) -> list[tuple[int, int | None, str, str, str, str]]:
    return [tuple(r) for r in await conn.execute_fetchall(  # type: ignore[misc]
        "SELECT ts_recv_ns, ts_exchange_ms, venue, symbol, bids, asks FROM book_snapshots"
        " ORDER BY id")]


async def test_books_are_recorded_at_most_once_per_interval_per_venue_and_symbol(
        db: tuple[aiosqlite.Connection, Writer]) -> None:
    conn, writer = db
    rec = Recorder(writer, "off", 1000, depth=board(), record_books="throttled",
                   record_books_ms=1000, record_books_levels=20)
    for t in (0, 400, 999, 1000, 1500, 2100):
        rec.on_quote(quote(Venue.OKX, "BTC-USDT", t))
    rec.on_quote(quote(Venue.BYBIT, "BTC-USDT", 400))  # another venue: its own interval
    rec.on_quote(quote(Venue.OKX, "ETH-USDT", 999))  # another symbol likewise
    rec.on_quote(quote(Venue.BINANCE, "BTC-USDT", 5))  # keeps no book: nothing
    await writer.flush()
    got = await rows(conn)
    assert [(r[0] // MS, r[2], r[3]) for r in got] == [
        (0, "okx", "BTC-USDT"), (1000, "okx", "BTC-USDT"), (2100, "okx", "BTC-USDT"),
        (400, "bybit", "BTC-USDT"), (999, "okx", "ETH-USDT")]
    assert got[0][1] == 0  # the quote's exchange time
    assert rec.books is not None and (rec.books.offered, rec.books.skipped) == (5, 3)
    assert await conn.execute_fetchall("SELECT count(*) FROM quotes") == [(0,)]  # quotes off


async def test_the_stored_levels_are_the_books_top_as_its_strings(
        db: tuple[aiosqlite.Connection, Writer]) -> None:
    conn, writer = db
    rec = Recorder(writer, "all", 1000, depth=board(levels=50), record_books_levels=20)
    rec.on_quote(quote(Venue.OKX, "BTC-USDT", 7))
    shallow = Recorder(writer, "off", 1000, depth=board(levels=5), record_books_levels=20)
    shallow.on_quote(quote(Venue.OKX, "BTC-USDT", 8))
    await writer.flush()
    (deep, capped) = await rows(conn)
    assert decode_levels(deep[4]) == BIDS[:20] and decode_levels(deep[5]) == ASKS[:20]
    assert deep[4].startswith('[["100.5","1"],["99.5","2"]')  # compact JSON, best first
    # `[market] depth` caps the levels: a board of 5 stores 5, whatever is asked.
    assert decode_levels(capped[4]) == BIDS[:5] and decode_levels(capped[5]) == ASKS[:5]
    assert await conn.execute_fetchall("SELECT count(*) FROM quotes") == [(1,)]


async def test_a_book_being_resynced_and_the_off_mode_record_nothing(
        db: tuple[aiosqlite.Connection, Writer]) -> None:
    conn, writer = db
    Recorder(writer, "off", 1000, depth=board(synced=False)).on_quote(
        quote(Venue.OKX, "BTC-USDT", 1))
    off = Recorder(writer, "off", 1000, depth=board(), record_books="off")
    off.on_quote(quote(Venue.OKX, "BTC-USDT", 2))
    Recorder(writer, "off", 1000).on_quote(quote(Venue.OKX, "BTC-USDT", 3))  # no board
    await writer.flush()
    assert await rows(conn) == []
    assert off.books is None


async def test_changing_the_book_settings_keeps_the_interval_running(
        db: tuple[aiosqlite.Connection, Writer]) -> None:
    conn, writer = db
    rec = Recorder(writer, "off", 1000, depth=board(), record_books_ms=1000)
    rec.on_quote(quote(Venue.OKX, "BTC-USDT", 0))
    rec.set_books("throttled", 500, 3)
    rec.on_quote(quote(Venue.OKX, "BTC-USDT", 300))  # within the new 500 ms: skipped
    rec.on_quote(quote(Venue.OKX, "BTC-USDT", 600))
    rec.set_books("off", 500, 3)
    rec.on_quote(quote(Venue.OKX, "BTC-USDT", 5000))
    await writer.flush()
    got = await rows(conn)
    assert [r[0] // MS for r in got] == [0, 600]
    assert len(decode_levels(got[1][4])) == 3


async def test_a_zero_interval_records_every_update(
        db: tuple[aiosqlite.Connection, Writer]) -> None:
    conn, writer = db
    rec = Recorder(writer, "off", 1000, depth=board(), record_books_ms=0)
    for t in (1, 1, 2):
        rec.on_quote(quote(Venue.OKX, "BTC-USDT", t))
    await writer.flush()
    assert len(await rows(conn)) == 3


def test_a_snapshot_row_round_trips() -> None:
    snap = BookSnapshot(venue=Venue.BITGET, symbol="SOL-USDT", bids=[("1.50", "2")],
                        asks=[("1.5100", "0.3")], ts_exchange_ms=5, ts_recv_ns=9)
    row = book_row(snap)
    assert row == (9, 5, "bitget", "SOL-USDT", '[["1.50","2"]]', '[["1.5100","0.3"]]')
    assert book_row(snap, ts_recv_ns=10)[0] == 10
    with pytest.raises(ValueError):
        decode_levels('[["1.5"]]')


def test_the_settings_defaults_and_bounds() -> None:
    storage = ArbotSettings().storage
    assert (storage.record_books, storage.record_books_ms, storage.record_books_levels) == (
        "throttled", 1000, 20)
    with pytest.raises(ValueError):
        ArbotSettings.model_validate({"storage": {"record_books": "all"}})
    with pytest.raises(ValueError):
        ArbotSettings.model_validate({"storage": {"record_books_levels": 51}})
