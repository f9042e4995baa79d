"""Balance drifts kept in the database (`balance_drift`), through the trade journal's
thread so they are written in the order they happen and never on the event loop."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Collection
from typing import Any

from arbot.domain import Venue
from arbot.storage.db import DatabaseError
from arbot.storage.journal import TradeJournal
from arbot.trading.drift import ClearedBy, Drift

log = logging.getLogger("arbot.trading")

RESTART = "restart"  # how drifts left open by an earlier run are closed


class JournalDrifts:
    """The drift guard's `DriftRecord` over the journal; `wait()` before it closes."""

    def __init__(self, journal: TradeJournal, run_id: int) -> None:
        self.journal = journal
        self.run_id = run_id
        self._tasks: set[asyncio.Task[None]] = set()

    def detected(self, drift: Drift) -> None:
        self._spawn(self.journal.drift_detected, self.run_id, drift.venue, drift.asset,
                    drift.expected, drift.actual, drift.source.value, drift.ts_ns)

    def cleared(self, venue: Venue, assets: Collection[str], how: ClearedBy, ts_ns: int
                ) -> None:
        self._spawn(self.journal.drift_cleared, venue, list(assets), how.value, ts_ns)

    async def wait(self) -> None:
        """Until every write asked for so far is done."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks))

    def _spawn(self, fn: Callable[..., None], *args: Any) -> None:
        task = asyncio.get_running_loop().create_task(self._write(fn, *args),
                                                      name="drift-record")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _write(self, fn: Callable[..., None], *args: Any) -> None:
        try:
            await self.journal.run(fn, *args)
        except DatabaseError as exc:  # the drift still pauses the venue; say so loudly
            log.error("could not record a balance drift: %s", exc)
