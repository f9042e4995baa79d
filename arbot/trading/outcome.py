"""A trade's result, computed only from its orders' fills, so anyone holding the fills
(the export, a test, an auditor) gets the same PnL.

PnL is in the quote currency: the matched quantity (what was both bought and sold)
times the difference of the average sell and buy prices, minus every fee. A fee charged
in the base asset is valued at that order's fill price. An imbalance left over is
inventory, reported with the trade, not counted as profit or loss.
"""

from __future__ import annotations

import msgspec

from arbot.domain import OrderReport, OrderRequest, Side


class LegOrder(msgspec.Struct, frozen=True):
    """One order of a trade and its last known report; `purpose` is buy, sell, unwind or
    chase."""

    request: OrderRequest
    report: OrderReport
    purpose: str


class Settlement(msgspec.Struct, frozen=True):
    buy_qty: float
    sell_qty: float
    buy_avg: float
    sell_avg: float
    fees: float  # quote currency
    pnl: float

    @property
    def imbalance(self) -> float:
        """Base bought minus base sold: > 0 is inventory held long on the buy side."""
        return self.buy_qty - self.sell_qty


def fee_in_quote(report: OrderReport, base: str, quote: str) -> float:
    if not report.fee or report.fee_asset in ("", quote):
        return report.fee
    if report.fee_asset == base:
        return report.fee * report.avg_price
    return 0.0  # charged in a third asset (BNB discount): not in the quote currency


def settle(orders: list[LegOrder], base: str, quote: str) -> Settlement:
    bought = sold = buy_value = sell_value = fees = 0.0
    for leg in orders:
        r = leg.report
        if r.filled_qty <= 0:
            continue
        if leg.request.side is Side.BUY:
            bought += r.filled_qty
            buy_value += r.filled_qty * r.avg_price
        else:
            sold += r.filled_qty
            sell_value += r.filled_qty * r.avg_price
        fees += fee_in_quote(r, base, quote)
    buy_avg = buy_value / bought if bought else 0.0
    sell_avg = sell_value / sold if sold else 0.0
    matched = min(bought, sold)
    pnl = matched * (sell_avg - buy_avg) - fees
    return Settlement(bought, sold, buy_avg, sell_avg, fees, pnl)


class TradeOutcome(msgspec.Struct, frozen=True):
    """What happened: `status` filled (both legs, balanced), missed (nothing filled),
    failed (an order could not be placed and nothing is open), or leg_risk (legs uneven
    after the policy ran); `leg_outcome` says how the legs ended."""

    trade_id: str
    symbol: str
    orders: list[LegOrder]
    settlement: Settlement
    status: str
    leg_outcome: str
    detail: str = ""
