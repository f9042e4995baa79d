"""The backfill: the latest recorded episodes, and trades with their orders, read once at
start on read-only connections (live ones then arrive as messages, never by polling).
"""

from __future__ import annotations

import sqlite3
from collections import deque

import aiosqlite

from arbot.storage.db import DatabaseError, database_error, open_db
from arbot.storage.queries import iter_episodes
from arbot.storage.trade_queries import iter_trades
from arbot.tui.state import EpisodeRow
from arbot.tui.tradedata import OrderRow, TradeRow

ORDER_COLUMNS = ("trade_id", "purpose", "venue", "side", "qty", "price", "filled_qty",
                 "avg_price", "fee", "fee_asset", "status", "error")
_CHUNK = 500  # trade ids per IN (...) query, well under SQLite's parameter limit


async def recent_episodes(path: str, since_ns: int, limit: int = 200) -> list[EpisodeRow]:
    """The newest `limit` episodes opened since `since_ns`, oldest first."""
    conn = await open_db(path, readonly=True)
    try:
        rows: deque[EpisodeRow] = deque(maxlen=limit)
        async for row in iter_episodes(conn, since_ns=since_ns):
            rows.append(EpisodeRow.from_db(row))
    finally:
        await conn.close()
    return list(rows)


async def read_history(path: str, since_ns: int
                       ) -> tuple[list[EpisodeRow], list[TradeRow]]:
    """Episodes and trades opened since `since_ns`; none when there is no database yet
    (normal on a first run). Any other database problem is raised."""
    try:
        return await recent_episodes(path, since_ns), await recent_trades(path, since_ns)
    except DatabaseError as exc:
        if exc.kind != "missing":
            raise
        return [], []


async def recent_trades(path: str, since_ns: int, limit: int = 200) -> list[TradeRow]:
    """The newest `limit` trades opened since `since_ns`, oldest first, with their orders."""
    conn = await open_db(path, readonly=True)
    try:
        rows: deque[tuple[object, ...]] = deque(maxlen=limit)
        async for row in iter_trades(conn, since_ns=since_ns):
            rows.append(row)
        orders = await trade_orders(conn, [str(r[0]) for r in rows])
    finally:
        await conn.close()
    return [TradeRow.from_db(r, orders.get(str(r[0]), [])) for r in rows]


async def count_trades(conn: aiosqlite.Connection, *, since_ns: int | None = None,
                       until_ns: int | None = None) -> int:
    """Trades opened in [since, until), for the export's progress bar."""
    sql = ("SELECT count(*) FROM trades WHERE ts_open_ns >= coalesce(?, ts_open_ns)"
           " AND ts_open_ns < coalesce(?, ts_open_ns + 1)")
    try:
        rows = list(await conn.execute_fetchall(sql, (since_ns, until_ns)))
    except sqlite3.Error as exc:
        raise database_error(exc) from exc
    return int(rows[0][0])


async def trade_orders(conn: aiosqlite.Connection, trade_ids: list[str]
                       ) -> dict[str, list[OrderRow]]:
    """Every order of the given trades, in the order they were recorded."""
    found: dict[str, list[OrderRow]] = {}
    for start in range(0, len(trade_ids), _CHUNK):
        chunk = trade_ids[start:start + _CHUNK]
        sql = (f"SELECT {', '.join(ORDER_COLUMNS)} FROM orders"
               f" WHERE trade_id IN ({', '.join('?' * len(chunk))}) ORDER BY id")
        try:
            rows = await conn.execute_fetchall(sql, chunk)
        except sqlite3.Error as exc:
            raise database_error(exc) from exc
        for row in rows:
            found.setdefault(str(row[0]), []).append(OrderRow.from_db(tuple(row[1:])))
    return found
