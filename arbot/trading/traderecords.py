"""What the trader writes down: each follow-up order before it is sent, each order's
report, and each trade's close (journal, counters, risk book, the log line and the
`on_trade` listeners).

A report that cannot be recorded is logged loudly and the trade goes on (the order
happened); a follow-up that cannot be recorded is not sent.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from arbot.domain import OrderReport, OrderRequest, TradeOutcome
from arbot.logfields import fields
from arbot.storage.db import DatabaseError
from arbot.storage.journal import TradeJournal
from arbot.tradekinds import LegOutcome, OrderPurpose, TradeStatus
from arbot.trading.executor import Executor
from arbot.trading.outcome import closing
from arbot.trading.risk import RiskBook

log = logging.getLogger("arbot.trading")

TradeListener = Callable[[TradeOutcome], None]


class TradeRecords:
    """The records, as a part of `Trader` (whose journal and counters they move)."""

    executor: Executor
    journal: TradeJournal
    risk: RiskBook
    run_id: int
    trades: int
    realized: float
    recent: list[TradeOutcome]
    _on_trade: TradeListener | None
    _wall: Callable[[], int]

    async def _record_order(self, trade_id: str, req: OrderRequest, purpose: OrderPurpose, *,
                            stamp: Callable[[], int]) -> None:
        """A follow-up order's row, committed before it is sent (raises if it cannot be)."""
        await self.journal.run(self.journal.order, req, trade_id, purpose, stamp())

    async def _record_report(self, trade_id: str, req: OrderRequest, report: OrderReport, *,
                             stamp: Callable[[], int] | None = None) -> None:
        try:
            await self.journal.run(self.journal.report, req, trade_id, report,
                                   (stamp or self._wall)())
        except DatabaseError as exc:  # the order happened; say so loudly, keep going
            log.error("could not record %s: %s", req.client_id, exc)

    async def _close(self, symbol: str, notional: float, outcome: TradeOutcome | None
                     ) -> str:
        """Book the trade's end; returns why trading must halt now ("" if it need not)."""
        now = self._wall()
        if outcome is None:
            self.risk.finished(symbol, notional, 0.0, now, leg_failure=True)
            return ""
        s = outcome.settlement
        # Booked in the risk book at `now`, the close's time, before its row is written: a
        # trade of the symbol handed over after `now` is not refused as still in flight
        # for as long as the journal takes (its backtest, whose journal is instant, would
        # take it), and the recorded close says when the symbol was free again.
        if outcome.leg_outcome == LegOutcome.HELD:
            self.risk.held_symbols[symbol] = outcome.detail
        halted = self.risk.finished(symbol, notional, s.pnl, now,
                                    leg_failure=outcome.status == TradeStatus.LEG_RISK)
        try:
            await self.journal.run(self.journal.close_trade, closing(outcome, now))
        except DatabaseError as exc:
            log.error("could not record trade %s: %s", outcome.trade_id, exc)
        self.trades += 1
        self.realized += s.pnl
        self.recent = [outcome, *(t for t in self.recent[:199]
                                  if t.trade_id != outcome.trade_id)]
        # "filled" alone hides a loss taken unwinding a leg: name how the legs ended then
        legs = ("" if outcome.leg_outcome in (LegOutcome.BALANCED, LegOutcome.NONE)
                else f" ({outcome.leg_outcome})")
        log.info("trade %s %s: %s%s, pnl %+.4f", outcome.trade_id, symbol, outcome.status, legs,
                 s.pnl,
                 extra=fields(event="trade", trade_id=outcome.trade_id, symbol=symbol,
                              status=str(outcome.status), pnl=s.pnl, fees=s.fees,
                              run_id=self.run_id))
        if self._on_trade is not None:
            self._on_trade(outcome)
        return halted or ""
