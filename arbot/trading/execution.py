"""Send orders and learn their final state from the venue.

Both IOC legs of a trade are started in the same loop iteration, so neither waits for
the other. An answer lost to a timeout or a 5xx is recovered by looking the order up by
client id (the venue may have filled it). An order's final state is taken from the
venue's private stream when it is live, from the moment the order is sent: a final push
that comes before the REST answer settles the order at once, and the answer, never
cancelled, is awaited to the end before the trade is closed (`Answers`). REST lookups
take over when the stream says nothing of the order for `STREAM_SILENCE_S`, or
reconnected since the order was sent (pushes in the gap are lost), and poll until it is
final. What the fills then call for (even the legs out) is `arbot.trading.evenout`'s.
"""

from __future__ import annotations

import asyncio
import time
from typing import NamedTuple

from arbot.domain import OrderNotSent, OrderReport, OrderRequest, OrderStatus
from arbot.exchanges.restspec import RestError, RestErrorKind
from arbot.trading.answers import Answers
from arbot.trading.executor import Executor, SendCheck
from arbot.trading.preflight import TradePlan

POLL_S = 0.05
STREAM_SILENCE_S = 1.0  # how long the stream may be silent about an order before REST
FINAL_WAIT_S = 5.0
WINDOW_POLL_S = 0.5  # lookups while a missing order's request window runs out


class Legs(NamedTuple):
    """Both opening orders on their way, and the trade's REST answers still to come."""

    buy: asyncio.Task[OrderReport]
    sell: asyncio.Task[OrderReport]
    answers: Answers


async def final_report(ex: Executor, req: OrderRequest, placing: bool,
                       check: SendCheck | None = None, answers: Answers | None = None
                       ) -> OrderReport:
    """Place (or look up) `req` and wait until the venue says it is final.

    A failure whose outcome is unknown (timeout, 5xx, broken connection) turns into
    lookups by client id; a refusal is a REJECTED report with the venue's reason. "No such
    order" is final only once the venue's request window has passed since the order was
    signed: until then the request may still be on its way and be filled. A REST answer
    still on its way when the stream settled the order is left to `answers` (awaited
    here before returning when None)."""
    if answers is not None:
        return await _final_report(ex, req, placing, check, answers)
    own = Answers()
    try:
        return await _final_report(ex, req, placing, check, own)
    finally:
        await own.wait()


async def _final_report(ex: Executor, req: OrderRequest, placing: bool,
                        check: SendCheck | None, answers: Answers) -> OrderReport:
    report: OrderReport | None = None
    epoch = ex.stream_epoch(req.venue)  # the stream that will push the order's fills
    sent = time.monotonic()
    deadline = sent + FINAL_WAIT_S
    poll = POLL_S
    wait = STREAM_SILENCE_S if epoch is not None else poll
    while True:
        try:
            report = await (_place(ex, req, check, epoch, answers)
                            if placing and report is None else ex.status(req))
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the venue's refusal or an unknown outcome
            unknown = isinstance(exc, RestError) and exc.kind.outcome_unknown
            if placing and report is None and not unknown:
                why = f"not sent: {exc}" if isinstance(exc, OrderNotSent) else str(exc)
                return OrderReport(client_id=req.client_id, venue_order_id="",
                                   status=OrderStatus.REJECTED, error=why)
            if isinstance(exc, RestError) and exc.kind is RestErrorKind.NO_SUCH_ORDER and (
                    report is None or not report.venue_order_id):
                window = ex.order_window_s(req.venue)
                if time.monotonic() - sent >= window:  # it can no longer reach the venue
                    return OrderReport(
                        client_id=req.client_id, venue_order_id="", status=OrderStatus.REJECTED,
                        error=(f"not found on {req.venue} after its {window:g} s request window: "
                               f"{exc}"))
                deadline = max(deadline, sent + window + WINDOW_POLL_S)
                poll = WINDOW_POLL_S  # ask now and then, within the venue's rate limits
            report = report or OrderReport(client_id=req.client_id, venue_order_id="",
                                           status=OrderStatus.UNKNOWN, error=str(exc))
        if report.status.final or time.monotonic() > deadline:
            return report
        pushed = await _pushed_or_slept(ex, req, epoch, wait)
        if pushed is not None:
            return pushed
        wait = poll


async def _place(ex: Executor, req: OrderRequest, check: SendCheck | None, epoch: int | None,
                 answers: Answers) -> OrderReport:
    """Send `req`; its REST answer, or its final push when the stream it is sent under
    says it first (the answer, still on its way, then goes to `answers`). The order
    call is never cancelled, even when this is."""
    if epoch is None or ex.stream_epoch(req.venue) != epoch:
        return await ex.place(req, check)
    answer = asyncio.ensure_future(ex.place(req, check))
    pushed = asyncio.ensure_future(ex.pushed(req, epoch, STREAM_SILENCE_S))
    waiting: set[asyncio.Future[OrderReport] | asyncio.Future[OrderReport | None]] = \
        {answer, pushed}
    try:
        while True:
            await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
            if answer.done():
                return answer.result()
            known = pushed.result()
            if known is not None:
                answers.add(req, known, answer)
                return known
            waiting = {answer}  # silence or a reconnect: the answer decides
    except asyncio.CancelledError:
        if not answer.done():
            answers.add(req, None, answer)
        raise
    finally:
        pushed.cancel()


async def _pushed_or_slept(ex: Executor, req: OrderRequest, epoch: int | None,
                           wait_s: float) -> OrderReport | None:
    """The order's final report if the stream it was sent under pushes it within
    `wait_s`; else None: at once when that stream reconnects during the wait (ask REST
    now), after `wait_s` when it is silent or already gone (poll REST)."""
    if epoch is None or ex.stream_epoch(req.venue) != epoch:
        await asyncio.sleep(wait_s)
        return None
    return await ex.pushed(req, epoch, wait_s)


def send_legs(plan: TradePlan, ex: Executor, check: SendCheck | None = None) -> Legs:
    """Both orders, started in the same loop iteration so neither waits for the other;
    each asks `check` right before it leaves."""
    answers = Answers()
    return Legs(asyncio.create_task(final_report(ex, plan.buy, True, check, answers),
                                    name=plan.buy.client_id),
                asyncio.create_task(final_report(ex, plan.sell, True, check, answers),
                                    name=plan.sell.client_id),
                answers)
