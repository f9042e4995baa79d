"""The read side on real SQLite files: pages in (ts_recv_ns, id) order however many quotes
share a receive time, filters, recorded venue states, and refusals of what it cannot read."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from arbot.backtest.feedevents import FeedEvents
from arbot.backtest.source import QuotePages, Window, connect, time_span
from arbot.domain import FeedState, Venue
from arbot.storage.db import DatabaseError, open_db

INSERT = ("INSERT INTO quotes (ts_recv_ns, ts_exchange_ms, venue, symbol, bid, bid_size, ask,"
          " ask_size) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")


async def new_db(path: Path) -> Path:
    conn = await open_db(path)
    await conn.close()
    return path


def fill(path: Path, rows: list[tuple[object, ...]]) -> None:
    conn = sqlite3.connect(path)
    with conn:
        conn.executemany(INSERT, rows)
    conn.close()


def read_all(pages: QuotePages) -> list[tuple[object, ...]]:
    out = []
    while page := pages.next_page():
        out += [(q.ts_recv_ns, q.venue, q.symbol, q.bid, q.ask_size, q.ts_exchange_ms)
                for q in page]
    return out


async def test_pages_keep_receive_order_when_many_quotes_share_a_time(tmp_path: Path) -> None:
    db = await new_db(tmp_path / "q.db")
    venues = [v.value for v in Venue]
    # Inserted out of time order; 30 quotes share one receive time, more than a page.
    rows: list[tuple[object, ...]] = []
    for i in range(100):
        t = 1_000 + (i % 10) * 7 if i < 70 else 5_000
        rows.append((t, None if i % 3 else i, venues[i % 4], f"S{i % 3}-USDT", float(i),
                     1.0, float(i) + 1, float(i) / 2))
    fill(db, rows)
    conn = connect(db)
    try:
        expected = [(t, Venue(v), s, b, az, te) for (t, te, v, s, b, _, _, az) in
                    conn.execute("SELECT ts_recv_ns, ts_exchange_ms, venue, symbol, bid, "
                                 "bid_size, ask, ask_size FROM quotes ORDER BY ts_recv_ns, id")]
        for size in (1, 3, 7, 29, 30, 31, 100, 1000):
            assert read_all(QuotePages(conn, Window(), size)) == expected, size
        window = Window(1_007, 5_000, ("S1-USDT", "S2-USDT"))
        assert read_all(QuotePages(conn, window, 4)) == [
            e for e in expected if 1_007 <= e[0] < 5_000 and e[2] in ("S1-USDT", "S2-USDT")]
        assert time_span(conn, Window()) == (1_000, 5_000)
        assert time_span(conn, Window(6_000)) is None
    finally:
        conn.close()


async def test_an_unknown_venue_is_an_error_not_a_guess(tmp_path: Path) -> None:
    db = await new_db(tmp_path / "q.db")
    fill(db, [(1, None, "binance", "BTC-USDT", 1.0, 1.0, 2.0, 1.0),
              (2, None, "kraken", "BTC-USDT", 1.0, 1.0, 2.0, 1.0)])
    conn = connect(db)
    try:
        with pytest.raises(DatabaseError, match="venue this ArBot does not know"):
            QuotePages(conn, Window()).next_page()
    finally:
        conn.close()


async def test_feed_events_become_the_statuses_the_engine_heard(tmp_path: Path) -> None:
    db = await new_db(tmp_path / "q.db")
    conn = sqlite3.connect(db)
    with conn:
        conn.executemany("INSERT INTO feed_events (ts_ns, venue, kind, detail) VALUES (?,?,?,?)",
                         [(10, "okx", "live", "connection 0"),
                          (20, "okx", "reconnecting", "connection 2: connection lost: reset"),
                          (30, "nowhere", "live", "connection 0"),
                          (40, "bybit", "weird", None),
                          (50, "bybit", "stale", None)])
    conn.close()
    ro = connect(db)
    try:
        events = FeedEvents(ro, 15, None, page_rows=2)
        seen = []
        while events.peek_ns() is not None:
            s = events.pop()
            seen.append((s.ts_ns, s.venue, s.connection, s.state))
        assert seen == [(20, Venue.OKX, 2, FeedState.RECONNECTING),
                        (50, Venue.BYBIT, 0, FeedState.STALE)]
    finally:
        ro.close()


async def test_what_cannot_be_replayed_is_refused_with_a_reason(tmp_path: Path) -> None:
    with pytest.raises(DatabaseError, match="no database"):
        connect(tmp_path / "missing.db")
    other = tmp_path / "other.db"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE t (x)")
    conn.close()
    with pytest.raises(DatabaseError, match="not an ArBot recording"):
        connect(other)
    newer = await new_db(tmp_path / "newer.db")
    conn = sqlite3.connect(newer)
    conn.execute("PRAGMA user_version = 999")
    conn.close()
    with pytest.raises(DatabaseError, match="newer ArBot"):
        connect(newer)
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"not a database at all, just text" * 100)
    with pytest.raises(DatabaseError):
        connect(garbage)


async def test_the_source_is_opened_read_only(tmp_path: Path) -> None:
    db = await new_db(tmp_path / "q.db")
    conn = connect(db)
    try:
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            conn.execute("DELETE FROM quotes")
    finally:
        conn.close()
