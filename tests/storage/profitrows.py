"""A database of recorded runs and trades for the profit report's tests: two runs on two
UTC days, three pairs, a loss between wins (a drawdown), a live trade and one still open."""

from __future__ import annotations

from pathlib import Path

from arbot.storage.db import open_db
from arbot.timefmt import parse_time_ns

RUN_1 = parse_time_ns("2026-12-04T22:00:00Z")
RUN_2 = parse_time_ns("2026-12-05T09:00:00Z")
S = 1_000_000_000

# (trade id, run, closed at (None: open), mode, symbol, buy, sell, status, pnl, fees)
TRADES = [
    ("t1", RUN_1, RUN_1 + 60 * S, "paper", "BTC-USDT", "binance", "okx", "filled", 1.0, 0.2),
    ("t2", RUN_1, RUN_1 + 120 * S, "paper", "BTC-USDT", "binance", "okx", "filled", -0.5, 0.2),
    ("t3", RUN_1, RUN_1 + 180 * S, "paper", "ETH-USDT", "bybit", "okx", "filled", 0.25, 0.1),
    # settled after midnight UTC: the next day, the same run
    ("t4", RUN_1, RUN_1 + 3 * 3600 * S, "paper", "BTC-USDT", "binance", "okx", "missed",
     0.0, 0.0),
    ("t5", RUN_2, RUN_2 + 60 * S, "live", "BTC-USDT", "okx", "binance", "filled", 2.0, 0.4),
    ("t6", RUN_2, None, "live", "BTC-USDT", "okx", "binance", "open", None, None),
]


async def seed(path: Path) -> None:
    """The runs and trades above, through the real schema (every migration applied)."""
    conn = await open_db(path)
    try:
        await conn.execute("BEGIN")
        await conn.executemany("INSERT INTO runs (id, started_ns, demo) VALUES (?, ?, ?)",
                               [(RUN_1, RUN_1, 1), (RUN_2, RUN_2, 0)])
        await conn.executemany(
            "INSERT INTO trades (trade_id, run_id, ts_open_ns, ts_close_ns, mode, symbol,"
            " buy_venue, sell_venue, qty, status, realized_profit, fees)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1.0, ?, ?, ?)",
            [(t, run, (closed or run + 200 * S) - S, closed, mode, sym, buy, sell, status,
              pnl, fees) for t, run, closed, mode, sym, buy, sell, status, pnl, fees in TRADES])
        await conn.execute("COMMIT")
    finally:
        await conn.close()
