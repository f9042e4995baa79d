"""Synthetic recordings for `bench/backtest.py`: quotes written straight into an ArBot
SQLite file (the real schema, via `open_db`), in receive-time order, in big batches.

The market is the one `bench/engine.py` uses, vectorised with numpy so 10M rows take
seconds to draw: a hidden fair price per symbol random-walks, every venue quotes around it
with its own spread and jitter, each (venue, symbol) book updates `BOOK_HZ` times a second
of stream time, and now and then (`DISLOCATE_HZ` per symbol) one venue is dislocated by
`DISLOCATE_BPS` for `DISLOCATE_S`: a real, net-profitable cross, so the slow path
(detector, fees, filters, episodes) and the paper trader run at a realistic rate.
"""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import numpy as np

from arbot.domain import Venue
from arbot.storage.db import open_db

VENUES = [v.value for v in Venue]
SPREAD_BPS = np.array([1.0, 1.6, 1.2, 2.0])  # binance, bybit, okx, bitget
JITTER_BPS = 0.25
WALK_BPS_PER_S = 0.9  # the fair price's random walk (bench/engine.py: 0.1 bps per quote)
BOOK_HZ = 20.0  # per (venue, symbol), of stream time
DISLOCATE_HZ = 0.02  # per symbol
DISLOCATE_BPS = 30.0  # beyond both 10 bps taker fees and the 5 bps minimum
DISLOCATE_S = 0.5
T0_NS = 1_750_000_000_000_000_000
BATCH = 200_000
_INSERT = ("INSERT INTO quotes (ts_recv_ns, ts_exchange_ms, venue, symbol, bid, bid_size, ask,"
           " ask_size) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")


def generate(path: Path, n_quotes: int, n_symbols: int = 100, seed: int = 0) -> int:
    """Write `n_quotes` quotes for 4 venues x `n_symbols` symbols to `path` (a new file);
    returns how many dislocations were drawn."""
    asyncio.run(_create(path))
    rng = np.random.default_rng(seed)
    symbols = np.array([f"C{i:04d}-USDT" for i in range(n_symbols)], dtype=object)
    venues = np.array(VENUES, dtype=object)
    fair = 10.0 ** rng.uniform(-1.0, 4.5, n_symbols)
    dt_ns = round(1e9 / (BOOK_HZ * len(VENUES) * n_symbols))
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA synchronous = OFF")
    dislocations = 0
    try:
        for start in range(0, n_quotes, BATCH):
            n = min(BATCH, n_quotes - start)
            t = T0_NS + (start + np.arange(n, dtype=np.int64)) * dt_ns
            s = rng.integers(0, n_symbols, n)
            v = rng.integers(0, len(VENUES), n)
            span_s = n * dt_ns / 1e9
            # the fair price moves once per batch step; per quote it is the symbol's level
            # plus a walk within the batch, drawn per symbol on a 100 ms grid
            steps = max(2, int(span_s * 10) + 2)
            walk = np.cumsum(rng.normal(0.0, WALK_BPS_PER_S / np.sqrt(10) / 1e4,
                                        (n_symbols, steps)), axis=1)
            grid = ((t - t[0]) // 100_000_000).astype(np.int64)
            level = fair[s] * (1.0 + walk[s, grid])
            fair *= 1.0 + walk[:, -1]
            offset = rng.normal(0.0, JITTER_BPS, n)
            events = rng.poisson(DISLOCATE_HZ * n_symbols * span_s)
            dislocations += int(events)
            for _ in range(int(events)):
                t0 = t[0] + int(rng.uniform(0.0, span_s) * 1e9)
                hit = (s == rng.integers(n_symbols)) & (v == rng.integers(len(VENUES))) & (
                    t >= t0) & (t < t0 + int(DISLOCATE_S * 1e9))
                offset[hit] += DISLOCATE_BPS * rng.choice((-1.0, 1.0))
            mid = level * (1.0 + offset / 1e4)
            half = SPREAD_BPS[v] / 2e4
            bid, ask = mid * (1.0 - half), mid * (1.0 + half)
            size = 20_000.0 / mid
            bid_size = size * rng.lognormal(0.0, 0.5, n)
            ask_size = size * rng.lognormal(0.0, 0.5, n)
            rows = zip(t.tolist(), ((t - 3_000_000) // 1_000_000).tolist(), venues[v].tolist(),
                       symbols[s].tolist(), bid.tolist(), bid_size.tolist(), ask.tolist(),
                       ask_size.tolist(), strict=True)
            conn.execute("BEGIN")
            conn.executemany(_INSERT, rows)
            conn.execute("COMMIT")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()
    return dislocations


async def _create(path: Path) -> None:
    for p in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        p.unlink(missing_ok=True)
    conn = await open_db(path)
    await conn.close()
