"""The periodic REST check of live balances: every `[trading] balance_check_s`, each venue
with keys is asked for its balances and the answer goes to the drift guard.

A read is thrown away when a trade was in flight on the venue or the ledger moved while it
was on its way: the venue's number and the ledger's would then describe different
moments. A venue paused by a rate-limit answer is not asked (that would only add to it).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from arbot.trading.drift import BalanceSource, DriftGuard
from arbot.trading.live import LiveExecutor

log = logging.getLogger("arbot.trading")


async def check_once(guard: DriftGuard, executor: LiveExecutor) -> None:
    """Read every venue's balances once and hand each usable answer to `guard`."""
    for venue in list(executor.clients):
        if executor.blocked(venue) or guard.busy(venue):
            continue
        before = guard.ledger.version(venue)
        try:
            balances = await executor.balances(venue)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # one venue failing must not stop the others
            log.warning("balance check: %s balances could not be read: %s", venue, exc)
            continue
        if guard.busy(venue) or guard.ledger.version(venue) != before:
            continue
        guard.observe(venue, balances, BalanceSource.REST)


async def check_balances(guard: DriftGuard, executor: LiveExecutor, interval_s: float,
                         sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
    """Check every `interval_s` until cancelled."""
    while True:
        await sleep(interval_s)
        await check_once(guard, executor)
