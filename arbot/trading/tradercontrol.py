"""The trader's controls: pause, resume, and the kill switch (halt), which also cancels
what is still open.

A pause stops new trades and lets a trade in flight even itself out; a halt stops every
order, follow-ups included, until `resume()`. Each change is logged as a
`trading_state` event.
"""

from __future__ import annotations

import asyncio
import logging

from arbot.logfields import fields
from arbot.trading.risk import TradingState
from arbot.trading.traderecords import TradeRecords

log = logging.getLogger("arbot.trading")


class TraderControls(TradeRecords):
    """The controls, as a part of `Trader` (whose state they change); a cancel is
    recorded like any report."""

    _tasks: set[asyncio.Task[None]]

    @property
    def state(self) -> TradingState:
        return self.risk.state

    def pause(self) -> None:
        self.risk.pause()
        log.info("trading paused",
                 extra=fields(event="trading_state", state=TradingState.PAUSED.value))

    def resume(self) -> None:
        was = self.risk.state
        self.risk.resume()
        log.info("trading resumed (was %s)", was,
                 extra=fields(event="trading_state", state=self.risk.state.value))

    def halt(self, reason: str) -> None:
        """The kill switch: no new trades until `resume()`, and cancel what is open."""
        self.risk.halt(reason)
        log.warning("trading HALTED: %s", reason,
                    extra=fields(event="trading_state", state=TradingState.HALTED.value,
                                 reason=reason))
        task = asyncio.create_task(self.cancel_open(), name="trading-cancel-open")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def cancel_open(self) -> None:
        """Cancel this mode's open orders; another mode's (a live run's orders seen from a
        paper run) are left to a run that can ask their venue."""
        for trade_id, mode, req, _ in await self.journal.run(self.journal.unsettled):
            if mode != self.executor.mode:
                continue
            try:
                report = await self.executor.cancel(req)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # keep cancelling the others
                log.error("cancel %s on %s failed: %s", req.client_id, req.venue, exc)
                continue
            await self._record_report(trade_id, req, report)
