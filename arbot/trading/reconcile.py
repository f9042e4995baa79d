"""Restart safety: settle what an earlier run left open, only from the venue's own answer.

The journal knows every order that was sent (its intent was committed first), with the
venue's own symbol and, once the venue acknowledged it, the venue's order id. Rules:

* A paper order dies with the process that simulated it: closed as abandoned.
* A live order is looked up on its venue by client id under the journaled venue symbol
  (or the venue's instruments for rows journaled before that column existed; never a
  guessed id) and settled with the venue's report.
* "No such order" alone never settles an order as rejected. If the venue had acknowledged
  it (an order id is journaled), the answer contradicts the venue itself: the order stays
  open. Otherwise it must be answered twice, the second time after the venue's request
  window has passed since this process started: a request the dead process signed can no
  longer be accepted then, so the order never reached the venue and never will.
* A run that cannot ask the venue (paper mode, or no keys for it) settles nothing of a
  live run: the orders stay open, their symbols are held, and it says so.

A trade is closed as "interrupted" only once every one of its orders is final.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

from arbot.domain import LegOrder, OrderReport, OrderStatus, TradeOutcome, Venue
from arbot.exchanges.restspec import RestError, RestErrorKind
from arbot.exchanges.symbols import parse_canonical
from arbot.storage.journal import JournaledOrder, TradeJournal
from arbot.tradekinds import LegOutcome, TradeStatus, TradingMode
from arbot.trading.executor import Executor
from arbot.trading.outcome import closing, settle

log = logging.getLogger("arbot.trading")

RECHECK_S = 5.0  # between passes while an order is still being settled


class Reconciler:
    """Passes over the journal's open orders; `held` names the symbols that must not be
    traded until their orders are settled, and why."""

    def __init__(self, journal: TradeJournal, executor: Executor,
                 wall_ns: Callable[[], int] = time.time_ns,
                 mono: Callable[[], float] = time.monotonic, run_id: int | None = None
                 ) -> None:
        """`run_id`: the running run, whose own open trades it settles itself
        (`arbot.trading.latelegs`) and a pass leaves alone."""
        self.journal = journal
        self.run_id = run_id
        self.executor = executor
        self.held: dict[str, str] = {}
        self.uneven: dict[str, str] = {}  # symbol -> a trade it closed with uneven legs
        self.settled: set[Venue] = set()  # venues the last pass settled a live order on
        self.pending = False  # a later pass of this run may settle more
        self._wall = wall_ns
        self._mono = mono
        self._started = mono()
        self._missing: dict[str, float] = {}  # client id -> first "no such order"

    async def run(self, on_pass: Callable[[Reconciler], None]) -> None:
        """After a first `settle`: more passes while this run may settle more, with
        `on_pass` after each."""
        while self.pending:
            await asyncio.sleep(RECHECK_S)
            await self.settle()
            on_pass(self)

    async def settle(self) -> list[str]:
        """One pass: settle what the venues answer, close trades whose orders are all
        final; returns one line per thing settled (also logged)."""
        j = self.journal
        lines: list[str] = []
        held: dict[str, str] = {}
        self.pending = False
        self.settled = set()
        for order in await j.run(j.unsettled, self.run_id):
            req = order.request
            report, why = await self._answer(order)
            if report is None:
                held.setdefault(req.symbol, f"{req.venue} order {req.client_id} from an "
                                            f"earlier run is not settled: {why}")
                continue
            await j.run(j.report, req, order.trade_id, report, self._wall())
            if order.mode == TradingMode.LIVE:
                self.settled.add(req.venue)
            lines.append(f"order {req.client_id} on {req.venue}: {report.status.value} "
                         f"({report.filled_qty:g} filled)"
                         + (f": {report.error}" if report.error else ""))
        lines += await self._close_trades()
        for line in lines:
            log.warning("restart: %s", line)
        for symbol in held.keys() - self.held.keys():
            log.error("restart: %s is not traded: %s", symbol, held[symbol])
        for symbol in self.held.keys() - held.keys():
            log.warning("restart: %s settled, trading it again", symbol)
        self.held = held
        return lines

    async def _answer(self, order: JournaledOrder) -> tuple[OrderReport | None, str]:
        """The order's final report, or None and why it cannot be settled now."""
        req = order.request
        if order.mode != TradingMode.LIVE:
            return OrderReport(client_id=req.client_id, venue_order_id="",
                               status=OrderStatus.CANCELED,
                               error=f"{order.mode} order abandoned when ArBot stopped"), ""
        if self.executor.mode != TradingMode.LIVE:
            return None, (f"this run is {self.executor.mode}, so it cannot ask {req.venue}; "
                          f"a live run with keys for {req.venue} settles it")
        blocked = self.executor.blocked(req.venue)
        if blocked:
            self.pending |= self.executor.can_look_up(req.venue)
            return None, f"cannot ask {req.venue} now ({blocked})"
        try:
            report = await self.executor.status(req)
        except asyncio.CancelledError:
            raise
        except RestError as exc:
            if exc.kind is RestErrorKind.NO_SUCH_ORDER:
                return self._not_found(order, exc)
            self.pending = True
            return None, f"lookup failed: {exc}"
        except Exception as exc:  # a client bug must not settle anything; ask again
            self.pending = True
            return None, f"lookup failed: {exc}"
        if report.status.final:
            return report, ""
        self.pending = True
        return None, f"{req.venue} reports it {report.status.value}" + (
            f" ({report.error})" if report.error else "")

    def _not_found(self, order: JournaledOrder, exc: RestError
                   ) -> tuple[OrderReport | None, str]:
        req = order.request
        if order.venue_order_id:
            self.pending = True
            return None, (f"{req.venue} acknowledged it as order {order.venue_order_id} but "
                          f"now answers: {exc}; not settled until {req.venue} finds it")
        now = self._mono()
        first = self._missing.setdefault(req.client_id, now)
        window = self.executor.order_window_s(req.venue)
        due = max(self._started + window, first + 1.0)
        if now < due:
            self.pending = True
            return None, (f"{req.venue} has no such order; asking again once its "
                          f"{window:g} s request window has passed")
        del self._missing[req.client_id]
        return OrderReport(client_id=req.client_id, venue_order_id="", status=OrderStatus.REJECTED,
                           error=(f"never reached {req.venue}: no such order at restart nor after "
                                  f"its {window:g} s request window, when no request of the last "
                                  f"run could still be accepted")), ""

    async def _close_trades(self) -> list[str]:
        """Close each open trade whose orders are all final, from its fills."""
        j = self.journal
        lines = []
        for trade_id, mode, symbol in await j.run(j.open_trades, self.run_id):
            journaled = await j.run(j.trade_orders, trade_id)
            if not all(leg.report.status.final for leg in journaled):
                continue
            base, quote = parse_canonical(symbol)
            orders = [LegOrder(request=leg.request, report=leg.report,
                                purpose=leg.purpose) for leg in journaled]
            s = settle(orders, base, quote)
            legs = LegOutcome.BALANCED if abs(s.imbalance) <= 1e-12 else LegOutcome.HELD
            outcome = TradeOutcome(
                trade_id=trade_id, symbol=symbol, orders=orders, settlement=s,
                status=TradeStatus.INTERRUPTED, leg_outcome=legs,
                detail=f"closed at restart; imbalance {s.imbalance:+g} {base}")
            await j.run(j.close_trade, closing(outcome, self._wall()))
            if legs is LegOutcome.HELD and mode == TradingMode.LIVE:  # no books yet to even
                # it out with: the symbol is held (and said), as the hold policy does
                self.uneven[symbol] = (f"trade {trade_id} was closed at restart with "
                                       f"{s.imbalance:+g} {base} uneven")
            lines.append(f"trade {trade_id} {symbol}: interrupted, pnl {s.pnl:+.4f}, "
                         f"imbalance {s.imbalance:+g} {base}")
        return lines
