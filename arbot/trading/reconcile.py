"""Restart safety: settle whatever the last run left open before trading again.

The journal knows every order that was sent (its intent was committed first). An order
whose last known state was not final is looked up on its venue by client id (live), or
closed as abandoned (paper orders die with the process). A trade that was never closed
is then closed from its orders' fills, with status "interrupted", so its PnL and any
imbalance are on record.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from arbot.domain import OrderReport, OrderStatus
from arbot.exchanges.symbols import parse_canonical
from arbot.storage.journal import TradeJournal
from arbot.trading.execution import final_report
from arbot.trading.executor import Executor
from arbot.trading.outcome import LegOrder, settle

log = logging.getLogger("arbot.trading")


async def reconcile(journal: TradeJournal, executor: Executor,
                    wall_ns: Callable[[], int]) -> list[str]:
    """Settle open orders and close open trades; returns one line per thing settled."""
    lines = []
    for trade_id, mode, req in await journal.run(journal.unsettled):
        if mode == "live" and executor.mode == "live":
            report = await final_report(executor, req, placing=False)
        else:
            report = OrderReport(req.client_id, "", OrderStatus.CANCELED,
                                 error=f"{mode} order abandoned when ArBot stopped")
        await journal.run(journal.report, req, trade_id, report, wall_ns())
        lines.append(f"order {req.client_id} on {req.venue}: {report.status.value}"
                     f" ({report.filled_qty:g} filled)")
    for trade_id, _, symbol in await journal.run(journal.open_trades):
        base, quote = parse_canonical(symbol)
        legs = [LegOrder(req, report, purpose)
                for req, report, purpose in await journal.run(journal.trade_orders, trade_id)]
        s = settle(legs, base, quote)
        outcome = "balanced" if abs(s.imbalance) <= 1e-12 else "held"
        await journal.run(journal.close_trade, trade_id, "interrupted", outcome,
                          f"closed at restart; imbalance {s.imbalance:+g} {base}",
                          s.buy_qty, s.sell_qty, s.buy_avg, s.sell_avg, s.fees, s.pnl,
                          wall_ns())
        lines.append(f"trade {trade_id} {symbol}: interrupted, pnl {s.pnl:+.4f}, "
                     f"imbalance {s.imbalance:+g} {base}")
    for line in lines:
        log.warning("restart: %s", line)
    return lines
