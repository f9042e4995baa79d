"""The trader: turns passed opportunity episodes into trades, safely.

The engine hands each passed episode over on the tick path; the trader only queues it
there (`arbot.trading.inbox`) and acts on it on its own loop turn. For each one taken: the
risk book (paused, halted,
held symbol, cool-down, trades per minute, open exposure, daily loss) and the pre-flight
on both legs decide; a refusal is counted by step with its reason. An accepted plan is
journaled (committed) before both orders go out together; the leg-risk policy runs; the
outcome is journaled, booked in the ledger and the risk book, and announced to sinks
(`on_trade`). A daily loss or repeated leg failures halt trading (the kill switch), which
also cancels anything still open.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping

from arbot.config.trading import TradingSettings
from arbot.domain import (
    EpisodeEvent,
    EpisodeKind,
    Instrument,
    Quote,
    TradeOutcome,
    Venue,
)
from arbot.events import Sink
from arbot.privateevents import StreamStatus
from arbot.storage.db import DatabaseError
from arbot.storage.journal import TradeIntent, TradeJournal
from arbot.tradekinds import TradeStatus
from arbot.trading.drift import DriftGuard
from arbot.trading.evenout import LegRisk, execute
from arbot.trading.execution import Legs, send_legs
from arbot.trading.executor import Executor, SendCheck
from arbot.trading.inbox import Inbox
from arbot.trading.latelegs import LateLegs
from arbot.trading.ledger import Ledger
from arbot.trading.paper import PaperExecutor
from arbot.trading.papertape import Tape, TradeTime
from arbot.trading.preflight import Instruments, Rejection, TradePlan, preflight
from arbot.trading.risk import RiskBook
from arbot.trading.tradercontrol import TraderControls
from arbot.trading.traderecords import TradeListener
from arbot.trading.tradergate import SendGate

log = logging.getLogger("arbot.trading")

__all__ = ["TradeListener", "Trader"]


class Trader(TraderControls, LateLegs, SendGate, Sink):
    """Episodes in, trades out. Its controls (`TraderControls`), its records
    (`TradeRecords`), its send checks (`SendGate`) and its trades waiting for a venue's
    answer (`LateLegs`) live in their own modules."""

    def __init__(self, settings: TradingSettings, executor: Executor, journal: TradeJournal,
                 ledger: Ledger, instruments: Instruments,
                 book: Callable[[Venue, str], Quote | None], *,
                 run_id: int = 0, armed: bool = True,
                 on_trade: TradeListener | None = None,
                 mono_ns: Callable[[], int] = time.monotonic_ns,
                 wall_ns: Callable[[], int] = time.time_ns,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
                 drains_itself: bool = True, tape: Tape | None = None) -> None:
        """`drains_itself=False`: the owner calls `drain()` (a backtest, after each quote).
        `tape` (live paper): each trade runs on its own modelled clock over the books it
        keeps (`arbot.trading.papertape`), as its backtest does."""
        self.settings = settings
        self.executor = executor
        self.journal = journal
        self.ledger = ledger
        self.instruments = instruments
        self.book = book
        self.run_id = run_id
        self.armed = armed
        self.risk = RiskBook(settings)
        self.rejections: Counter[str] = Counter()
        self.last_rejection = ""
        self.last_rejection_ns: int | None = None  # wall clock: when, for the screens
        self.trades = 0
        self.realized = 0.0
        self.recent: list[TradeOutcome] = []
        self.latencies_ns: list[int] = []  # episode handed over -> both orders to the executor
        self._on_trade = on_trade
        self._mono = mono_ns
        self._wall = wall_ns
        self._sleep = sleep  # the leg-risk policy waits on the same clock as `mono_ns`
        self._drains_itself = drains_itself
        self.tape = tape
        self._tasks: set[asyncio.Task[None]] = set()
        self.awaiting_venue: set[asyncio.Task[None]] = set()
        self._seq = 0
        self._acted: set[str] = set()
        self.inbox = Inbox(self._act, self._reject, mono_ns, drains_itself=drains_itself,
                           at_hand_over=tape is not None)
        self._in_flight: Counter[Venue] = Counter()  # trades whose legs left, by venue
        self.drift = DriftGuard(ledger, settings.max_balance_drift, self._traded_assets,
                                lambda venue: self._in_flight[venue] > 0, wall_ns=wall_ns)
        self.ready = asyncio.Event()  # set once restart reconciliation is done
        self.ready.set()

    # -- waiting ----------------------------------------------------------------------

    async def wait_idle(self) -> None:
        """Until every episode waiting has been taken and every trade in flight has
        settled (shutdown, tests)."""
        while self._tasks or self.inbox.waiting:
            await self.wait_taken()
            if self._tasks:
                await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def wait_taken(self) -> None:
        """Until every episode waiting has been taken: acted on or refused."""
        while self.inbox.waiting:
            if self._drains_itself:  # its own loop turn takes them
                await asyncio.sleep(0)
            else:
                self.drain()

    def drain(self) -> None:
        """Act on every episode waiting, now (a backtest calls this after each quote)."""
        self.inbox.drain()

    def stop(self) -> None:
        """No new trades: what waits and what arrives from now on is refused. A trade
        waiting for a venue's answer stops waiting (it stays open for the next start)."""
        self.inbox.stop()
        for task in self.awaiting_venue:
            task.cancel()
        self._tasks.update(self.awaiting_venue)  # `wait_idle` waits for them to end
        self.awaiting_venue.clear()

    # -- the sink -----------------------------------------------------------------------

    def on_episode(self, event: EpisodeEvent) -> None:
        """Act once per episode, on the first event whose current verdict passes (the
        open, or the update where the last filter let it through), at that event's prices.
        A paper fill does not move the books, so trading the same gap twice would count
        profit twice. On the tick path: the event is only queued (or refused)."""
        e = event.episode
        if event.kind is EpisodeKind.CLOSE:
            self._acted.discard(e.id)
            self.inbox.episode_closed(e.id)
            return
        if not e.verdict.passed or e.id in self._acted:
            return
        self._acted.add(e.id)
        if self.tape is not None:
            self.tape.watch(e.id, e.symbol)
        self.inbox.put(event)

    def _act(self, event: EpisodeEvent, handed_ns: int) -> None:
        """Off the tick path: risk, pre-flight, the intent committed, both legs sent (each
        asks `may_open` right before it leaves)."""
        e = event.episode
        start = self._mono()
        refusal = self._refusal(e.symbol, e.last.size * e.last.buy.ask, start) or \
            self._venue_refusal(e.buy_venue) or self._venue_refusal(e.sell_venue) or \
            self._drift_refusal(e.buy_venue, e.sell_venue)
        if refusal is not None:
            self._reject(*refusal)
            return
        self._seq += 1
        # A paper trade with a tape is journaled on its modelled clock, from the hand-over
        # (the receive time of the quote that passed the episode), as its replay is.
        at = self.tape.handed(e.id) if self.tape is not None else handed_ns
        decided = at if self.tape is not None else self._wall()
        trade_id = f"ab{decided // 1_000_000:x}{self._seq % 65536:04x}"
        plan = preflight(e.last, e.id, trade_id, self.instruments, self.ledger,
                         self.settings.slippage_bps, self.executor.band_price)
        if isinstance(plan, Rejection):
            self._reject(plan.step, plan.reason)
            return
        # Cool-down and trade rate are measured at the hand-over (the tick of the quote that
        # passed the episode), not at this loop turn: how late the loop got here is not the
        # market's, and a replay, acting at each quote's receive time, could not repeat it.
        risk_refusal = self.risk.refusal(e.symbol, plan.notional, at, self._wall())
        if risk_refusal is not None:
            self._reject(*risk_refusal)
            return
        self.risk.started(e.symbol, plan.notional, at)
        sending: set[Venue] = set()
        check = self._opening_check(plan, sending)
        sent: Legs | None = None
        clock = self.tape.trade(e.symbol, at) if self.tape is not None else None
        executor = self._executor_at(clock)
        try:  # intent committed here when the lock is free: the legs leave at once
            if self.journal.try_now(self.journal.intent, self._intent(plan, decided)):
                sent = send_legs(plan, executor, check)
        except DatabaseError as exc:
            self._reject("journal", f"not recorded, not sent: {exc}")
            self.risk.release(plan.symbol, plan.notional)
            if clock is not None:
                clock.release()
            return
        task = asyncio.create_task(self._trade(plan, sent, check, sending, executor, clock,
                                               decided), name=f"trade-{trade_id}")
        self.latencies_ns.append(self._mono() - handed_ns)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _intent(self, plan: TradePlan, ts_ns: int) -> TradeIntent:
        return TradeIntent(trade_id=plan.trade_id, episode_id=plan.episode_id,
                           mode=self.executor.mode, run_id=self.run_id, symbol=plan.symbol,
                           buy=plan.buy, sell=plan.sell, buy_price=plan.buy_price,
                           sell_price=plan.sell_price, expected_profit=plan.expected_profit,
                           ts_ns=ts_ns)

    def _executor_at(self, clock: TradeTime | None) -> Executor:
        """The executor a trade's orders go to: on its own clock when it keeps one."""
        if clock is not None and isinstance(self.executor, PaperExecutor):
            return self.executor.at(clock)
        return self.executor

    async def _trade(self, plan: TradePlan, sent: Legs | None, check: SendCheck,
                     sending: set[Venue], executor: Executor, clock: TradeTime | None,
                     decided: int) -> None:
        """Journal the intent (unless done), send both legs, even them out, book it."""
        try:
            await self._trade_and_book(plan, sent, check, executor, clock, decided)
        finally:
            self._in_flight.subtract(sending)
            if clock is not None:
                clock.release()

    async def _trade_and_book(self, plan: TradePlan, sent: Legs | None, check: SendCheck,
                              executor: Executor, clock: TradeTime | None, decided: int
                              ) -> None:
        j = self.journal
        outcome: TradeOutcome | None = None
        try:
            if sent is None:
                try:
                    await j.run(j.intent, self._intent(plan, decided))
                except DatabaseError as exc:
                    self._reject("journal", f"not recorded, not sent: {exc}")
                    self.risk.release(plan.symbol, plan.notional)
                    return
            stamp = clock.stamp if clock is not None else self._wall
            legs = LegRisk(self.settings.leg_policy, self.settings.leg_ttl_ms / 1000,
                           self.settings.chase_max_slippage_bps,
                           clock.book if clock is not None else self.book, self._instrument,
                           functools.partial(self._record_order, plan.trade_id, stamp=stamp),
                           functools.partial(self._record_report, plan.trade_id, stamp=stamp),
                           clock=clock.clock_s if clock is not None else self._mono_s,
                           check=self.may_follow_up,
                           sleep=clock.sleep if clock is not None else self._sleep)
            signed = time.monotonic()  # the legs are signed now (or were, in `_act`)
            outcome = await execute(plan, executor, legs, sent, check)
            if outcome.status is TradeStatus.OPEN:
                outcome = await self._await_venue(plan, executor, legs, outcome, signed)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # an executor bug must not kill the trader
            log.exception("trade in %s failed: %s", plan.symbol, exc)
        halted = await self._close(plan.symbol, plan.notional, outcome)
        if halted:
            self.halt(halted)

    def _mono_s(self) -> float:
        return self._mono() / 1e9

    def _traded_assets(self, venue: Venue) -> set[str]:
        """The assets of the venue's instruments: those a drift check compares."""
        return {a for (v, _), i in list(self.instruments.items()) if v is venue
                for a in (i.base, i.quote)}

    def _reject(self, step: str, reason: str) -> None:
        self.rejections[step] += 1
        self.last_rejection = reason
        self.last_rejection_ns = self._wall()

    def _instrument(self, venue: Venue, symbol: str) -> Instrument | None:
        return self.instruments.get((venue, symbol))

    def private_streams(self) -> Mapping[Venue, StreamStatus]:
        """Each venue's private stream (live trading; empty on paper)."""
        return self.executor.streams()

    def funnel(self) -> Mapping[str, object]:
        return {"trades": self.trades, "realized": self.realized,
                "state": self.state.value, "rejections": dict(self.rejections),
                "unsettled": dict(self.risk.unsettled)}

