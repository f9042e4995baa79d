"""Send both legs at once, then even them out with the configured leg-risk policy.

Both IOC orders are started in the same loop iteration, so neither waits for the other.
An answer lost to a timeout or a 5xx is recovered by looking the order up by client id
(the venue may have filled it). An order's final state is taken from the venue's
private stream when it is live, from the moment the order is sent: a final push that
comes before the REST answer settles the order at once, and the answer, never
cancelled, is awaited to the end before the trade is closed (`Answers`). REST lookups
take over when the stream says nothing of the order for `STREAM_SILENCE_S`, or
reconnected since the order was sent (pushes in the gap are lost), and poll until it is
final. If the legs filled unevenly, the policy has `ttl_s` to fix it:

* unwind: trade the excess back on the venue where it filled,
* chase: complete the short leg on its own venue, at most `chase_bps` worse,
* hold: keep the imbalance and report it (the trader stops trading the symbol).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import NamedTuple

from arbot.domain import (
    Instrument,
    LegOrder,
    OrderNotSent,
    OrderReport,
    OrderRequest,
    OrderStatus,
    Quote,
    Side,
    TradeOutcome,
    Venue,
)
from arbot.exchanges.restspec import RestError, RestErrorKind
from arbot.tradekinds import LegOutcome, LegPolicy, OrderPurpose, TradeStatus
from arbot.trading.answers import Answers
from arbot.trading.executor import Executor, SendCheck
from arbot.trading.outcome import settle
from arbot.trading.preflight import TradePlan, quantize_qty
from arbot.trading.priceband import band_problem
from arbot.trading.quantize import limit_price, rule, text

log = logging.getLogger("arbot.trading")

POLL_S = 0.05
STREAM_SILENCE_S = 1.0  # how long the stream may be silent about an order before REST
FINAL_WAIT_S = 5.0
WINDOW_POLL_S = 0.5  # lookups while a missing order's request window runs out
RETRY_GAP_S = 0.05

OnOrder = Callable[[OrderRequest, OrderPurpose], Awaitable[None]]  # a follow-up, before sent
OnReport = Callable[[OrderRequest, OrderReport], Awaitable[None]]


class Legs(NamedTuple):
    """Both opening orders on their way, and the trade's REST answers still to come."""

    buy: asyncio.Task[OrderReport]
    sell: asyncio.Task[OrderReport]
    answers: Answers


class FollowUp(NamedTuple):
    """A policy's follow-up orders: their purpose, client-id tag, and how the legs end
    when they even them out or not."""

    purpose: OrderPurpose
    tag: str
    done: LegOutcome
    failed: LegOutcome


FOLLOW_UPS: Mapping[LegPolicy, FollowUp] = {
    LegPolicy.UNWIND: FollowUp(OrderPurpose.UNWIND, "u", LegOutcome.UNWOUND,
                               LegOutcome.UNWIND_FAILED),
    LegPolicy.CHASE: FollowUp(OrderPurpose.CHASE, "c", LegOutcome.CHASED,
                              LegOutcome.CHASE_FAILED),
}


class LegRisk:
    """The policy and what it needs: the books (for follow-up prices), the rules of each
    venue, and callbacks that record each follow-up order before it is sent."""

    def __init__(self, policy: LegPolicy, ttl_s: float, chase_bps: float,
                 book: Callable[[Venue, str], Quote | None],
                 instrument: Callable[[Venue, str], Instrument | None],
                 on_order: OnOrder, on_report: OnReport,
                 clock: Callable[[], float] = time.monotonic,
                 check: SendCheck | None = None,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        self.policy = LegPolicy(policy)
        self.ttl_s = ttl_s
        self.chase_bps = chase_bps
        self.book = book
        self.instrument = instrument
        self.on_order = on_order
        self.on_report = on_report
        self.clock = clock
        self.check = check  # asked right before each follow-up order leaves
        self.sleep = sleep  # `clock` and `sleep` are the replay's in a backtest


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


async def execute(plan: TradePlan, ex: Executor, risk: LegRisk, sent: Legs | None = None,
                  check: SendCheck | None = None) -> TradeOutcome:
    """Send both legs (or take the ones `send_legs` already started; `check` is asked
    before each opening leg leaves) and even them out; return once every order's REST
    answer is in, the ones the stream beat included."""
    legs = sent or send_legs(plan, ex, check)
    try:
        return await _execute(plan, ex, risk, legs)
    finally:
        await legs.answers.wait()


async def _execute(plan: TradePlan, ex: Executor, risk: LegRisk, legs: Legs) -> TradeOutcome:
    buy, sell = await asyncio.gather(legs.buy, legs.sell)
    await risk.on_report(plan.buy, buy)
    await risk.on_report(plan.sell, sell)
    orders = [LegOrder(request=plan.buy, report=buy, purpose=OrderPurpose.BUY),
              LegOrder(request=plan.sell, report=sell, purpose=OrderPurpose.SELL)]
    first = settle(orders, plan.base, plan.quote)
    unknown = [r for r in (buy, sell) if not r.status.final]
    if unknown:
        # An answer lost to a timeout is never assumed (README, "Leg risk"): the leg may
        # yet fill, so trading the other one back (or calling the trade missed) could
        # open a second position. Held until the venue answers (the journal keeps it).
        what = "; ".join(f"{r.client_id} {r.status.value}" + (f" ({r.error})" if r.error else "")
                         for r in unknown)
        return TradeOutcome(trade_id=plan.trade_id, symbol=plan.symbol, orders=orders,
                            settlement=first, status=TradeStatus.LEG_RISK,
                            leg_outcome=LegOutcome.HELD,
                            detail=f"not evened out: outcome unknown: {what}")
    if first.buy_qty == 0 and first.sell_qty == 0:
        failed = buy.status is OrderStatus.REJECTED or sell.status is OrderStatus.REJECTED
        detail = "; ".join(r.error for r in (buy, sell) if r.error)
        return TradeOutcome(trade_id=plan.trade_id, symbol=plan.symbol, orders=orders,
                            settlement=first,
                            status=TradeStatus.FAILED if failed else TradeStatus.MISSED,
                            leg_outcome=LegOutcome.NONE, detail=detail)
    if _balanced(first.imbalance, plan):
        return TradeOutcome(trade_id=plan.trade_id, symbol=plan.symbol, orders=orders,
                            settlement=first, status=TradeStatus.FILLED,
                            leg_outcome=LegOutcome.BALANCED)
    return await _even_out(plan, ex, risk, orders, legs.answers)


def _balanced(imbalance: float, plan: TradePlan) -> bool:
    return abs(imbalance) < plan.qty * 1e-9


async def _even_out(plan: TradePlan, ex: Executor, risk: LegRisk,
                    orders: list[LegOrder], answers: Answers) -> TradeOutcome:
    imbalance = settle(orders, plan.base, plan.quote).imbalance
    long = imbalance > 0  # bought more than sold
    if risk.policy is LegPolicy.HOLD:
        s = settle(orders, plan.base, plan.quote)
        return TradeOutcome(trade_id=plan.trade_id, symbol=plan.symbol, orders=orders,
                            settlement=s, status=TradeStatus.LEG_RISK,
                            leg_outcome=LegOutcome.HELD,
                            detail=f"holding {imbalance:+g} {plan.base}")
    follow = FOLLOW_UPS[risk.policy]
    # unwind: trade back where the excess is; chase: finish the short leg where it was
    if risk.policy is LegPolicy.UNWIND:
        venue, side = (plan.buy.venue, Side.SELL) if long else (plan.sell.venue, Side.BUY)
        anchor = None
    else:
        venue, side = (plan.sell.venue, Side.SELL) if long else (plan.buy.venue, Side.BUY)
        anchor = plan.sell_worst if long else plan.buy_worst
    deadline = risk.clock() + risk.ttl_s
    attempt = 0
    problem = ""
    while risk.clock() < deadline:
        remaining = abs(settle(orders, plan.base, plan.quote).imbalance)
        stop = risk.check() if risk.check is not None else ""
        if stop:
            problem = f"not sent: {stop}"
            break
        req, problem = _follow_up(plan, risk, venue, side, remaining, anchor, attempt,
                                  ex.band_price(venue, plan.symbol))
        if req is None:
            break
        attempt += 1
        await risk.on_order(req, follow.purpose)
        report = await final_report(ex, req, True, risk.check, answers)
        await risk.on_report(req, report)
        orders.append(LegOrder(request=req, report=report, purpose=follow.purpose))
        s = settle(orders, plan.base, plan.quote)
        if _balanced(s.imbalance, plan):
            return TradeOutcome(trade_id=plan.trade_id, symbol=plan.symbol, orders=orders,
                                settlement=s, status=TradeStatus.FILLED,
                                leg_outcome=follow.done)
        if report.filled_qty <= 0:
            await risk.sleep(RETRY_GAP_S)
    s = settle(orders, plan.base, plan.quote)
    why = problem or f"{risk.policy} did not even the legs within {risk.ttl_s:g} s"
    return TradeOutcome(trade_id=plan.trade_id, symbol=plan.symbol, orders=orders,
                        settlement=s, status=TradeStatus.LEG_RISK, leg_outcome=follow.failed,
                        detail=f"{why}; left {s.imbalance:+g} {plan.base}")


def _follow_up(plan: TradePlan, risk: LegRisk, venue: Venue, side: Side, qty: float,
               anchor: float | None, attempt: int, band_price: float | None
               ) -> tuple[OrderRequest | None, str]:
    """The next unwind or chase order, or None with the reason it cannot be sent."""
    inst = risk.instrument(venue, plan.symbol)
    quote = risk.book(venue, plan.symbol)
    if inst is None or quote is None:
        return None, f"no book or rules for {plan.symbol} on {venue}"
    q = quantize_qty(qty, inst)
    if q <= 0 or q < rule(inst.min_qty):
        return None, f"{qty:g} {plan.base} is below {venue}'s minimum order"
    market = quote.bid if side is Side.SELL else quote.ask
    price = limit_price(market, rule(inst.tick_size), side, risk.chase_bps)
    if anchor is not None:  # a chase never goes chase_bps past its leg's worst level
        cap = limit_price(anchor, rule(inst.tick_size), side, risk.chase_bps)
        if (side is Side.BUY and price > cap) or (side is Side.SELL and price < cap):
            return None, f"the {venue} price moved more than {risk.chase_bps:g} bps"
    if q * price < rule(inst.min_notional):
        return None, f"{text(q * price)} {plan.quote} is below {venue}'s minimum notional"
    band = band_problem(inst.price_band, side, price, quote, band_price)
    if band:
        return None, f"{venue}'s price band: {band}"
    tag = FOLLOW_UPS[risk.policy].tag
    req = OrderRequest(client_id=f"{plan.trade_id}{tag}{attempt}", venue=venue, symbol=plan.symbol,
                       venue_symbol=inst.venue_id, side=side, price=text(price), qty=text(q))
    return req, ""
