"""Retention: quotes and book snapshots older than the configured number of days are
deleted, hourly.

Recorded quotes and books are by far the largest tables; an unattended run that never prunes them
fills the disk, and a full disk stops the writer (and with it trading). Trades, episodes
and runs are never pruned. The pass runs on a connection of its own so the writer's
batches interleave with its small deletes.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Protocol

from arbot.storage.db import open_db
from arbot.storage.queries import delete_quotes_older_than

log = logging.getLogger("arbot")

RETENTION_EVERY_S = 3600.0
_NS_PER_DAY = 86_400 * 1_000_000_000


class RetentionSettings(Protocol):
    """What retention reads of the storage settings: `retention_days` again before every
    pass (a saved change applies), `path` once (the database in use stays in use until
    the next start, whatever path is saved meanwhile)."""

    @property
    def path(self) -> str: ...

    @property
    def retention_days(self) -> int: ...


async def keep_pruning(settings: Callable[[], RetentionSettings]) -> None:
    """`retention_pass` once an hour; a failed pass is logged, never fatal."""
    path = settings().path
    while True:
        try:
            await retention_pass(path, settings().retention_days)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a failed cleanup must not stop the feeds
            log.warning("retention cleanup failed: %s", exc)
        await asyncio.sleep(RETENTION_EVERY_S)


async def retention_pass(path: str, days: int, now_ns: int | None = None) -> int:
    """Delete quotes and book snapshots older than `days` in small batches, on a
    connection of its own so the writer's batches interleave with it; returns how many
    rows were deleted. `days` of 0 (or less) keeps everything: nothing is deleted."""
    if days <= 0:
        return 0
    cutoff = (now_ns if now_ns is not None else time.time_ns()) - days * _NS_PER_DAY
    conn = await open_db(path)
    try:
        quotes = await delete_quotes_older_than(conn, cutoff)
        books = await delete_quotes_older_than(conn, cutoff, table="book_snapshots")
    finally:
        await conn.close()
    if quotes or books:
        log.info("retention: deleted %d quotes and %d book snapshots older than %d days",
                 quotes, books, days)
    return quotes + books
