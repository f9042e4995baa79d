"""Read side of the trade journal: trades by time for export, the UI and the API."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Final

import aiosqlite

from arbot.storage.queries import iter_by_time

TRADE_COLUMNS: Final = (
    "trade_id", "ts_open_ns", "ts_close_ns", "mode", "symbol", "buy_venue", "sell_venue",
    "qty", "buy_qty", "sell_qty", "buy_avg", "sell_avg", "buy_price", "sell_price", "fees",
    "expected_profit", "realized_profit", "status", "leg_outcome", "detail",
)


async def iter_trades(conn: aiosqlite.Connection, *, symbol: str | None = None,
                      since_ns: int | None = None, until_ns: int | None = None,
                      chunk: int = 5_000) -> AsyncIterator[tuple[object, ...]]:
    """Trade rows (TRADE_COLUMNS order) opened in [since, until), oldest first, paged."""
    async for row in iter_by_time(conn, "trades", TRADE_COLUMNS, "ts_open_ns", symbol=symbol,
                                  since_ns=since_ns, until_ns=until_ns, chunk=chunk):
        yield row
