"""A trade left open by an order whose outcome is unknown, settled once its venue answers.

The order request and every lookup timed out (`execute` returns the trade OPEN): the
order may yet fill, so nothing is evened out against it. The trade stays open in the
journal with the reason, its symbol stays held (in flight) and its venues' balances are
not compared for drift, until the venue itself says how each such order ended: a push
on its private stream, or a REST lookup every `RECHECK_S`. Then its fill is booked (the
live executor books each order once, whichever message told first) and the trade is
settled as any other, once, from its real fills: missed, filled, or evened out by the
leg-risk policy, each follow-up asking right before it leaves whether trading is halted
or disarmed (with the hold policy the symbol stays held and the outcome is announced).

Stopping ArBot stops the wait, not the trade: it stays open in the journal, and the next
start settles it from the venue's answer (`arbot.trading.reconcile`).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

import msgspec

from arbot.domain import LegOrder, OrderReport, OrderRequest, OrderStatus, TradeOutcome
from arbot.exchanges.restspec import RestError, RestErrorKind
from arbot.storage.db import DatabaseError
from arbot.trading.answers import Answers
from arbot.trading.evenout import LegRisk, conclude
from arbot.trading.executor import Executor
from arbot.trading.preflight import TradePlan
from arbot.trading.traderecords import TradeRecords

log = logging.getLogger("arbot.trading")

RECHECK_S = 5.0  # between REST lookups of an order whose outcome is unknown


async def venue_final(ex: Executor, req: OrderRequest, known: OrderReport, sent: float,
                      recheck_s: float, mono: Callable[[], float] = time.monotonic) -> OrderReport:
    """The order's final report, from the venue only: its stream's push, or a lookup.

    "No such order" settles it as never placed only when the venue never acknowledged it
    (`known` has no venue order id) and its request window has passed since `sent` (the
    monotonic time before it was signed): no request of it can be accepted after that."""
    while True:
        epoch = ex.stream_epoch(req.venue)
        report = await _lookup(ex, req, known, sent, mono)
        if report is not None and report.status.final:
            return report
        if epoch is None:
            await asyncio.sleep(recheck_s)
            continue
        pushed = await ex.pushed(req, epoch, recheck_s)
        if pushed is not None:
            return pushed


async def _lookup(ex: Executor, req: OrderRequest, known: OrderReport, sent: float,
                  mono: Callable[[], float]) -> OrderReport | None:
    try:
        return await ex.status(req)
    except asyncio.CancelledError:
        raise
    except RestError as exc:
        window = ex.order_window_s(req.venue)
        if (exc.kind is RestErrorKind.NO_SUCH_ORDER and not known.venue_order_id
                and mono() - sent >= window):
            return OrderReport(client_id=req.client_id, venue_order_id="",
                               status=OrderStatus.REJECTED,
                               error=(f"not found on {req.venue} after its {window:g} s "
                                      f"request window: {exc}"))
        log.info("%s on %s: still unknown: %s", req.client_id, req.venue, exc)
    except Exception as exc:  # a client bug must not settle anything; ask again
        log.error("%s on %s: lookup failed: %s", req.client_id, req.venue, exc)
    return None


class LateLegs(TradeRecords):
    """Trades waiting for a venue's answer, as a part of `Trader`."""

    _tasks: set[asyncio.Task[None]]
    awaiting_venue: set[asyncio.Task[None]]  # their trades' tasks (shutdown stops them)

    async def _await_venue(self, plan: TradePlan, ex: Executor, risk: LegRisk,
                           outcome: TradeOutcome, sent: float) -> TradeOutcome:
        """`outcome` (OPEN) held until every order is final, then settled from the
        fills. Cancelled (shutdown) while waiting: the trade stays open in the journal."""
        await self._held_open(outcome)
        task = asyncio.current_task()
        if task is not None:  # waits apart from the trades `wait_idle` waits for
            self._tasks.discard(task)
            self.awaiting_venue.add(task)
        try:
            orders = await asyncio.gather(*(self._venue_leg(ex, risk, leg, sent)
                                            for leg in outcome.orders))
        finally:
            if task is not None:
                self.awaiting_venue.discard(task)
                self._tasks.add(task)
        answers = Answers()  # of follow-up orders the stream answered first
        try:
            settled = await conclude(plan, ex, risk, list(orders), answers)
        finally:
            await answers.wait()
        late = "; ".join(f"{leg.request.client_id} answered late by {leg.request.venue}: "
                         f"{leg.report.status.value} {leg.report.filled_qty:g}"
                         for old, leg in zip(outcome.orders, orders, strict=True)
                         if not old.report.status.final)
        detail = f"{late}; {settled.detail}" if settled.detail else late
        return msgspec.structs.replace(settled, detail=detail)

    async def _venue_leg(self, ex: Executor, risk: LegRisk, leg: LegOrder, sent: float
                         ) -> LegOrder:
        if leg.report.status.final:
            return leg
        report = await venue_final(ex, leg.request, leg.report, sent, RECHECK_S)
        await risk.on_report(leg.request, report)
        return LegOrder(request=leg.request, report=report, purpose=leg.purpose)

    async def _held_open(self, outcome: TradeOutcome) -> None:
        """Say the trade is open and why: in the journal (its row stays open), the log
        and to the listeners (the screens and the API show it held; alerts tell it)."""
        try:
            await self.journal.run(self.journal.held_open, outcome.trade_id,
                                   outcome.leg_outcome, outcome.detail)
        except DatabaseError as exc:
            log.error("could not record trade %s as held open: %s", outcome.trade_id, exc)
        log.warning("trade %s %s held open: %s", outcome.trade_id, outcome.symbol,
                    outcome.detail)
        self.recent = [outcome, *self.recent[:199]]
        if self._on_trade is not None:
            self._on_trade(outcome)
