"""Read models on a real file: episode, trade and order rows come back as typed records
(None where a column is empty), and a value of the wrong type is one clear error that names
the table, the row and the column, not a wrong number further on."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import aiosqlite
import pytest

from arbot.domain import OrderRequest, Side, Venue
from arbot.storage.db import DatabaseError, open_db
from arbot.storage.journal import TradeClose, TradeIntent, TradeJournal
from arbot.storage.models import EpisodeRecord, OrderRecord, TradeRecord
from arbot.storage.queries import iter_episodes
from arbot.storage.trade_queries import iter_trades, trade_orders
from arbot.tradekinds import LegOutcome, OrderPurpose, TradeStatus, TradingMode


@pytest.fixture
async def conn(tmp_path: Path) -> AsyncIterator[aiosqlite.Connection]:
    c = await open_db(tmp_path / "arbot.db")
    yield c
    await c.close()


async def _trade(conn: aiosqlite.Connection, trade_id: str, ts_close: object) -> None:
    await conn.execute(
        "INSERT INTO trades (trade_id, mode, symbol, buy_venue, sell_venue, qty, status,"
        " ts_open_ns, ts_close_ns) VALUES (?, 'live', 'BTC-USDT', 'okx', 'bybit', 0.5, 'open',"
        " 10, ?)", (trade_id, ts_close))
    await conn.commit()


async def test_an_open_episode_reads_back_typed_with_none_where_empty(
        conn: aiosqlite.Connection) -> None:
    await conn.execute(
        "INSERT INTO opportunities (episode_id, symbol, buy_venue, sell_venue, opened_ns,"
        " net_bps_open, net_bps_peak, size_peak, profit_peak, buy_ask, sell_bid, verdict)"
        " VALUES ('e1', 'ETH-USDT', 'binance', 'okx', 7, 12, 15.5, 2, 0.25, 3000, 3004.5,"
        " 'passed')")
    await conn.commit()
    got = [e async for e in iter_episodes(conn)]
    assert got == [EpisodeRecord("e1", "ETH-USDT", "binance", "okx", 7, None, 12.0, 15.5, 2.0,
                                 0.25, 3000.0, 3004.5, None, None, None, None, None, None,
                                 "passed", None)]
    assert isinstance(got[0].net_bps_open, float)  # REAL columns read as floats


async def test_a_trade_and_its_orders_read_back_typed(conn: aiosqlite.Connection) -> None:
    await _trade(conn, "t1", None)
    await conn.execute(
        "INSERT INTO orders (client_order_id, trade_id, venue, symbol, side, order_type, qty,"
        " price, status, purpose, ts_created_ns, ts_updated_ns)"
        " VALUES ('t1b', 't1', 'okx', 'BTC-USDT', 'buy', 'ioc', 0.5, 100, 'new', 'buy', 1, 1)")
    await conn.commit()
    trades = [t async for t in iter_trades(conn)]
    assert [(t.trade_id, t.mode, t.ts_close_ns, t.buy_qty, t.leg_outcome) for t in trades] == [
        ("t1", TradingMode.LIVE, None, None, None)]
    assert isinstance(trades[0], TradeRecord)
    orders = await trade_orders(conn, ["t1", "unknown"])
    assert orders == {"t1": [OrderRecord("t1", "buy", "okx", "buy", 0.5, 100.0, 0.0, None, None,
                                         None, "new", None)]}


async def test_a_value_of_the_wrong_type_is_one_clear_error(conn: aiosqlite.Connection) -> None:
    await _trade(conn, "t1", 20)
    await _trade(conn, "t2", "soon")  # INTEGER affinity keeps text that is not a number
    with pytest.raises(DatabaseError) as caught:
        _ = [t async for t in iter_trades(conn)]
    err = caught.value
    assert err.kind == "corrupt"
    assert "row 2 of trades" in err.message and "ts_close_ns" in err.message
    assert "Expected `int | null`, got `str`" in err.message


async def test_the_journal_records_plain_words_and_reads_them_back(
        conn: aiosqlite.Connection, tmp_path: Path) -> None:
    """Enums in the code, the same text in the database: a trade journaled from typed
    intent and close reads back as recorded, and its orders with their purposes."""
    buy = OrderRequest(client_id="t1b", venue=Venue.OKX, symbol="BTC-USDT", venue_symbol="BTC-USDT",
                       side=Side.BUY, price="100.5", qty="0.5")
    sell = OrderRequest(client_id="t1s", venue=Venue.BYBIT, symbol="BTC-USDT",
                        venue_symbol="BTCUSDT", side=Side.SELL, price="101", qty="0.5")
    journal = TradeJournal(tmp_path / "arbot.db")
    try:
        journal.intent(TradeIntent(trade_id="t1", episode_id="e1", mode=TradingMode.PAPER,
                                   run_id=1, symbol="BTC-USDT", buy=buy, sell=sell,
                                   buy_price=100.5, sell_price=101.0, expected_profit=0.2,
                                   ts_ns=10))
        unwind = OrderRequest(client_id="t1u0", venue=Venue.OKX, symbol="BTC-USDT",
                              venue_symbol="BTC-USDT", side=Side.SELL, price="100", qty="0.5")
        journal.order(unwind, "t1", OrderPurpose.UNWIND, 11)  # a follow-up's own row
        journal.close_trade(TradeClose(trade_id="t1", status=TradeStatus.LEG_RISK,
                                       leg_outcome=LegOutcome.UNWIND_FAILED, detail="",
                                       buy_qty=0.5, sell_qty=0.0, buy_avg=100.5, sell_avg=0.0,
                                       fees=0.01, pnl=-0.01, ts_ns=20))
        legs = journal.trade_orders("t1")
    finally:
        journal.close()
    [row] = await conn.execute_fetchall(
        "SELECT mode, typeof(mode), status, leg_outcome, sell_avg, detail FROM trades")
    assert tuple(row) == ("paper", "text", "leg_risk", "unwind_failed", None, None)
    purposes = await conn.execute_fetchall("SELECT purpose FROM orders ORDER BY id")
    assert [p for (p,) in purposes] == ["buy", "sell", "unwind"]
    assert [leg.purpose for leg in legs] == [OrderPurpose.BUY, OrderPurpose.SELL,
                                             OrderPurpose.UNWIND]
    [trade] = [t async for t in iter_trades(conn)]
    assert (trade.mode, trade.status, trade.leg_outcome, trade.realized_profit) == (
        TradingMode.PAPER, "leg_risk", "unwind_failed", -0.01)
