"""The walked figures of episodes: written at open and close, read back typed, and an
older database migrated with its episodes intact (and None where it recorded nothing)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import aiosqlite

from arbot.domain import Episode, Opportunity, Quote, Venue, Verdict
from arbot.storage.db import MIGRATIONS, open_db
from arbot.storage.models import EpisodeRecord
from arbot.storage.queries import iter_episodes
from arbot.storage.rows import STATEMENTS, episode_close_row, episode_open_row

WALK_STEP = next(i for i, m in enumerate(MIGRATIONS)
                 if m.description == "walked episode figures")


def opportunity(bid: float, walk_size: float) -> Opportunity:
    buy = Quote(venue=Venue.BINANCE, symbol="BTC-USDT", bid=99.9, bid_size=1.0, ask=100.0,
                ask_size=0.5, ts_exchange_ms=None, ts_recv_ns=5)
    sell = Quote(venue=Venue.OKX, symbol="BTC-USDT", bid=bid, bid_size=0.5, ask=bid + 0.1,
                 ask_size=1.0, ts_exchange_ms=None, ts_recv_ns=6)
    return Opportunity(symbol="BTC-USDT", buy=buy, sell=sell, buy_fee_bps=10.0,
                       sell_fee_bps=10.0, net_per_unit=0.3, net_bps=30.0, size=0.5,
                       profit=0.15, walk_size=walk_size, buy_vwap=100.05, sell_vwap=bid - 0.05,
                       buy_worst=100.1, sell_worst=bid - 0.1, walk_profit=walk_size * 0.2,
                       walk_net_bps=20.0, buy_levels=2, sell_levels=3)


def episode(first: Opportunity, peak: Opportunity, closed: int | None = None) -> Episode:
    return Episode(id="e1", symbol="BTC-USDT", buy_venue=Venue.BINANCE, sell_venue=Venue.OKX,
                   opened_ns=6, first=first, peak=peak, last=peak, verdict=Verdict(passed=True),
                   passed=True, updates=2, closed_ns=closed,
                   close_reason=None if closed is None else "below_min")


async def read(conn: aiosqlite.Connection) -> list[EpisodeRecord]:
    return [e async for e in iter_episodes(conn)]


async def test_walked_figures_are_written_at_open_and_at_the_peak_on_close(
        tmp_path: Path) -> None:
    conn = await open_db(tmp_path / "a.db")
    try:
        first, peak = opportunity(100.5, 2.0), opportunity(100.6, 4.0)
        await conn.execute(STATEMENTS["episode_open"], episode_open_row(episode(first, first), 1))
        (opened,) = await read(conn)
        assert (opened.walk_size_peak, opened.walk_profit_peak) == (2.0, 0.4)
        await conn.execute(STATEMENTS["episode_close"], episode_close_row(episode(first, peak, 9)))
        (closed,) = await read(conn)
    finally:
        await conn.close()
    assert closed.closed_ns == 9 and closed.size_peak == 0.5 and closed.profit_peak == 0.15
    assert (closed.walk_size_peak, closed.walk_profit_peak, closed.walk_net_bps_peak) == (
        4.0, 0.8, 20.0)
    assert (closed.buy_vwap_peak, closed.sell_vwap_peak) == (100.05, 100.55)
    assert (closed.buy_worst_peak, closed.sell_worst_peak) == (100.1, 100.5)
    assert (closed.buy_levels_peak, closed.sell_levels_peak) == (2, 3)


async def test_an_older_database_gets_the_walk_columns_and_keeps_its_episodes(
        tmp_path: Path) -> None:
    path = tmp_path / "a.db"
    old = await open_db(path, migrations=MIGRATIONS[:WALK_STEP])  # recorded before the walk
    await old.execute(
        "INSERT INTO opportunities (episode_id, symbol, buy_venue, sell_venue, opened_ns,"
        " closed_ns, net_bps_open, net_bps_peak, size_peak, profit_peak, buy_ask, sell_bid,"
        " verdict, close_reason) VALUES ('old', 'ETH-USDT', 'binance', 'okx', 1, 2, 12, 15.5,"
        " 2, 0.25, 3000, 3004.5, 'passed', 'below_min')")
    await old.commit()
    await old.close()

    conn = await open_db(path)
    try:
        with sqlite3.connect(path) as c:
            assert c.execute("PRAGMA user_version").fetchone()[0] == MIGRATIONS[-1].version
        (kept,) = await read(conn)
        assert (kept.episode_id, kept.net_bps_peak, kept.close_reason) == ("old", 15.5,
                                                                           "below_min")
        assert kept.walk_size_peak is None and kept.buy_levels_peak is None
        first = opportunity(100.5, 2.0)
        await conn.execute(STATEMENTS["episode_open"], episode_open_row(episode(first, first), 1))
        assert [e.walk_size_peak for e in await read(conn)] == [None, 2.0]
    finally:
        await conn.close()
