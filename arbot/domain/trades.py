"""A settled trade: its orders with their last reports, what their fills add up to, and
how it ended. Built by the trader, read by every sink (journal, inventory, UI, API,
alerts, backtest report)."""

from __future__ import annotations

import msgspec

from arbot.domain.orders import OrderReport, OrderRequest
from arbot.tradekinds import LegOutcome, OrderPurpose, TradeStatus


class LegOrder(msgspec.Struct, frozen=True, kw_only=True):
    """One order of a trade and its last known report."""

    request: OrderRequest
    report: OrderReport
    purpose: OrderPurpose


class Settlement(msgspec.Struct, frozen=True, kw_only=True):
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


class TradeOutcome(msgspec.Struct, frozen=True, kw_only=True):
    """What happened (`TradeStatus`) and how the legs ended (`LegOutcome`)."""

    trade_id: str
    symbol: str
    orders: list[LegOrder]
    settlement: Settlement
    status: TradeStatus
    leg_outcome: LegOutcome
    detail: str = ""
