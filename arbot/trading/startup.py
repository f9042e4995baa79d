"""The trader at start-up: built over the journal, and held back until what earlier runs
left open is settled.

Trading must not begin while a previous run's orders are unknown: the reconciler's first
pass (once the venues' instruments are known) decides which symbols stay held, and only
then is the trader ready. Kept apart from the runtime so the order of these steps reads in
one place; the caller hands in the keys (the environment's, or the simulator's in
`--demo`), so trading never imports the simulator.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable, Coroutine
from contextlib import AsyncExitStack
from typing import Any

import aiohttp

from arbot.config import ArbotSettings, VenueCredentials
from arbot.depth.board import DepthBoard
from arbot.domain import Venue
from arbot.storage.journal import TradeJournal
from arbot.tradekinds import TradingMode
from arbot.trading.balancecheck import check_balances
from arbot.trading.drift import BalanceSource
from arbot.trading.driftlog import RESTART, JournalDrifts
from arbot.trading.live import LiveExecutor
from arbot.trading.preflight import Instruments
from arbot.trading.reconcile import Reconciler
from arbot.trading.setup import Book, build_trader, open_live
from arbot.trading.trader import TradeListener, Trader

log = logging.getLogger("arbot")


async def start_trader(settings: ArbotSettings, stack: AsyncExitStack,
                       keys: Callable[[], dict[Venue, VenueCredentials]],
                       instruments: Instruments, book: Book, *, run_id: int, armed: bool,
                       on_trade: TradeListener, warnings: list[str],
                       depth: DepthBoard | None = None) -> tuple[Trader, Reconciler, str]:
    """The trader, after settling what the last run left open; trading waits for it.
    Live mode signs with `keys()` (read only then). Returns the trader, its reconciler
    and why live trading cannot run ("" if it can); closes both on `stack`. `depth`, the
    feed's L2 books, is what paper orders walk."""
    journal = TradeJournal(settings.storage.path)
    stack.callback(journal.close)
    executor: LiveExecutor | None = None
    live_problem = ""
    if settings.trading.mode == TradingMode.LIVE:
        session = await stack.enter_async_context(aiohttp.ClientSession())
        executor, live_problem, problems = await open_live(
            settings, keys(), instruments, session, armed=armed)
        for problem in problems:
            warnings.append(f"live: {problem}")
            log.warning("live: %s", problem)
    trader = build_trader(settings, journal, book, instruments,
                          run_id=run_id, armed=armed,
                          on_trade=on_trade, executor=executor,
                          ledger=executor.ledger if executor is not None else None,
                          depth=depth)
    if executor is None:  # paper: its account is made afresh from the settings each start
        log.info("paper account: balances start from [trading.paper] balances at every "
                 "start (this run's trades move them; earlier runs' do not carry over)")
    await watch_drift(trader, journal, stack, run_id)
    stack.push_async_callback(trader.wait_idle)  # settle trades before closing
    stack.callback(trader.stop)  # first: no new trades once shutting down
    trader.ready.clear()  # until the first reconciliation pass (after instruments)
    reconciler = Reconciler(journal, trader.executor, run_id=run_id)
    if armed:
        log.warning("LIVE trading ARMED: real orders will be sent")
    return trader, reconciler, live_problem


async def reconcile_first(trader: Trader, reconciler: Reconciler, warnings: list[str]
                          ) -> None:
    """Settle what earlier runs left open, once the venues' instruments are known;
    trading waits for this pass, and symbols with orders still open stay held."""
    for line in await reconciler.settle():
        warnings.append(f"restart: {line}")
    for symbol, why in {**reconciler.uneven, **reconciler.held}.items():
        warnings.append(f"restart: {symbol} is not traded: {why}")
    hold_unsettled(trader, reconciler)
    trader.ready.set()


def hold_unsettled(trader: Trader, reconciler: Reconciler) -> None:
    """The risk checks refuse the symbols the reconciler still holds (after every pass),
    and those of live trades it closed with uneven legs (held, as the hold policy does);
    a venue it settled live orders on takes its next balance read as the truth."""
    trader.risk.unsettled = dict(reconciler.held)
    trader.risk.held_symbols.update(reconciler.uneven)
    for venue in reconciler.settled:
        trader.drift.rebase(venue)


async def watch_drift(trader: Trader, journal: TradeJournal, stack: AsyncExitStack,
                      run_id: int) -> None:
    """Drifts recorded in the database from now on. What earlier runs left open is
    closed: this run's ledger starts from the balances the venues report now. In live
    mode, the orders earlier runs left open are already in those balances: settling them
    must not book their fills again. The private streams' balance pushes are compared
    as they come."""
    record = JournalDrifts(journal, run_id)
    trader.drift.record = record
    stack.push_async_callback(record.wait)
    await journal.run(journal.drift_cleared, None, None, RESTART, time.time_ns())
    if isinstance(trader.executor, LiveExecutor):
        earlier = await journal.run(journal.unsettled)
        trader.executor.counted(o.request.client_id for o in earlier
                                if o.mode == TradingMode.LIVE)
        trader.executor.inbox.on_balances = functools.partial(
            trader.drift.observe, source=BalanceSource.STREAM)


def balance_checks(trader: Trader, settings: ArbotSettings
                   ) -> Coroutine[Any, Any, None] | None:
    """Live: the periodic REST balance check (None when nothing can be read)."""
    if not isinstance(trader.executor, LiveExecutor) or not trader.executor.clients:
        return None
    return check_balances(trader.drift, trader.executor, settings.trading.balance_check_s)


async def account_fees(trader: Trader, set_taker_fee: Callable[[Venue, float], None]
                       ) -> None:
    """Live: each venue's account taker fee replaces the configured one in the engine,
    so every opportunity is net of what is really paid."""
    if not isinstance(trader.executor, LiveExecutor):
        return
    for venue, bps in (await trader.executor.account_taker_bps()).items():
        set_taker_fee(venue, bps)
        log.info("live: %s account taker fee %.2f bps replaces the configured one",
                 venue, bps)
