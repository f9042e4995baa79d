"""Trades and the trader's status as the UI keeps them, from live messages or the database.

A settled trade arrives once, as a `TradeSettled` message; the trader's counters, state
and balances ride on every `MarketTick` as one `TradingStatus`, read from the trader on
the refresh tick like the engine's funnel. Rows are plain data so that the Trades screen,
the header and the tests read one picture, whether the trade was seen live or recorded
by an earlier run.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from arbot.domain import TradeOutcome
from arbot.storage.models import OrderRecord, TradeRecord
from arbot.tradekinds import OrderPurpose, TradingMode
from arbot.trading.drift import Drift
from arbot.trading.risk import TradingState


@dataclass(frozen=True)
class OrderRow:
    """One order of a trade and its last known report."""

    purpose: str  # buy, sell, unwind, chase
    venue: str
    side: str
    qty: float
    price: float
    filled: float
    avg_price: float
    fee: float
    fee_asset: str
    status: str
    error: str

    @classmethod
    def from_record(cls, r: OrderRecord) -> OrderRow:
        return cls(r.purpose or "", r.venue, r.side, r.qty, r.price or 0.0, r.filled_qty,
                   r.avg_price or 0.0, r.fee or 0.0, r.fee_asset or "", r.status, r.error or "")


@dataclass(frozen=True)
class TradeRow:
    """A trade as the Trades screen shows it. `ts_ns` is when it settled (when it opened,
    for a recorded trade that never closed); `recorded` rows come from the database."""

    trade_id: str
    symbol: str
    buy_venue: str
    sell_venue: str
    ts_ns: int
    buy_qty: float
    sell_qty: float
    buy_avg: float
    sell_avg: float
    fees: float
    pnl: float
    status: str
    leg_outcome: str
    detail: str
    mode: TradingMode
    orders: tuple[OrderRow, ...] = ()
    recorded: bool = False

    @classmethod
    def from_outcome(cls, outcome: TradeOutcome, settled_ns: int, mode: TradingMode
                     ) -> TradeRow:
        orders = tuple(
            OrderRow(leg.purpose, leg.request.venue.value, leg.request.side.value,
                     _num(leg.request.qty), _num(leg.request.price), leg.report.filled_qty,
                     leg.report.avg_price, leg.report.fee, leg.report.fee_asset,
                     leg.report.status.value, leg.report.error)
            for leg in outcome.orders)
        # The first buy and sell orders are the trade's two legs; follow-ups (unwind,
        # chase) trade on one of those venues.
        buy = next((o.venue for o in orders if o.purpose == OrderPurpose.BUY), "")
        sell = next((o.venue for o in orders if o.purpose == OrderPurpose.SELL), "")
        s = outcome.settlement
        return cls(outcome.trade_id, outcome.symbol, buy, sell, settled_ns, s.buy_qty,
                   s.sell_qty, s.buy_avg, s.sell_avg, s.fees, s.pnl, outcome.status,
                   outcome.leg_outcome, outcome.detail, mode, orders)

    @classmethod
    def from_record(cls, r: TradeRecord, orders: Sequence[OrderRecord]) -> TradeRow:
        ts = r.ts_open_ns if r.ts_close_ns is None else r.ts_close_ns
        return cls(r.trade_id, r.symbol, r.buy_venue, r.sell_venue, ts, r.buy_qty or 0.0,
                   r.sell_qty or 0.0, r.buy_avg or 0.0, r.sell_avg or 0.0, r.fees or 0.0,
                   r.realized_profit or 0.0, r.status, r.leg_outcome or "", r.detail or "",
                   r.mode, tuple(OrderRow.from_record(o) for o in orders), recorded=True)

    @property
    def balanced(self) -> bool:
        return abs(self.buy_qty - self.sell_qty) <= 1e-12


@dataclass(frozen=True)
class TradingStatus:
    """The trader as of one refresh tick."""

    mode: TradingMode  # paper or live: what the running trader does, whatever was saved since
    state: TradingState
    reason: str
    armed: bool
    trades: int
    realized: float
    exposure: float  # quote currency in trades not yet settled
    max_exposure: float
    rejections: Mapping[str, int] = field(default_factory=dict)
    last_rejection: str = ""
    balances: Mapping[str, Mapping[str, float]] = field(default_factory=dict)  # venue -> asset
    live_problem: str = ""
    unsettled: Mapping[str, str] = field(default_factory=dict)  # symbol -> why not traded
    drifts: tuple[Drift, ...] = ()  # balances off the ledger: their venues open no trade
    streams: str = ""  # live: each venue's private stream, and a refused login's message
    last_rejection_ns: int | None = None  # when the last refusal happened (wall clock)

    @property
    def live_armed(self) -> bool:
        return self.mode == TradingMode.LIVE and self.armed


def _num(text: str) -> float:
    """An order's decimal text as a number for the screen."""
    try:
        return float(text)
    except ValueError:
        return 0.0
