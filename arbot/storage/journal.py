"""The trade journal: trades, orders and fills, written synchronously and committed
before the orders they describe leave the process.

Quotes and episodes go through the batched writer, where a few hundred milliseconds of
buffering is harmless. A trade is different: if ArBot dies between sending an order and
recording it, nobody knows the order exists. So the journal commits each trade's intent
(the trade row and both order rows) on its own connection before anything is sent, and
every report after. Trades are rare, and one small WAL commit costs tens of
microseconds; a database locked for longer than `busy_timeout_s` refuses the trade
instead of sending unrecorded orders.

From the event loop, call the methods through `run` (the journal's own thread) or
`try_now` (now, if the write lock is free), never directly: the batched writer keeps its
transaction open across awaits, so a journal waiting for the write lock on the loop would
wait for a commit only the loop can run (a deadlock until the busy timeout), and a
database held by another process would freeze the feeds. `try_now` tries once without
waiting, on a second connection, and only when the thread has nothing queued, so writes
stay in order; the intent of a trade takes ~50 us that way instead of a thread hop.

A database that cannot be written at all (disk full, I/O error) makes the journal
`unwritable`: the trader then refuses every new trade, since one it could not record
would be an order nobody knows about.
"""

from __future__ import annotations

import asyncio
import functools
import sqlite3
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, NamedTuple, ParamSpec, TypeVar

import msgspec

from arbot.domain import OrderReport, OrderRequest, OrderStatus, Side, Venue
from arbot.storage.db import DatabaseError, database_error, storage_lost
from arbot.tradekinds import LegOutcome, OrderPurpose, TradeStatus, TradingMode

OPEN_STATUSES = (OrderStatus.NEW.value, OrderStatus.PARTIALLY_FILLED.value,
                 OrderStatus.UNKNOWN.value)

_ORDER = ("INSERT INTO orders (client_order_id, trade_id, venue, symbol, venue_symbol, side,"
          " order_type, qty, price, status, purpose, ts_created_ns, ts_updated_ns)"
          " VALUES (?, ?, ?, ?, ?, ?, 'ioc', ?, ?, 'new', ?, ?, ?)")
_REPORT = ("UPDATE orders SET venue_order_id = ?, filled_qty = ?, avg_price = ?, fee = ?,"
           " fee_asset = ?, status = ?, error = ?, ts_updated_ns = ? WHERE client_order_id = ?")
_FILL = ("INSERT INTO fills (client_order_id, trade_id, venue_fill_id, venue, symbol, side, qty,"
         " price, fee, fee_asset, liquidity, ts_recv_ns) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
         " 'taker', ?) ON CONFLICT (venue, venue_fill_id) DO UPDATE SET qty = excluded.qty,"
         " price = excluded.price, fee = excluded.fee, fee_asset = excluded.fee_asset")


class TradeIntent(msgspec.Struct, frozen=True, kw_only=True):
    """A trade as decided, recorded (with both of its orders) before either is sent."""

    trade_id: str
    episode_id: str
    mode: TradingMode
    run_id: int
    symbol: str
    buy: OrderRequest
    sell: OrderRequest
    buy_price: float  # the prices it was decided at
    sell_price: float
    expected_profit: float  # quote currency, net of fees
    ts_ns: int


class TradeClose(msgspec.Struct, frozen=True, kw_only=True):
    """How a trade ended, from its orders' fills (quote currency, net of every fee)."""

    trade_id: str
    status: TradeStatus
    leg_outcome: LegOutcome
    detail: str
    buy_qty: float
    sell_qty: float
    buy_avg: float
    sell_avg: float
    fees: float
    pnl: float
    ts_ns: int


class JournaledOrder(NamedTuple):
    """An order as the journal knows it: its trade, the mode of the run that sent it, the
    request (with the venue's own symbol), and the venue's order id if it acknowledged."""

    trade_id: str
    mode: TradingMode
    request: OrderRequest
    venue_order_id: str


class JournaledLeg(NamedTuple):
    """An order of a trade with its last recorded report and why it was sent (a row from
    before purposes were recorded counts as the leg of its side)."""

    request: OrderRequest
    report: OrderReport
    purpose: OrderPurpose


class OpenTrade(NamedTuple):
    trade_id: str
    mode: TradingMode
    symbol: str


P = ParamSpec("P")
T = TypeVar("T")


class TradeJournal:
    """One connection to the (already migrated) database and the one thread that uses it
    (so calls stay in order); the methods are synchronous, `run` calls one from a loop."""

    def __init__(self, path: str | Path, busy_timeout_s: float = 2.0) -> None:
        self.path = Path(path)
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="arbot-journal")
        self._pending = 0  # calls queued on or running in the thread
        self._now = False  # a `try_now` is writing on the loop's connection
        self.unwritable: str | None = None  # why nothing can be journaled any more
        self._conn = self._connect(busy_timeout_s)
        self._loop_conn = self._connect(0.0)

    def _connect(self, busy_timeout_s: float) -> sqlite3.Connection:
        try:
            conn = sqlite3.connect(self.path, timeout=busy_timeout_s, isolation_level=None,
                                   check_same_thread=False)
            conn.execute("PRAGMA foreign_keys = ON")
            # WAL + NORMAL: a commit survives the process dying (what the journal is for)
            # without an fsync per trade; only a power cut can lose the latest commits.
            conn.execute("PRAGMA synchronous = NORMAL")
        except sqlite3.Error as exc:
            raise database_error(exc, self.path) from exc
        return conn

    def close(self) -> None:
        self._thread.shutdown(wait=True)
        self._conn.close()
        self._loop_conn.close()

    async def run(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """`fn(*args)` (one of this journal's methods) on the journal's thread."""
        loop = asyncio.get_running_loop()
        self._pending += 1
        try:
            return await loop.run_in_executor(self._thread,
                                              functools.partial(fn, *args, **kwargs))
        finally:
            self._pending -= 1

    def try_now(self, fn: Callable[P, None], *args: P.args, **kwargs: P.kwargs) -> bool:
        """A writing method right now, on the loop, if that needs no waiting: the thread
        has nothing queued (so writes stay in order) and the write lock is free. False
        when it would have to wait; other database errors raise."""
        if self._pending:
            return False
        self._now = True
        try:
            fn(*args, **kwargs)
            return True
        except DatabaseError as exc:
            if exc.kind != "locked":
                raise
            return False
        finally:
            self._now = False

    def _write(self, *steps: tuple[str, tuple[object, ...]]) -> None:
        """Run the statements in one transaction; raises DatabaseError, writes nothing."""
        conn = self._loop_conn if self._now else self._conn
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                for sql, args in steps:
                    conn.execute(sql, args)
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:  # SQLite already rolled back on a full disk
                    conn.execute("ROLLBACK")
                raise
        except sqlite3.Error as exc:
            self.unwritable = self.unwritable or storage_lost(exc)
            raise database_error(exc, self.path) from exc

    def intent(self, i: TradeIntent) -> None:
        """The trade and both of its orders, before either is sent."""
        self._write(
            ("INSERT INTO trades (trade_id, episode_id, mode, symbol, buy_venue, sell_venue, qty,"
             " buy_price, sell_price, expected_profit, status, ts_open_ns, run_id)"
             " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'open', ?, ?)",
             (i.trade_id, i.episode_id, str(i.mode), i.symbol, i.buy.venue.value,
              i.sell.venue.value, float(i.buy.qty), i.buy_price, i.sell_price,
              i.expected_profit, i.ts_ns, i.run_id)),
            _order_step(i.buy, i.trade_id, OrderPurpose.BUY, i.ts_ns),
            _order_step(i.sell, i.trade_id, OrderPurpose.SELL, i.ts_ns),
        )

    def order(self, req: OrderRequest, trade_id: str, purpose: OrderPurpose, ts_ns: int) -> None:
        """A follow-up order (unwind, chase), before it is sent."""
        self._write(_order_step(req, trade_id, purpose, ts_ns))

    def report(self, req: OrderRequest, trade_id: str, r: OrderReport, ts_ns: int) -> None:
        """An order's latest report, and its fill (one aggregate row per order)."""
        update = (r.venue_order_id or None, r.filled_qty, r.avg_price or None, r.fee,
                  r.fee_asset or None, r.status.value, r.error or None, ts_ns, req.client_id)
        steps: list[tuple[str, tuple[object, ...]]] = [(_REPORT, update)]
        if r.filled_qty > 0:
            steps.append((_FILL, (req.client_id, trade_id, req.client_id, req.venue.value,
                                  req.symbol, req.side.value, r.filled_qty, r.avg_price, r.fee,
                                  r.fee_asset or None, ts_ns)))
        self._write(*steps)

    def close_trade(self, c: TradeClose) -> None:
        self._write(("UPDATE trades SET status = ?, leg_outcome = ?, detail = ?, buy_qty = ?,"
                     " sell_qty = ?, buy_avg = ?, sell_avg = ?, fees = ?, realized_profit = ?,"
                     " ts_close_ns = ? WHERE trade_id = ?",
                     (str(c.status), str(c.leg_outcome), c.detail or None, c.buy_qty,
                      c.sell_qty, c.buy_avg or None, c.sell_avg or None, c.fees, c.pnl,
                      c.ts_ns, c.trade_id)))

    def held_open(self, trade_id: str, leg_outcome: LegOutcome, detail: str) -> None:
        """An open trade waiting for a venue's answer: how its legs stand and why."""
        self._write(("UPDATE trades SET leg_outcome = ?, detail = ? WHERE trade_id = ?"
                     " AND status = 'open'", (str(leg_outcome), detail, trade_id)))

    def drift_detected(self, run_id: int, venue: Venue, asset: str, expected: float,
                       actual: float, source: str, ts_ns: int) -> None:
        """A venue's balance of `asset` found out of bounds of the ledger's expectation."""
        self._write(("INSERT INTO balance_drift (run_id, venue, asset, expected, actual,"
                     " source, ts_detected_ns) VALUES (?, ?, ?, ?, ?, ?, ?)",
                     (run_id, venue.value, asset, expected, actual, source, ts_ns)))

    def drift_cleared(self, venue: Venue | None, assets: list[str] | None, how: str,
                      ts_ns: int) -> None:
        """Close the open drifts of these assets on `venue` (None: every open drift)."""
        where, args = "ts_cleared_ns IS NULL", [how, ts_ns]
        if venue is not None:
            where += " AND venue = ?"
            args.append(venue.value)
        if assets is not None:
            where += f" AND asset IN ({', '.join('?' * len(assets))})"
            args += assets
        self._write((f"UPDATE balance_drift SET cleared_by = ?, ts_cleared_ns = ? WHERE {where}",
                     tuple(args)))

    def unsettled(self, but_run: int | None = None) -> list[JournaledOrder]:
        """Every order whose last known state was not final, oldest first: what a restart
        must settle from the venue's own answer before trading again. `but_run`: not
        that run's (the running one settles its own)."""
        rows = self._select(
            "SELECT o.trade_id, t.mode, o.client_order_id, o.venue, o.symbol,"
            " o.venue_symbol, o.side, o.price, o.qty, o.venue_order_id"
            " FROM orders o JOIN trades t USING (trade_id)"
            f" WHERE o.status IN ({', '.join('?' * len(OPEN_STATUSES))})"
            " AND (? IS NULL OR t.run_id IS NOT ?) ORDER BY o.ts_created_ns",
            (*OPEN_STATUSES, but_run, but_run))
        return [JournaledOrder(trade_id, TradingMode(mode), OrderRequest(
                    client_id=cid, venue=Venue(venue), symbol=symbol,
                    venue_symbol=venue_symbol or "", side=Side(side), price=_num(price),
                    qty=_num(qty)), venue_order_id or "")
                for (trade_id, mode, cid, venue, symbol, venue_symbol, side, price, qty,
                     venue_order_id) in rows]

    def open_trades(self, but_run: int | None = None) -> list[OpenTrade]:
        """The trades never closed (but `but_run`'s)."""
        return [OpenTrade(trade_id, TradingMode(mode), symbol) for trade_id, mode, symbol in
                self._select("SELECT trade_id, mode, symbol FROM trades WHERE status = 'open'"
                             " AND (? IS NULL OR run_id IS NOT ?)", (but_run, but_run))]

    def trade_orders(self, trade_id: str) -> list[JournaledLeg]:
        """Every order of a trade with its last recorded report and purpose."""
        rows = self._select(
            "SELECT client_order_id, venue, symbol, venue_symbol, side, price, qty,"
            " venue_order_id, status, filled_qty, avg_price, fee, fee_asset, error, purpose"
            " FROM orders WHERE trade_id = ? ORDER BY id", (trade_id,))
        return [JournaledLeg(
                    OrderRequest(client_id=cid, venue=Venue(venue), symbol=symbol,
                                 venue_symbol=vsym or "", side=Side(side), price=_num(price),
                                 qty=_num(qty)),
                    OrderReport(client_id=cid, venue_order_id=voi or "", status=OrderStatus(status),
                                filled_qty=filled or 0.0, avg_price=avg or 0.0, fee=fee or 0.0,
                                fee_asset=fee_asset or "", error=error or ""),
                    OrderPurpose(purpose or side))
                for (cid, venue, symbol, vsym, side, price, qty, voi, status, filled, avg, fee,
                     fee_asset, error, purpose) in rows]

    def _select(self, sql: str, args: tuple[object, ...] = ()) -> list[Any]:
        try:
            return self._conn.execute(sql, args).fetchall()
        except sqlite3.Error as exc:
            raise database_error(exc, self.path) from exc


def _order_step(req: OrderRequest, trade_id: str, purpose: OrderPurpose, ts_ns: int
                ) -> tuple[str, tuple[object, ...]]:
    return (_ORDER, (req.client_id, trade_id, req.venue.value, req.symbol,
                     req.venue_symbol or None, req.side.value, float(req.qty), float(req.price),
                     str(purpose), ts_ns, ts_ns))


def _num(value: float) -> str:
    return repr(float(value))


__all__ = ["DatabaseError", "JournaledLeg", "JournaledOrder", "OpenTrade", "TradeClose",
           "TradeIntent", "TradeJournal"]
