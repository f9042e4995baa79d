"""The backfill: the latest recorded episodes, and trades with their orders, read once at
start on read-only connections (live ones then arrive as messages, never by polling).
"""

from __future__ import annotations

from collections import deque

from arbot.storage.db import DatabaseError, open_db
from arbot.storage.models import TradeRecord
from arbot.storage.queries import iter_episodes
from arbot.storage.trade_queries import iter_trades, trade_orders
from arbot.tui.state import EpisodeRow
from arbot.tui.tradedata import TradeRow


async def recent_episodes(path: str, since_ns: int, limit: int = 200) -> list[EpisodeRow]:
    """The newest `limit` episodes opened since `since_ns`, oldest first."""
    conn = await open_db(path, readonly=True)
    try:
        rows: deque[EpisodeRow] = deque(maxlen=limit)
        async for row in iter_episodes(conn, since_ns=since_ns):
            rows.append(EpisodeRow.from_record(row))
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
        rows: deque[TradeRecord] = deque(maxlen=limit)
        async for row in iter_trades(conn, since_ns=since_ns):
            rows.append(row)
        orders = await trade_orders(conn, [r.trade_id for r in rows])
    finally:
        await conn.close()
    return [TradeRow.from_record(r, orders.get(r.trade_id, [])) for r in rows]
