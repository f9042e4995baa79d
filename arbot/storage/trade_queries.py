"""Read side of the trade journal: trades by time and their orders, for export, the UI and
the API."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator

import aiosqlite

from arbot.storage.db import database_error
from arbot.storage.models import OrderRecord, TradeRecord, columns, decode
from arbot.storage.queries import iter_by_time

_CHUNK = 500  # trade ids per IN (...) query, well under SQLite's parameter limit


async def iter_trades(conn: aiosqlite.Connection, *, symbol: str | None = None,
                      since_ns: int | None = None, until_ns: int | None = None,
                      chunk: int = 5_000) -> AsyncIterator[TradeRecord]:
    """Trades opened in [since, until), oldest first, paged."""
    async for row in iter_by_time(conn, "trades", TradeRecord, "ts_open_ns", symbol=symbol,
                                  since_ns=since_ns, until_ns=until_ns, chunk=chunk):
        yield row


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
                       ) -> dict[str, list[OrderRecord]]:
    """Every order of the given trades, in the order they were recorded."""
    found: dict[str, list[OrderRecord]] = {}
    names = ", ".join(columns(OrderRecord))
    for start in range(0, len(trade_ids), _CHUNK):
        chunk = trade_ids[start:start + _CHUNK]
        sql = (f"SELECT id, {names} FROM orders"
               f" WHERE trade_id IN ({', '.join('?' * len(chunk))}) ORDER BY id")
        try:
            rows = await conn.execute_fetchall(sql, chunk)
        except sqlite3.Error as exc:
            raise database_error(exc) from exc
        for row in rows:
            order = decode(OrderRecord, "orders", row[0], row[1:])
            found.setdefault(order.trade_id, []).append(order)
    return found
