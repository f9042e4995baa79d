"""A trade from both legs sent to both legs evened out, with the leg-risk policy.

Once every order of the trade is final (`arbot.trading.execution`), nothing filled is a
missed or failed trade, equal fills are a filled one, and uneven fills give the policy
`ttl_s` to fix them:

* unwind: trade the excess back on the venue where it filled,
* chase: complete the short leg on its own venue, at most `chase_bps` worse,
* hold: keep the imbalance and report it (the trader stops trading the symbol).

An order whose outcome is still unknown (`execute` returns the trade OPEN) is never
evened out against: `conclude` runs once the venue has answered for it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import NamedTuple

from arbot.domain import (
    Instrument,
    LegOrder,
    OrderReport,
    OrderRequest,
    OrderStatus,
    Quote,
    Side,
    TradeOutcome,
    Venue,
)
from arbot.tradekinds import LegOutcome, LegPolicy, OrderPurpose, TradeStatus
from arbot.trading.answers import Answers
from arbot.trading.execution import Legs, final_report, send_legs
from arbot.trading.executor import Executor, SendCheck
from arbot.trading.outcome import settle
from arbot.trading.preflight import TradePlan, quantize_qty
from arbot.trading.priceband import band_problem
from arbot.trading.quantize import limit_price, rule, text

RETRY_GAP_S = 0.05

OnOrder = Callable[[OrderRequest, OrderPurpose], Awaitable[None]]  # a follow-up, before sent
OnReport = Callable[[OrderRequest, OrderReport], Awaitable[None]]


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


async def execute(plan: TradePlan, ex: Executor, risk: LegRisk, sent: Legs | None = None,
                  check: SendCheck | None = None) -> TradeOutcome:
    """Send both legs (or take the ones `send_legs` already started; `check` is asked
    before each opening leg leaves) and even them out; return once every order's REST
    answer is in, the ones the stream beat included. A leg whose outcome stays unknown
    leaves the trade OPEN, with no follow-up sent."""
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
    unknown = [r for r in (buy, sell) if not r.status.final]
    if unknown:
        # An answer lost to a timeout is never assumed (README, "Leg risk"): the leg may
        # yet fill, so trading the other one back (or calling the trade missed) could
        # open a second position. Open and held until the venue answers
        # (`arbot.trading.latelegs`; the journal keeps it open across a restart).
        what = "; ".join(f"{r.client_id} {r.status.value}" + (f" ({r.error})" if r.error else "")
                         for r in unknown)
        return TradeOutcome(trade_id=plan.trade_id, symbol=plan.symbol, orders=orders,
                            settlement=settle(orders, plan.base, plan.quote),
                            status=TradeStatus.OPEN, leg_outcome=LegOutcome.HELD,
                            detail=f"open until the venue answers: outcome unknown: {what}")
    return await conclude(plan, ex, risk, orders, legs.answers)


async def conclude(plan: TradePlan, ex: Executor, risk: LegRisk, orders: list[LegOrder],
                   answers: Answers) -> TradeOutcome:
    """The trade once every order in `orders` is final: missed, failed, filled, or its
    legs evened out by the policy (each follow-up asks `risk.check` before it leaves)."""
    first = settle(orders, plan.base, plan.quote)
    reports = [leg.report for leg in orders]
    if first.buy_qty == 0 and first.sell_qty == 0:
        failed = any(r.status is OrderStatus.REJECTED for r in reports)
        detail = "; ".join(r.error for r in reports if r.error)
        return TradeOutcome(trade_id=plan.trade_id, symbol=plan.symbol, orders=orders,
                            settlement=first,
                            status=TradeStatus.FAILED if failed else TradeStatus.MISSED,
                            leg_outcome=LegOutcome.NONE, detail=detail)
    if _balanced(first.imbalance, plan):
        return TradeOutcome(trade_id=plan.trade_id, symbol=plan.symbol, orders=orders,
                            settlement=first, status=TradeStatus.FILLED,
                            leg_outcome=LegOutcome.BALANCED)
    return await _even_out(plan, ex, risk, orders, answers)


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
