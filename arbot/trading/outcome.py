"""A trade's result, computed only from its orders' fills, so anyone holding the fills
(the export, a test, an auditor) gets the same PnL.

PnL is in the quote currency: the matched quantity (what was both bought and sold)
times the difference of the average sell and buy prices, minus every fee. A fee charged
in the base asset is valued at that order's fill price. An imbalance left over is
inventory, reported with the trade, not counted as profit or loss.
"""

from __future__ import annotations

from arbot.domain import LegOrder, OrderReport, Settlement, Side, TradeOutcome
from arbot.storage.journal import TradeClose


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
    return Settlement(buy_qty=bought, sell_qty=sold, buy_avg=buy_avg, sell_avg=sell_avg,
                      fees=fees, pnl=pnl)


def closing(outcome: TradeOutcome, ts_ns: int) -> TradeClose:
    """What the journal records as the trade closes."""
    s = outcome.settlement
    return TradeClose(trade_id=outcome.trade_id, status=outcome.status,
                      leg_outcome=outcome.leg_outcome, detail=outcome.detail, buy_qty=s.buy_qty,
                      sell_qty=s.sell_qty, buy_avg=s.buy_avg, sell_avg=s.sell_avg,
                      fees=s.fees, pnl=s.pnl, ts_ns=ts_ns)
