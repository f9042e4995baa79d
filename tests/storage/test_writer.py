"""The batched writer against real SQLite files: exact round trips, batching, thinning,
backpressure, failures that are retried (never lost), and crash safety."""

from __future__ import annotations

import asyncio
import math
import os
import sqlite3
import subprocess
import sys
import textwrap
from collections.abc import AsyncIterator
from pathlib import Path

import aiosqlite
import pytest

import arbot
from arbot.domain import Quote, Venue
from arbot.storage.commit import multi_row
from arbot.storage.db import DatabaseError, open_db
from arbot.storage.queries import iter_quotes
from arbot.storage.rows import STATEMENTS
from arbot.storage.writer import Writer
from tests.conftest import until

VENUES = list(Venue)
PER = multi_row(STATEMENTS["quotes"])[1]  # type: ignore[index]  # quotes per INSERT


def quote(i: int, *, symbol: str = "BTC-USDT", ts: int | None = None) -> Quote:
    return Quote(
        venue=VENUES[i % len(VENUES)],
        symbol=symbol,
        bid=100.0 + i * 0.1,
        bid_size=0.5 + i,
        ask=100.05 + i * 0.1,
        ask_size=1.25,
        ts_exchange_ms=None if i % 3 == 0 else 1_700_000_000_000 + i,
        ts_recv_ns=1_700_000_000_000_000_000 + i if ts is None else ts,
    )


def count_rows(path: Path, table: str = "quotes") -> int:
    """Count through an independent connection: sees only what was committed."""
    with sqlite3.connect(path) as c:
        return int(c.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


def wal_exists(path: Path) -> bool:
    return Path(f"{path}-wal").exists()


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "arbot.db"


@pytest.fixture
async def conn(path: Path) -> AsyncIterator[aiosqlite.Connection]:
    c = await open_db(path)
    yield c
    await c.close()


async def test_round_trip_is_exact(conn: aiosqlite.Connection) -> None:
    awkward = [0.1 + 0.2, 5e-324, 1.7976931348623157e308, 123456789.12345679, 1 / 3, 1e-9]
    quotes = [
        Quote(
            venue=VENUES[i % 4],
            symbol=f"S{i}-USDT",
            bid=x,
            bid_size=x * 3,
            ask=math.nextafter(x, math.inf),
            ask_size=float(i),
            ts_exchange_ms=None if i % 2 else 1_700_000_000_123 + i,
            ts_recv_ns=1_700_000_000_123_456_789 + i,
        )
        for i, x in enumerate(awkward)
    ]
    async with Writer(conn) as w:
        for q in quotes:
            assert w.offer_quote(q)
        await w.flush()
    got = [q async for q in iter_quotes(conn)]
    assert [repr(q) for q in got] == [repr(q) for q in quotes]  # repr: exact float digits
    assert got == quotes
    assert [q.ts_exchange_ms is None for q in got] == [i % 2 == 1 for i in range(len(quotes))]
    assert all(type(q.venue) is Venue for q in got)


async def test_full_batches_flush_without_waiting_for_the_interval(
    conn: aiosqlite.Connection, path: Path
) -> None:
    w = Writer(conn, batch_rows=100, flush_ms=600_000)  # the interval never fires here
    await w.start()
    for i in range(1000):
        assert w.offer_quote(quote(i))
    await until(lambda: w.stats.rows_written["quotes"] == 1000, "size-triggered flushes")
    assert w.stats.flushes == 10 and w.stats.last_flush_rows == 100
    assert count_rows(path) == 1000
    await w.close()


@pytest.mark.parametrize(("n", "batch"), [(1000, 100), (1050, 100), (7, 1000), (1, 1)])
async def test_flush_writes_ceil_n_over_batch_transactions(
    conn: aiosqlite.Connection, path: Path, n: int, batch: int
) -> None:
    w = Writer(conn, batch_rows=batch, flush_ms=600_000)
    await w.start()
    for i in range(n):
        await w.put_quote(quote(i))
    await w.flush()
    assert w.stats.flushes == math.ceil(n / batch)
    assert w.stats.rows_written["quotes"] == n == count_rows(path)
    assert w.pending == 0
    await w.close()


async def test_interval_flushes_a_partial_batch(conn: aiosqlite.Connection, path: Path) -> None:
    async with Writer(conn, batch_rows=1000, flush_ms=20) as w:
        for i in range(5):
            w.offer_quote(quote(i))
        # No flush() called. Wait on the writer's own count: another connection can see the
        # commit a moment before the writer task resumes to count it.
        await until(lambda: w.stats.flushes >= 1, "interval flush")
        assert w.stats.flushes == 1 and count_rows(path) == 5


async def test_offer_thins_when_the_queue_is_full(conn: aiosqlite.Connection, path: Path) -> None:
    w = Writer(conn, queue_rows=10, batch_rows=4)
    results = [w.offer_quote(quote(i)) for i in range(25)]  # not started: nothing drains
    assert results == [True] * 10 + [False] * 15
    assert w.stats.quotes_thinned == 15 and w.stats.thinned == {"quotes": 15}
    await w.start()
    await w.flush()
    assert [q.ts_recv_ns for q in [x async for x in iter_quotes(conn)]] == [
        quote(i).ts_recv_ns for i in range(10)
    ]
    assert w.offer_quote(quote(99))  # room again
    await w.close()
    assert count_rows(path) == 11


async def test_put_waits_and_never_drops(conn: aiosqlite.Connection, path: Path) -> None:
    w = Writer(conn, queue_rows=5, batch_rows=3, flush_ms=1)
    await w.start()

    async def produce(k: int) -> None:
        for i in range(200):
            await w.put_quote(quote(k * 1000 + i))

    await asyncio.gather(*(produce(k) for k in range(5)))
    await w.close()
    assert count_rows(path) == 1000
    assert w.stats.quotes_thinned == 0 and w.stats.rows_written["quotes"] == 1000


async def test_close_writes_everything_and_is_idempotent(
    conn: aiosqlite.Connection, path: Path
) -> None:
    w = Writer(conn, batch_rows=1000, flush_ms=600_000)
    await w.start()
    for i in range(2500):
        w.offer_quote(quote(i))
    w.offer("feed_events", (1, "okx", "connected", None))
    await w.close()
    assert count_rows(path) == 2500 and count_rows(path, "feed_events") == 1
    await w.close()
    assert not w.offer_quote(quote(1)) and w.stats.refused_closed == 1
    with pytest.raises(RuntimeError):
        await w.put_quote(quote(2))
    assert not [t for t in asyncio.all_tasks() if t.get_name() == "arbot-db-writer"]


async def test_close_without_start_still_writes(conn: aiosqlite.Connection, path: Path) -> None:
    w = Writer(conn)
    for i in range(3):
        w.offer_quote(quote(i))
    await w.close()
    assert count_rows(path) == 3


async def test_close_after_the_loop_was_cancelled_still_writes(
    conn: aiosqlite.Connection, path: Path
) -> None:
    """Shutdown order in a TaskGroup: the drain task is cancelled first, close() comes later."""
    w = Writer(conn, batch_rows=1000, flush_ms=600_000)
    await w.start()
    await w.put_quote(quote(0))
    await w.flush()
    for i in range(1, 300):
        w.offer_quote(quote(i))
    task = next(t for t in asyncio.all_tasks() if t.get_name() == "arbot-db-writer")
    task.cancel()
    await asyncio.wait({task})
    assert task.cancelled() and w.pending == 299
    await w.close()
    assert count_rows(path) == 300 and w.pending == 0


async def test_cancelled_mid_transaction_then_close_writes_everything(
    conn: aiosqlite.Connection, path: Path
) -> None:
    n = 50_000
    w = Writer(conn, batch_rows=n, queue_rows=n, flush_ms=600_000)
    await w.start()
    task = next(t for t in asyncio.all_tasks() if t.get_name() == "arbot-db-writer")
    loop = asyncio.get_running_loop()
    inserts = 0

    def trace(statement: str) -> None:  # runs in aiosqlite's thread, inside executemany
        nonlocal inserts
        if statement.startswith("INSERT"):
            inserts += 1
            if inserts == 10:
                loop.call_soon_threadsafe(task.cancel)

    await conn.set_trace_callback(trace)
    for i in range(n):
        w.offer_quote(quote(i))
    await asyncio.wait({task})
    await conn.set_trace_callback(lambda _: None)
    assert task.cancelled()
    await w.close(give_up_s=60)
    assert count_rows(path) == n and w.pending == 0


async def test_task_is_named_and_runs_in_a_task_group(conn: aiosqlite.Connection) -> None:
    w = Writer(conn)
    await w.start()
    assert [t for t in asyncio.all_tasks() if t.get_name() == "arbot-db-writer"]
    await w.close()

    w2 = Writer(conn)
    async with asyncio.TaskGroup() as tg:
        tg.create_task(w2.run(), name="db")
        w2.offer_quote(quote(1))
        await w2.flush()
        await w2.close()
    assert w2.stats.rows_written["quotes"] == 1


async def test_unknown_statement_is_a_programming_error(conn: aiosqlite.Connection) -> None:
    w = Writer(conn)
    with pytest.raises(KeyError):
        w.offer("nope", (1,))
    with pytest.raises(KeyError):
        await w.put("nope", (1,))
    w.offer_quote(quote(1))
    with pytest.raises(DatabaseError, match="1 rows were not written"):
        await w.flush(give_up_s=0.05)  # nothing drains until start() or run()
    await w.close()


async def test_locked_database_is_retried_and_nothing_is_lost(path: Path) -> None:
    conn = await open_db(path, busy_timeout_s=0.05)
    w = Writer(conn, batch_rows=10, retry_s=0.01)
    await w.start()
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        for i in range(50):
            w.offer_quote(quote(i))
        flushed = asyncio.create_task(w.flush())
        await until(lambda: w.stats.failed_flushes >= 2, "failed flushes")
        assert w.stats.consecutive_failures >= 2
        assert "locked by another process" in (w.stats.last_error or "")
        assert not flushed.done() and w.pending == 50
        with pytest.raises(DatabaseError, match=r"50 rows were not written.*locked"):
            await w.flush(give_up_s=0.2)
        task = next(t for t in asyncio.all_tasks() if t.get_name() == "arbot-db-writer")
        assert not task.done()  # the writer survived every failure
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    await asyncio.wait_for(flushed, 30)
    assert count_rows(path) == 50
    assert w.stats.consecutive_failures == 0 and w.stats.rows_written["quotes"] == 50
    await w.close()
    await conn.close()


async def test_read_only_connection_reports_unwritten_rows_on_close(path: Path) -> None:
    await (await open_db(path)).close()
    conn = await open_db(path, readonly=True)
    w = Writer(conn, retry_s=0.01)
    await w.start()
    for i in range(10):
        w.offer_quote(quote(i))
    with pytest.raises(DatabaseError) as info:
        await w.close(give_up_s=0.5)
    assert "10 rows were not written" in str(info.value) and "read-only" in str(info.value)
    assert w.stats.failed_flushes >= 1
    await conn.close()
    assert count_rows(path) == 0


async def test_bad_row_is_rejected_and_counted_others_written(
    conn: aiosqlite.Connection, path: Path
) -> None:
    async with Writer(conn, batch_rows=100) as w:
        for i in range(30):
            w.offer_quote(quote(i))
            if i == 10:
                w.offer("feed_events", (5, "okx", None, "kind is NOT NULL"))
                w.offer("feed_events", (6, "okx", "stale", None))
        await w.flush()
        used = ("quotes", "feed_events")
        assert {k: w.stats.rows_rejected[k] for k in used} == {"quotes": 0, "feed_events": 1}
        assert {k: w.stats.rows_written[k] for k in used} == {"quotes": 30, "feed_events": 1}
        assert "feed_events row rejected" in (w.stats.last_error or "")
    assert count_rows(path) == 30 and count_rows(path, "feed_events") == 1


async def test_kept_rows_are_never_thinned_even_when_the_queue_is_full(
    conn: aiosqlite.Connection, path: Path
) -> None:
    w = Writer(conn, queue_rows=5, flush_ms=10_000)
    offered = [w.offer_quote(quote(i)) for i in range(20)]  # the queue fills: quotes thinned
    for i in range(50):
        w.keep("feed_events", (i, "okx", "live", None))
    assert offered.count(False) == 15 and w.stats.thinned == {"quotes": 15}
    await w.close()
    assert count_rows(path) == 5 and count_rows(path, "feed_events") == 50
    with pytest.raises(RuntimeError):
        w.keep("feed_events", (99, "okx", "live", None))


async def test_extra_statements_can_be_registered(conn: aiosqlite.Connection) -> None:
    sql = {**STATEMENTS, "ping": "INSERT INTO feed_events (ts_ns, venue, kind) VALUES (?, ?, 'x')"}
    async with Writer(conn, statements=sql) as w:
        await w.put("ping", (1, "okx"))
        await w.flush()
    assert list(await conn.execute_fetchall("SELECT ts_ns, kind FROM feed_events")) == [(1, "x")]


async def test_flushed_rows_are_visible_to_another_connection(
    conn: aiosqlite.Connection, path: Path
) -> None:
    w = Writer(conn)
    await w.start()
    for i in range(100):
        w.offer_quote(quote(i))
    await w.flush()
    reader = await open_db(path, readonly=True)
    try:
        assert len([q async for q in iter_quotes(reader)]) == 100
    finally:
        await reader.close()
    await w.close()


_CRASHER = textwrap.dedent(
    """
    import asyncio, os, sys
    from arbot.domain import Quote, Venue
    from arbot.storage.db import open_db
    from arbot.storage.writer import Writer

    async def main() -> None:
        conn = await open_db(sys.argv[1])
        w = Writer(conn, batch_rows=64)
        await w.start()
        for i in range(1000):
            w.offer_quote(Quote(venue=Venue.OKX, symbol="BTC-USDT", bid=1.0, bid_size=1.0, ask=2.0,
                                ask_size=1.0, ts_exchange_ms=None, ts_recv_ns=i))
        await w.flush()
        for i in range(1000, 1010):  # queued, never flushed: may be lost, must not corrupt
            w.offer_quote(Quote(venue=Venue.OKX, symbol="BTC-USDT", bid=1.0, bid_size=1.0, ask=2.0,
                                ask_size=1.0, ts_exchange_ms=None, ts_recv_ns=i))
        os._exit(0)  # die without closing anything: no checkpoint, no clean shutdown

    asyncio.run(main())
    """
)


async def test_flushed_rows_survive_a_crash(path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(Path(arbot.__file__).parent.parent)}
    cmd = [sys.executable, "-c", _CRASHER, str(path)]
    done = await asyncio.to_thread(
        subprocess.run, cmd, capture_output=True, text=True, env=env, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    assert wal_exists(path)  # the data is in the WAL, not yet checkpointed
    conn = await open_db(path)
    try:
        got = [q.ts_recv_ns async for q in iter_quotes(conn)]
    finally:
        await conn.close()
    assert got[:1000] == list(range(1000))


async def test_a_full_database_stops_the_writer_once_and_close_returns(
        conn: aiosqlite.Connection, path: Path, caplog: pytest.LogCaptureFixture) -> None:
    # The database may not grow (SQLITE_FULL, as on a full disk): before, every flush was
    # retried for ever and close() never returned.
    pages = int((await (await conn.execute("PRAGMA page_count")).fetchone())[0])  # type: ignore[index]
    await conn.execute(f"PRAGMA max_page_count = {pages}")
    stopped: list[str] = []
    w = Writer(conn, flush_ms=0, retry_s=0.01, on_stopped=stopped.append)
    await w.start()
    for i in range(5000):
        await w.put_quote(quote(i))
    await until(lambda: w.stats.stopped is not None, "the writer stopped")
    assert stopped == ["the disk holding the database is full"]
    assert w.offer_quote(quote(1)) is False
    w.keep("run_update", (1, "{}", 1))  # never raises: the sinks calling it keep running
    with pytest.raises(DatabaseError):
        await w.put_quote(quote(2))
    with pytest.raises(DatabaseError, match="rows were not written"):
        await w.flush()
    await asyncio.wait_for(w.close(), 30)
    written = w.stats.rows_written["quotes"]
    assert written + w.stats.unwritten == 5000 + 3
    assert count_rows(path) == written
    assert sum("recording stopped" in r.getMessage() for r in caplog.records) == 1
    assert not any("will retry" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize("n", [0, 1, PER - 1, PER, PER + 1, 129, 2 * PER + 1])
async def test_rows_around_the_multi_row_statement_width_are_written_exactly(
        conn: aiosqlite.Connection, path: Path, n: int) -> None:
    # PER quotes (and 128 feed events) go in one INSERT statement; the rest of a batch
    # one statement per row
    async with Writer(conn, batch_rows=1000, flush_ms=10_000) as w:
        for i in range(n):
            assert w.offer_quote(quote(i))
            w.offer("feed_events", (i, "okx", "live", f"connection {i}"))
        await w.flush()
        assert w.stats.rows_written["quotes"] == w.stats.rows_written["feed_events"] == n
        assert w.stats.flushes == (1 if n else 0)
    got = [q async for q in iter_quotes(conn)]
    assert got == [quote(i) for i in range(n)]
    with sqlite3.connect(path) as c:
        events = c.execute("SELECT ts_ns, venue, kind, detail FROM feed_events ORDER BY id")
        assert events.fetchall() == [(i, "okx", "live", f"connection {i}") for i in range(n)]


@pytest.mark.parametrize("bad", [10, PER - 2, PER])
async def test_bad_rows_in_a_multi_row_batch_cost_only_themselves(
        conn: aiosqlite.Connection, path: Path, bad: int) -> None:
    # a row one value long next to one a value short: together they have the width of
    # two valid rows, so only a check of every row keeps them from being written shifted
    async with Writer(conn, batch_rows=1000, flush_ms=10_000) as w:
        for i in range(PER + 2):
            if i == bad:
                assert w.offer("quotes", (1, None, "okx", "BTC-USDT", 1.0, 1.0, 1.0, 1.0, 7))
            elif i == bad + 1:
                assert w.offer("quotes", (2, "okx", "BTC-USDT", 1.0, 1.0, 1.0, 1.0))
            else:
                assert w.offer_quote(quote(i))
        await w.flush()
        assert w.stats.rows_rejected["quotes"] == 2
        assert w.stats.rows_written["quotes"] == PER
    got = [q async for q in iter_quotes(conn)]
    assert got == [quote(i) for i in range(PER + 2) if i not in (bad, bad + 1)]


async def test_closing_writes_every_buffered_row_of_every_kind(
        conn: aiosqlite.Connection, path: Path) -> None:
    # batches smaller than what is buffered, and a flush interval that never comes: only
    # close() drains it all, batch after batch
    w = Writer(conn, batch_rows=64, flush_ms=60_000)
    await w.start()
    for i in range(1_000):
        w.offer_quote(quote(i))
        if i % 100 == 0:
            w.keep("feed_events", (i, "okx", "live", None))
    await w.put("feed_events", (-1, "bybit", "stale", None))
    await w.close()
    assert w.pending == 0 and w.stats.unwritten == 0
    assert w.stats.rows_written["quotes"] == 1_000 and count_rows(path, "feed_events") == 11
    assert [q async for q in iter_quotes(conn)] == [quote(i) for i in range(1_000)]


async def test_put_waits_for_room_in_the_buffers_and_loses_nothing(
        conn: aiosqlite.Connection, path: Path) -> None:
    async with Writer(conn, batch_rows=50, queue_rows=20, flush_ms=1) as w:
        for i in range(500):
            await w.put_quote(quote(i))
            assert w.pending <= 20 + 50  # the buffers plus the batch being written
        await w.flush()
    assert w.stats.thinned == {} and count_rows(path) == 500


async def test_a_full_disk_under_live_offers_accounts_for_every_quote(
        conn: aiosqlite.Connection, path: Path, caplog: pytest.LogCaptureFixture) -> None:
    # The tick path's offers while the database fills: every quote offered is written,
    # thinned or counted unwritten, and the warning comes once.
    pages = int((await (await conn.execute("PRAGMA page_count")).fetchone())[0])  # type: ignore[index]
    await conn.execute(f"PRAGMA max_page_count = {pages + 200}")  # room for some batches
    w = Writer(conn, flush_ms=1, retry_s=0.01)
    await w.start()
    offered = 0
    give_up = asyncio.get_running_loop().time() + 60  # a guard against hanging, not a timing
    while w.stats.stopped is None and asyncio.get_running_loop().time() < give_up:
        for _ in range(500):
            w.offer_quote(quote(offered))
            offered += 1
        # Room for the writer's thread to answer; on a loaded machine one loop turn
        # (sleep(0)) could pass 400 times before the first batch was written.
        await asyncio.sleep(0.001)
    assert w.stats.stopped == "the disk holding the database is full"
    await asyncio.wait_for(w.close(), 30)
    written = w.stats.rows_written["quotes"]
    assert written > 0 and count_rows(path) == written
    assert written + w.stats.quotes_thinned + w.stats.unwritten == offered
    assert sum("recording stopped" in r.getMessage() for r in caplog.records) == 1
