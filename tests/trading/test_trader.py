"""The trader end to end on a real journal: intent committed before orders leave, fills
and PnL recorded, pause, the kill switch, automatic halts, and restart reconciliation."""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

import pytest

from arbot.domain import (
    LegOrder,
    Verdict,
)
from arbot.storage.journal import TradeIntent, TradeJournal
from arbot.tradekinds import TradingMode
from arbot.trading.outcome import settle
from arbot.trading.paper import PaperExecutor
from arbot.trading.preflight import TradePlan, preflight
from arbot.trading.reconcile import Reconciler
from arbot.trading.risk import TradingState
from arbot.trading.trader import Trader
from tests.trading.helpers import (
    SYMBOL,
    A,
    B,
    Books,
    SeesTheJournal,
    episode,
    inst,
    journal,
    ledger,
    opportunity,
    paper,
    quote,
    trading,
)

INSTRUMENTS = {(A, SYMBOL): inst(A), (B, SYMBOL): inst(B)}


async def make(tmp_path: Path, books: Books | None = None, **settings: object
               ) -> tuple[Trader, PaperExecutor, TradeJournal]:
    books = books or Books(quote(A, 99.9, 100.0), quote(B, 101.0, 101.1))
    jr = await journal(tmp_path)
    ex = SeesTheJournal(jr.path, paper(books, ledger()))
    trader = Trader(trading(**settings), ex, jr, ex.ledger, INSTRUMENTS, books)
    return trader, ex, jr


def intent(plan: TradePlan, mode: TradingMode) -> TradeIntent:
    """Trade ab9 of episode ep9, decided at 100/101, as the tests journal it by hand."""
    return TradeIntent(trade_id="ab9", episode_id="ep9", mode=mode, run_id=1, symbol=SYMBOL,
                       buy=plan.buy, sell=plan.sell, buy_price=100.0, sell_price=101.0,
                       expected_profit=0.4, ts_ns=1)


def rows(jr: TradeJournal, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(jr.path) as conn:
        return conn.execute(sql).fetchall()


async def test_a_passed_episode_is_traded_recorded_and_its_pnl_recomputes(tmp_path: Path
                                                                          ) -> None:
    trader, ex, jr = await make(tmp_path)
    trader.on_episode(episode(1))
    await trader.wait_idle()
    assert isinstance(ex, SeesTheJournal)
    assert [status for _, status in ex.seen] == ["new", "new"]  # committed before sending
    [(status, outcome, pnl, fees, buy_qty, sell_qty)] = rows(
        jr, "SELECT status, leg_outcome, realized_profit, fees, buy_qty, sell_qty FROM trades")
    assert (status, outcome, buy_qty, sell_qty) == ("filled", "balanced", 0.5, 0.5)
    fills = rows(jr, "SELECT side, qty, price, fee, fee_asset FROM fills ORDER BY side")
    recomputed = (sum(q * p for s, q, p, _, _ in fills if s == "sell")
                  - sum(q * p for s, q, p, _, _ in fills if s == "buy")
                  - sum(f * (p if a == "BTC" else 1) for _, _, p, f, a in fills))
    assert pnl == pytest.approx(recomputed) and fees == pytest.approx(
        sum(f * (p if a == "BTC" else 1) for _, _, p, f, a in fills))
    assert trader.realized == pytest.approx(recomputed) and trader.trades == 1


async def test_each_episode_is_traded_once_and_filtered_ones_never(tmp_path: Path) -> None:
    trader, _, jr = await make(tmp_path)
    trader.on_episode(episode(1, Verdict(passed=False, filter="trend", reason="falling")))
    trader.on_episode(episode(2))
    trader.on_episode(episode(2))  # an update of the same episode
    await trader.wait_idle()
    assert rows(jr, "SELECT episode_id FROM trades") == [("ep2",)]


async def test_pause_refuses_and_resume_trades_again(tmp_path: Path) -> None:
    trader, _, jr = await make(tmp_path)
    trader.pause()
    trader.on_episode(episode(1))
    await trader.wait_idle()
    assert trader.rejections["paused"] == 1 and trader.state is TradingState.PAUSED
    trader.resume()
    trader.on_episode(episode(2))
    await trader.wait_idle()
    assert rows(jr, "SELECT episode_id FROM trades") == [("ep2",)]


async def test_daily_loss_limit_halts_until_resumed(tmp_path: Path) -> None:
    trader, ex, jr = await make(tmp_path, daily_loss_limit=0.01, leg_policy="unwind")
    ex.inject(B, reject="no")  # the sell fails; the unwind costs spread and fees
    trader.on_episode(episode(1))
    await trader.wait_idle()
    assert trader.state is TradingState.HALTED and "daily loss" in trader.risk.reason
    trader.on_episode(episode(2))
    await trader.wait_idle()
    assert trader.rejections["halted"] == 1
    assert len(rows(jr, "SELECT * FROM trades")) == 1


async def test_the_trade_log_line_says_a_leg_was_unwound(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    trader, ex, _ = await make(tmp_path, leg_policy="unwind", daily_loss_limit=1e9)
    ex.inject(B, reject="no")
    with caplog.at_level(logging.INFO, "arbot.trading"):
        trader.on_episode(episode(1))
        await trader.wait_idle()
    [line] = [r.getMessage() for r in caplog.records if r.getMessage().startswith("trade ")]
    assert ": filled (unwound), pnl -" in line


async def test_repeated_leg_failures_halt(tmp_path: Path) -> None:
    trader, ex, _ = await make(tmp_path, leg_policy="hold", max_leg_failures=2,
                               daily_loss_limit=1e9)
    for n in (1, 2):
        ex.inject(B, fill_fraction=0.5)
        trader.on_episode(episode(n))
        await trader.wait_idle()
        trader.risk.held_symbols.clear()  # let the symbol trade again for this test
    assert trader.state is TradingState.HALTED and "2 leg failures" in trader.risk.reason


async def test_hold_stops_trading_the_symbol(tmp_path: Path) -> None:
    trader, ex, _ = await make(tmp_path, leg_policy="hold", daily_loss_limit=1e9)
    ex.inject(B, fill_fraction=0.5)
    trader.on_episode(episode(1))
    await trader.wait_idle()
    trader.on_episode(episode(2))
    await trader.wait_idle()
    assert trader.rejections["held"] == 1


async def test_a_locked_database_refuses_the_trade_before_any_order(tmp_path: Path) -> None:
    trader, ex, jr = await make(tmp_path)
    jr._conn.execute("PRAGMA busy_timeout = 50")
    blocker = sqlite3.connect(jr.path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    try:
        trader.on_episode(episode(1))
        await trader.wait_idle()  # the loop stays free while the journal waits
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert trader.rejections["journal"] == 1 and "not recorded, not sent" in trader.last_rejection
    assert isinstance(ex, SeesTheJournal) and ex.seen == []
    assert trader.risk.in_flight == set() and trader.risk.open_exposure == 0.0


async def test_restart_settles_orders_and_trades_left_open(tmp_path: Path) -> None:
    jr = await journal(tmp_path)
    books = Books(quote(A, 99.9, 100.0), quote(B, 101.0, 101.1))
    ex = paper(books, ledger())
    o = opportunity(size=0.5)
    plan = preflight(o, "ep9", "ab9", INSTRUMENTS, ex.ledger, 0.0)
    assert isinstance(plan, TradePlan)
    jr.intent(intent(plan, TradingMode.PAPER))
    buy = await ex.place(plan.buy)  # the buy went out and filled; then ArBot died
    jr.report(plan.buy, "ab9", buy, 2)
    jr.close()

    jr2 = TradeJournal(jr.path)
    lines = await Reconciler(jr2, paper(books, ledger()), lambda: 3).settle()
    assert any("ab9s" in line and "canceled" in line for line in lines)
    [(status, outcome, buy_qty, sell_qty)] = rows(
        jr2, "SELECT status, leg_outcome, buy_qty, sell_qty FROM trades")
    assert (status, outcome, buy_qty, sell_qty) == ("interrupted", "held", 0.5, 0.0)
    assert jr2.unsettled() == [] and jr2.open_trades() == []
    legs = [LegOrder(request=r, report=p, purpose=u) for r, p, u in jr2.trade_orders("ab9")]
    assert settle(legs, "BTC", "USDT").imbalance == 0.5


async def test_a_paper_restart_leaves_a_live_runs_orders_open_and_holds_the_symbol(
        tmp_path: Path) -> None:
    """Orders a live run left open are not the paper run's to settle: they stay open in
    the journal, the trade stays open, and the symbol is not traded until a run that can
    ask the venue settles them."""
    jr = await journal(tmp_path)
    books = Books(quote(A, 99.9, 100.0), quote(B, 101.0, 101.1))
    plan = preflight(opportunity(size=0.5), "ep9", "ab9", INSTRUMENTS, ledger(), 0.0)
    assert isinstance(plan, TradePlan)
    jr.intent(intent(plan, TradingMode.LIVE))
    jr.close()

    jr2 = TradeJournal(jr.path)
    ex = paper(books, ledger())
    rec = Reconciler(jr2, ex, lambda: 3)
    assert await rec.settle() == []
    assert not rec.pending  # nothing this paper run could ever settle
    assert [o.request.client_id for o in jr2.unsettled()] == ["ab9b", "ab9s"]
    assert [t[0] for t in jr2.open_trades()] == ["ab9"]
    assert "this run is paper, so it cannot ask binance" in rec.held[SYMBOL]

    trader = Trader(trading(), ex, jr2, ex.ledger, INSTRUMENTS, books)
    trader.risk.unsettled = dict(rec.held)
    trader.on_episode(episode(1))
    await trader.wait_idle()
    assert trader.rejections["unsettled"] == 1 and trader.trades == 0
    assert "not settled" in trader.last_rejection
    trader.halt("test")  # the kill switch cancels this run's orders only
    await trader.wait_idle()
    assert [o.request.client_id for o in jr2.unsettled()] == ["ab9b", "ab9s"]
