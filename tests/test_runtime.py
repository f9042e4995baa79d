"""The runtime end to end against the in-process simulator, and its recording policies.

All real: the simulator on 127.0.0.1, the adapters, the feed loop, SQLite files in
tmp_path. Waits are event-based with generous deadlines.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from pathlib import Path

import msgspec
import pytest

from arbot.config import ArbotSettings
from arbot.config.run import with_endpoints
from arbot.domain import FeedState, Quote, Venue
from arbot.runtime import Runtime
from arbot.sim import SimConfig, SimServer
from arbot.storage.db import open_db
from arbot.storage.queries import count_quotes
from arbot.storage.recorder import Recorder
from arbot.storage.retention import retention_pass
from arbot.storage.writer import Writer
from tests.conftest import until

SYMBOLS = ["BTC-USDT", "ETH-USDT"]


def settings_for(tmp_path: Path, **storage: object) -> ArbotSettings:
    return ArbotSettings.model_validate({
        "market": {"symbols": SYMBOLS},
        "storage": {"path": str(tmp_path / "arbot.db"), "flush_ms": 50, **storage},
    })


async def test_demo_runtime_brings_all_venues_live_and_records(tmp_path: Path) -> None:
    settings = settings_for(tmp_path, record_quotes="all")
    stop = asyncio.Event()
    async with Runtime(settings, demo=True, sim_config=SimConfig(rate=100)) as rt:
        assert rt.warnings == []
        assert all(f.url.startswith("ws://127.0.0.1:") for f in rt.feeds)
        run = asyncio.create_task(rt.run(stop))
        await until(lambda: rt.board.venue_states() == dict.fromkeys(Venue, FeedState.LIVE),
                    "every venue live")
        await until(lambda: rt.writer is not None
                    and rt.writer.stats.rows_written.get("quotes", 0) > 200, "recorded quotes")
        stop.set()
        await run
    conn = await open_db(settings.storage.path, readonly=True)
    try:
        for venue in Venue:
            assert await count_quotes(conn, venue=venue.value) > 0
        async with conn.execute("SELECT DISTINCT venue, kind FROM feed_events") as cur:
            events = set(await cur.fetchall())
        assert {(v.value, "live") for v in Venue} <= events
    finally:
        await conn.close()


async def test_disabled_venue_is_reported_and_not_connected(tmp_path: Path) -> None:
    settings = settings_for(tmp_path).model_copy(update={
        "exchanges": ArbotSettings.model_validate(
            {"exchanges": {"okx": {"enabled": False}}}).exchanges})
    async with Runtime(settings, demo=True) as rt:
        assert Venue.OKX not in {f.adapter.venue for f in rt.feeds}
        assert rt.board.venue_states()[Venue.OKX] is FeedState.DISABLED


def quote(i: int, bid: float = 100.0, venue: Venue = Venue.BINANCE) -> Quote:
    return Quote(venue=venue, symbol="BTC-USDT", bid=bid, bid_size=1.0, ask=bid + 1, ask_size=1.0,
                 ts_exchange_ms=None, ts_recv_ns=i * 1_000_000)


@pytest.mark.parametrize(("mode", "expected"), [
    ("all", 40),  # every quote
    ("changes", 4),  # the price changes every 10 quotes
    ("throttled", 8),  # ts are 1 ms apart, at most one per 5 ms
    ("off", 0),
])
async def test_recording_modes(tmp_path: Path, mode: str, expected: int) -> None:
    conn = await open_db(tmp_path / "r.db")
    writer = Writer(conn, flush_ms=20)
    await writer.start()
    recorder = Recorder(writer, mode, throttle_ms=5)  # type: ignore[arg-type]
    for i in range(40):
        recorder.on_quote(quote(i, bid=100.0 + i // 10))
    await writer.close()
    assert await count_quotes(conn) == expected
    assert recorder.offered + recorder.skipped == 40
    await conn.close()


async def test_a_writer_that_falls_behind_thins_and_counts(tmp_path: Path) -> None:
    conn = await open_db(tmp_path / "r.db")
    writer = Writer(conn, flush_ms=1000, queue_rows=100)
    await writer.start()
    recorder = Recorder(writer, "all", throttle_ms=5)
    for i in range(1000):  # far faster than a flush: the queue overflows
        recorder.on_quote(quote(i))
    await writer.close()
    written = await count_quotes(conn)
    assert writer.stats.quotes_thinned > 0
    assert written + writer.stats.quotes_thinned == 1000
    await conn.close()


async def test_retention_deletes_only_old_quotes(tmp_path: Path) -> None:
    path = tmp_path / "r.db"
    conn = await open_db(path)
    writer = Writer(conn, flush_ms=20)
    await writer.start()
    day_ns = 86_400 * 10**9
    now = 100 * day_ns
    for age_days in (40, 31, 29, 1):
        await writer.put_quote(msgspec.structs.replace(quote(0),
                                                       ts_recv_ns=now - age_days * day_ns))
    await writer.close()
    await conn.close()
    assert await retention_pass(str(path), 30, now_ns=now) == 2
    check = sqlite3.connect(path)
    assert check.execute("SELECT COUNT(*) FROM quotes").fetchone() == (2,)
    check.close()


async def test_retention_of_0_days_keeps_every_quote(tmp_path: Path) -> None:
    """0 means keep forever, also when it is saved while ArBot runs: a pass with 0 days
    must not take "now" as the cutoff and delete every recorded quote."""
    path = tmp_path / "r.db"
    conn = await open_db(path)
    writer = Writer(conn, flush_ms=20)
    await writer.start()
    now = time.time_ns()
    for age_s in (3600, 60, 1):
        await writer.put_quote(msgspec.structs.replace(quote(0),
                                                       ts_recv_ns=now - age_s * 10**9))
    await writer.close()
    await conn.close()
    assert await retention_pass(str(path), 0) == 0
    check = sqlite3.connect(path)
    assert check.execute("SELECT COUNT(*) FROM quotes").fetchone() == (3,)
    check.close()


async def test_instruments_problems_are_warned_and_shown_in_the_status(tmp_path: Path) -> None:
    """One venue's REST is down: configured symbols are used; a symbol nobody lists is
    left out with a warning. Both reach the venue's status, and the feeds still go live."""
    async with SimServer(SimConfig(symbols=("BTC-USDT",), rate=100)) as sim:
        sim.set_rest_fault(Venue.OKX, status=500)
        base = ArbotSettings.model_validate({
            "market": {"symbols": ["BTC-USDT", "FOO-USDT"]},
            "storage": {"path": str(tmp_path / "arbot.db")},
        })
        settings = with_endpoints(base, {v: (sim.urls(v).ws_url, sim.urls(v).rest_url)
                                         for v in Venue})
        stop = asyncio.Event()
        async with Runtime(settings) as rt:
            run = asyncio.create_task(rt.run(stop))
            await until(lambda: rt.board.venue_states().get(Venue.BINANCE) is FeedState.LIVE
                        and rt.board.venue_states().get(Venue.OKX) is FeedState.LIVE,
                        "binance and okx live")
            stop.set()
            await run
        okx = next(w for w in rt.warnings if w.startswith("okx"))
        assert "instruments unavailable" in okx and "using configured symbols" in okx
        assert "binance does not list FOO-USDT" in rt.warnings
        status = rt.board.latest[(Venue.BINANCE, 0)]
        assert status.last_error == "binance does not list FOO-USDT"
