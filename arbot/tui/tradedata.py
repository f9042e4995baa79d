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

from arbot.trading.outcome import TradeOutcome


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
    def from_db(cls, row: Sequence[object]) -> OrderRow:
        """A row of `arbot.tui.history.ORDER_COLUMNS` without its trade id."""
        purpose, venue, side, qty, price, filled, avg, fee, fee_asset, status, error = row
        return cls(_str(purpose), _str(venue), _str(side), _num(qty), _num(price), _num(filled),
                   _num(avg), _num(fee), _str(fee_asset), _str(status), _str(error))


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
    mode: str = ""
    orders: tuple[OrderRow, ...] = ()
    recorded: bool = False

    @classmethod
    def from_outcome(cls, outcome: TradeOutcome, settled_ns: int, mode: str = "") -> TradeRow:
        orders = tuple(
            OrderRow(leg.purpose, leg.request.venue.value, leg.request.side.value,
                     _num(leg.request.qty), _num(leg.request.price), leg.report.filled_qty,
                     leg.report.avg_price, leg.report.fee, leg.report.fee_asset,
                     leg.report.status.value, leg.report.error)
            for leg in outcome.orders)
        # The first buy and sell orders are the trade's two legs; follow-ups (unwind,
        # chase) trade on one of those venues.
        buy = next((o.venue for o in orders if o.purpose == "buy"), "")
        sell = next((o.venue for o in orders if o.purpose == "sell"), "")
        s = outcome.settlement
        return cls(outcome.trade_id, outcome.symbol, buy, sell, settled_ns, s.buy_qty,
                   s.sell_qty, s.buy_avg, s.sell_avg, s.fees, s.pnl, outcome.status,
                   outcome.leg_outcome, outcome.detail, mode, orders)

    @classmethod
    def from_db(cls, row: Sequence[object], orders: Sequence[OrderRow]) -> TradeRow:
        """A row of `arbot.storage.trade_queries.TRADE_COLUMNS`, with its orders."""
        (trade_id, opened, closed, mode, symbol, buy_venue, sell_venue, _qty, buy_qty,
         sell_qty, buy_avg, sell_avg, _buy_price, _sell_price, fees, _expected, pnl, status,
         leg_outcome, detail) = row
        ts = closed if isinstance(closed, int) else opened if isinstance(opened, int) else 0
        return cls(_str(trade_id), _str(symbol), _str(buy_venue), _str(sell_venue), ts,
                   _num(buy_qty), _num(sell_qty), _num(buy_avg), _num(sell_avg), _num(fees),
                   _num(pnl), _str(status), _str(leg_outcome), _str(detail), _str(mode),
                   tuple(orders), recorded=True)

    @property
    def balanced(self) -> bool:
        return abs(self.buy_qty - self.sell_qty) <= 1e-12


@dataclass(frozen=True)
class TradingStatus:
    """The trader as of one refresh tick."""

    mode: str  # paper or live: what the running trader does, whatever was saved since
    state: str  # running, paused, halted
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

    @property
    def live_armed(self) -> bool:
        return self.mode == "live" and self.armed


def _num(value: object) -> float:
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return 0.0
    return 0.0


def _str(value: object) -> str:
    return "" if value is None else str(value)
