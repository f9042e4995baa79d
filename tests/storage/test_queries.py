"""The read side on real files: filters, order across chunk boundaries, counts, retention."""

from __future__ import annotations

import asyncio
import itertools
import tempfile
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

import aiosqlite
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from arbot.domain import Quote, Venue
from arbot.storage.db import DatabaseError, open_db
from arbot.storage.queries import count_quotes, delete_quotes_older_than, iter_quotes
from arbot.storage.writer import Writer

SYMBOLS = ["BTC-USDT", "ETH-USDT"]
VENUES = [Venue.BINANCE, Venue.OKX]


def quote(ts: int, symbol: str = "BTC-USDT", venue: Venue = Venue.BINANCE, n: int = 0) -> Quote:
    return Quote(venue=venue, symbol=symbol, bid=100.0 + n, bid_size=1.0, ask=100.5 + n,
                 ask_size=2.0, ts_exchange_ms=None, ts_recv_ns=ts)


async def store(conn: aiosqlite.Connection, quotes: Sequence[Quote]) -> None:
    """Write through the real writer, in the given order."""
    async with Writer(conn, batch_rows=500) as w:
        for q in quotes:
            await w.put_quote(q)
        await w.flush()


@pytest.fixture
async def conn(tmp_path: Path) -> AsyncIterator[aiosqlite.Connection]:
    c = await open_db(tmp_path / "arbot.db")
    yield c
    await c.close()


@pytest.fixture
async def grid(conn: aiosqlite.Connection) -> list[Quote]:
    """100 timestamps x 2 symbols x 2 venues, stored in scrambled order."""
    quotes = [
        quote(ts, s, v, n)
        for n, (ts, s, v) in enumerate(itertools.product(range(100), SYMBOLS, VENUES))
    ]
    scrambled = quotes[1::2][::-1] + quotes[0::2]
    await store(conn, scrambled)
    return quotes


def key(q: Quote) -> tuple[int, str, str]:
    return (q.ts_recv_ns, q.symbol, q.venue)


@pytest.mark.parametrize("chunk", [1, 7, 400, 10_000])
async def test_filters_and_order(conn: aiosqlite.Connection, grid: list[Quote], chunk: int) -> None:
    async def run(**kw: object) -> list[Quote]:
        return [q async for q in iter_quotes(conn, chunk=chunk, **kw)]  # type: ignore[arg-type]

    everything = await run()
    assert len(everything) == 400
    assert [q.ts_recv_ns for q in everything] == sorted(q.ts_recv_ns for q in grid)
    assert sorted(map(key, everything)) == sorted(map(key, grid))

    eth = await run(symbol="ETH-USDT")
    assert {q.symbol for q in eth} == {"ETH-USDT"} and len(eth) == 200
    okx = await run(venue=Venue.OKX)
    assert {q.venue for q in okx} == {Venue.OKX} and len(okx) == 200
    both = await run(symbol="BTC-USDT", venue="binance")
    assert [q.ts_recv_ns for q in both] == list(range(100))
    window = await run(symbol="BTC-USDT", since_ns=10, until_ns=20)
    assert sorted({q.ts_recv_ns for q in window}) == list(range(10, 20))  # since in, until out
    assert len(window) == 20
    assert await run(since_ns=100) == [] and await run(until_ns=0) == []
    assert await run(symbol="DOGE-USDT") == []


async def test_equal_timestamps_across_chunks_keep_insert_order(
    conn: aiosqlite.Connection,
) -> None:
    quotes = [quote(ts, n=n) for n, ts in enumerate([5] * 23 + [3] * 9 + [5] * 4 + [9] * 11)]
    await store(conn, quotes)
    expected = sorted(quotes, key=lambda q: q.ts_recv_ns)  # stable: ties stay in insert order
    for chunk in (1, 2, 5, 9, 23, 46, 47, 48):
        got = [q async for q in iter_quotes(conn, chunk=chunk)]
        assert got == expected, chunk


async def test_reads_one_chunk_per_query(conn: aiosqlite.Connection) -> None:
    await store(conn, [quote(ts) for ts in range(95)])
    statements: list[str] = []
    await conn.set_trace_callback(statements.append)
    got = [q async for q in iter_quotes(conn, chunk=10)]
    await conn.set_trace_callback(lambda _: None)
    assert len(got) == 95
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(selects) == 10  # ceil(95 / 10): memory holds one chunk at a time
    assert all("LIMIT" in s for s in selects)


async def test_stopping_early_is_fine(conn: aiosqlite.Connection) -> None:
    await store(conn, [quote(ts) for ts in range(50)])
    seen = []
    async for q in iter_quotes(conn, chunk=8):
        seen.append(q.ts_recv_ns)
        if len(seen) == 12:
            break
    assert seen == list(range(12))
    assert not conn.in_transaction


async def test_count_quotes(conn: aiosqlite.Connection, grid: list[Quote]) -> None:
    assert await count_quotes(conn) == 400
    assert await count_quotes(conn, symbol="ETH-USDT", venue=Venue.OKX) == 100
    assert await count_quotes(conn, since_ns=90) == 40
    assert await count_quotes(conn, since_ns=10, until_ns=11, symbol="BTC-USDT") == 2


async def test_delete_older_than_in_batches(conn: aiosqlite.Connection) -> None:
    await store(conn, [quote(ts) for ts in range(12_000)])
    statements: list[str] = []
    await conn.set_trace_callback(statements.append)
    deleted = await delete_quotes_older_than(conn, 10_500, batch=1000)
    await conn.set_trace_callback(lambda _: None)
    assert deleted == 10_500
    assert await count_quotes(conn) == 1500
    assert [q.ts_recv_ns async for q in iter_quotes(conn, chunk=100)] == list(range(10_500, 12_000))
    assert sum(s.startswith("DELETE") for s in statements) == 11  # 10 full + 1 partial
    assert sum(s == "COMMIT" for s in statements) == 11  # each batch its own transaction
    assert await delete_quotes_older_than(conn, 10_500) == 0
    assert not conn.in_transaction


async def test_delete_on_read_only_connection_is_explained(tmp_path: Path) -> None:
    path = tmp_path / "a.db"
    writer_conn = await open_db(path)
    await store(writer_conn, [quote(ts) for ts in range(10)])
    await writer_conn.close()
    reader = await open_db(path, readonly=True)
    try:
        with pytest.raises(DatabaseError) as info:
            await delete_quotes_older_than(reader, 5)
        assert info.value.kind == "readonly"
        assert not reader.in_transaction
        assert await count_quotes(reader) == 10
    finally:
        await reader.close()


@settings(max_examples=40, deadline=None)
@given(
    rows=st.lists(
        st.tuples(st.integers(0, 20), st.sampled_from(SYMBOLS), st.sampled_from(VENUES)),
        max_size=60,
    ),
    chunk=st.integers(1, 70),
    symbol=st.none() | st.sampled_from(SYMBOLS),
    since=st.none() | st.integers(0, 21),
    until=st.none() | st.integers(0, 21),
)
def test_iter_matches_a_sorted_filter(
    rows: list[tuple[int, str, Venue]],
    chunk: int,
    symbol: str | None,
    since: int | None,
    until: int | None,
) -> None:
    quotes = [quote(ts, s, v, n) for n, (ts, s, v) in enumerate(rows)]
    expected = [
        q
        for q in sorted(quotes, key=lambda q: q.ts_recv_ns)
        if (symbol is None or q.symbol == symbol)
        and (since is None or q.ts_recv_ns >= since)
        and (until is None or q.ts_recv_ns < until)
    ]

    async def check(path: Path) -> None:
        conn = await open_db(path)
        try:
            await store(conn, quotes)
            got = [
                q
                async for q in iter_quotes(
                    conn, symbol=symbol, since_ns=since, until_ns=until, chunk=chunk
                )
            ]
            n = await count_quotes(conn, symbol=symbol, since_ns=since, until_ns=until)
        finally:
            await conn.close()
        assert got == expected
        assert n == len(expected)

    with tempfile.TemporaryDirectory() as d:
        asyncio.run(check(Path(d) / "h.db"))
