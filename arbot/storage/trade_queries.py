"""Read side of the trade journal: trades by time for export, the UI and the API."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from typing import Final

import aiosqlite

from arbot.storage.db import database_error

TRADE_COLUMNS: Final = (
    "trade_id", "ts_open_ns", "ts_close_ns", "mode", "symbol", "buy_venue", "sell_venue",
    "qty", "buy_qty", "sell_qty", "buy_avg", "sell_avg", "buy_price", "sell_price", "fees",
    "expected_profit", "realized_profit", "status", "leg_outcome", "detail",
)


async def iter_trades(conn: aiosqlite.Connection, *, symbol: str | None = None,
                      since_ns: int | None = None, until_ns: int | None = None,
                      chunk: int = 5_000) -> AsyncIterator[tuple[object, ...]]:
    """Trade rows (TRADE_COLUMNS order) opened in [since, until), oldest first, paged."""
    after: tuple[object, object] | None = None
    while True:
        clauses: list[str] = []
        params: list[object] = []
        since = since_ns if after is None else None  # the keyset bounds the start once paging
        for clause, value in (("symbol = ?", symbol), ("ts_open_ns >= ?", since),
                              ("ts_open_ns < ?", until_ns)):
            if value is not None:
                clauses.append(clause)
                params.append(value)
        page = clauses if after is None else [*clauses, "(ts_open_ns, id) > (?, ?)"]
        args = params if after is None else [*params, *after]
        where = f" WHERE {' AND '.join(page)}" if page else ""
        sql = (f"SELECT id, {', '.join(TRADE_COLUMNS)} FROM trades{where}"
               " ORDER BY ts_open_ns, id LIMIT ?")
        try:
            rows = list(await conn.execute_fetchall(sql, (*args, chunk)))
        except sqlite3.Error as exc:
            raise database_error(exc) from exc
        for row in rows:
            yield tuple(row[1:])
        if len(rows) < chunk:
            return
        after = (rows[-1][2], rows[-1][0])
