"""Paper fills on depth: an order walks the venue's L2 book as it is when the order
arrives, every level at or better than its limit, so paper PnL carries the slippage;
without a synced book it fills at the quote's top level as before."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from arbot.config.trading import PaperSettings
from arbot.depth.board import DepthBoard
from arbot.domain import OrderRequest, OrderStatus, Side, Venue
from arbot.trading.paper import PaperExecutor
from arbot.trading.trader import Trader
from tests.trading.helpers import (
    FEE,
    SYMBOL,
    A,
    B,
    Books,
    SeesTheJournal,
    book,
    episode,
    inst,
    journal,
    ledger,
    opportunity,
    paper,
    quote,
    trading,
    walked,
)

INSTRUMENTS = {(A, SYMBOL): inst(A), (B, SYMBOL): inst(B)}
ASKS = [("100", "0.3"), ("100.5", "0.5"), ("101", "2")]
BIDS = [("99.9", "0.3"), ("99.5", "0.5"), ("99", "2")]


def order(side: Side, price: str, qty: str, cid: str = "t1", venue: Venue = A) -> OrderRequest:
    return OrderRequest(client_id=cid, venue=venue, symbol=SYMBOL, venue_symbol="BTCUSDT",
                        side=side, price=price, qty=qty)


def board(synced: bool = True) -> DepthBoard:
    d = DepthBoard(20)
    book(d, A, BIDS, ASKS, synced)
    return d


async def test_a_buy_walks_two_levels_and_pays_their_average() -> None:
    led = ledger(usdt=1000.0, btc=0.0)
    ex = paper(Books(quote(A, 99.9, 100.0, size=0.3)), led, board())
    r = await ex.place(order(Side.BUY, "100.5", "0.6"))
    avg = (0.3 * 100.0 + 0.3 * 100.5) / 0.6
    assert (r.status, r.filled_qty, r.avg_price) == (OrderStatus.FILLED, 0.6,
                                                     pytest.approx(avg))
    assert led.free(A, "USDT") == pytest.approx(1000.0 - 0.6 * avg)
    assert (r.fee, r.fee_asset) == (pytest.approx(0.6 * FEE), "BTC")


async def test_the_ioc_limit_stops_before_a_deeper_level_and_cancels_the_rest() -> None:
    ex = paper(Books(quote(A, 99.9, 100.0, size=0.3)), ledger(), board())
    r = await ex.place(order(Side.BUY, "100.99", "1.5"))  # 101 is beyond the limit
    assert (r.status, r.filled_qty) == (OrderStatus.EXPIRED, 0.8)
    assert r.avg_price == pytest.approx((0.3 * 100.0 + 0.5 * 100.5) / 0.8)
    r = await ex.place(order(Side.SELL, "99.5", "5", "t2"))
    assert (r.status, r.filled_qty) == (OrderStatus.EXPIRED, 0.8)
    assert r.avg_price == pytest.approx((0.3 * 99.9 + 0.5 * 99.5) / 0.8)


async def test_an_order_walks_no_deeper_than_the_boards_depth() -> None:
    """The feed's book holds three levels, `[market] depth` is two: the third, which the
    engine never walks and the recorder never keeps (so a replay could not fill on it),
    is not taken."""
    d = DepthBoard(2)
    book(d, A, BIDS, ASKS, True)
    ex = paper(Books(quote(A, 99.9, 100.0, size=0.3)), ledger(), d)
    r = await ex.place(order(Side.BUY, "101", "1.5"))
    assert (r.status, r.filled_qty) == (OrderStatus.EXPIRED, 0.8)
    assert r.avg_price == pytest.approx((0.3 * 100.0 + 0.5 * 100.5) / 0.8)


async def test_a_partial_fill_takes_the_best_part_of_the_walk() -> None:
    ex = paper(Books(quote(A, 99.9, 100.0, size=0.3)), ledger(), board())
    ex.inject(A, fill_fraction=0.5)
    r = await ex.place(order(Side.BUY, "101", "0.6"))
    assert (r.status, r.filled_qty, r.avg_price) == (OrderStatus.EXPIRED, 0.3, 100.0)


@pytest.mark.parametrize("depth", [None, "resyncing", "other symbol"])
async def test_without_a_synced_book_the_quotes_top_level_fills_as_before(
        depth: str | None) -> None:
    d = None if depth is None else board(synced=depth != "resyncing")
    if depth == "other symbol":
        d = DepthBoard(20)
        d.book(A, "ETH-USDT").replace(BIDS, ASKS)
    ex = paper(Books(quote(A, 99.9, 100.0, size=0.3)), ledger(), d)
    r = await ex.place(order(Side.BUY, "100.5", "0.6"))
    assert (r.status, r.filled_qty, r.avg_price) == (OrderStatus.EXPIRED, 0.3, 100.0)


async def test_the_order_meets_the_book_as_it_is_when_it_arrives() -> None:
    """The top level went while the order travelled: it walks what is left."""
    d = board()

    async def sleep(seconds: float) -> None:
        d.book(A, SYMBOL).apply([], [("100", "0")])

    s = PaperSettings.model_validate({"latency_ms": 5})
    ex = PaperExecutor(s, Books(quote(A, 99.9, 100.0)), INSTRUMENTS, {A: FEE, B: FEE},
                       ledger(), sleep=sleep, depth=d)
    r = await ex.place(order(Side.BUY, "100.5", "0.6"))
    assert (r.status, r.filled_qty, r.avg_price) == (OrderStatus.EXPIRED, 0.5, 100.5)


def walked_trade() -> tuple[Books, DepthBoard]:
    """A 1.0-wide gap at the top, 0.3 deep; the walk takes 0.9 over two levels a side."""
    books = Books(quote(A, 99.9, 100.0, size=0.3), quote(B, 101.0, 101.1, size=0.3))
    d = DepthBoard(20)
    book(d, A, [("99.9", "1")], [("100", "0.3"), ("100.2", "0.6"), ("100.9", "5")])
    book(d, B, [("101", "0.3"), ("100.8", "0.6"), ("100.1", "5")], [("101.1", "1")])
    return books, d


BUY_VWAP = (0.3 * 100.0 + 0.6 * 100.2) / 0.9
SELL_VWAP = (0.3 * 101.0 + 0.6 * 100.8) / 0.9


async def make(tmp_path: Path, drains_itself: bool = True, **settings: object
               ) -> tuple[Trader, SeesTheJournal]:
    books, d = walked_trade()
    jr = await journal(tmp_path)
    ex = SeesTheJournal(jr.path, paper(books, ledger(), d))
    return Trader(trading(**settings), ex, jr, ex.ledger, INSTRUMENTS, books,
                  drains_itself=drains_itself), ex


def rows(trader: Trader, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(trader.journal.path) as conn:
        return conn.execute(sql).fetchall()


async def test_a_walked_paper_trade_books_the_slippage_of_both_walks(tmp_path: Path) -> None:
    trader, ex = await make(tmp_path)
    opp = walked(opportunity(100.0, 101.0, size=0.3), 0.9, BUY_VWAP, SELL_VWAP, 100.2, 100.8)
    trader.on_episode(episode(1, opp=opp))
    await trader.wait_idle()
    assert [status for _, status in ex.seen] == ["new", "new"]  # journaled before sent
    assert rows(trader, "SELECT side, price, qty FROM orders ORDER BY side") == [
        ("buy", 100.2, 0.9), ("sell", 100.8, 0.9)]
    [(status, pnl, buy_avg, sell_avg)] = rows(
        trader, "SELECT status, realized_profit, buy_avg, sell_avg FROM trades")
    assert status == "filled"
    assert (buy_avg, sell_avg) == (pytest.approx(BUY_VWAP), pytest.approx(SELL_VWAP))
    assert pnl == pytest.approx(0.9 * (SELL_VWAP * (1 - FEE) - BUY_VWAP * (1 + FEE)))
    assert pnl == pytest.approx(opp.walk_profit)
    at_the_touch = 0.9 * (101.0 * (1 - FEE) - 100.0 * (1 + FEE))
    assert pnl < at_the_touch - 0.1  # the second levels cost 0.6 * (0.2 + 0.2)


async def test_a_halt_after_the_take_stops_the_walked_legs_before_they_leave(
        tmp_path: Path) -> None:
    trader, ex = await make(tmp_path, drains_itself=False)  # taken by hand, halted after
    free = {v: ex.ledger.free(v, "USDT") for v in (A, B)}
    opp = walked(opportunity(100.0, 101.0, size=0.3), 0.9, BUY_VWAP, SELL_VWAP, 100.2, 100.8)
    trader.on_episode(episode(1, opp=opp))
    trader.drain()
    trader.halt("kill switch")
    await trader.wait_idle()
    assert [s for s, in rows(trader, "SELECT status FROM orders")] == ["rejected"] * 2
    assert [s for _, s in ex.seen] == ["new", "new"]
    assert rows(trader, "SELECT count(*) FROM fills") == [(0,)]
    assert {v: ex.ledger.free(v, "USDT") for v in (A, B)} == free


async def test_live_mode_disarmed_sends_no_walked_leg(tmp_path: Path) -> None:
    trader, ex = await make(tmp_path, mode="live")
    trader.armed = False
    opp = walked(opportunity(100.0, 101.0, size=0.3), 0.9, BUY_VWAP, SELL_VWAP, 100.2, 100.8)
    trader.on_episode(episode(1, opp=opp))
    await trader.wait_idle()
    assert trader.rejections["not_armed"] == 1
    assert ex.seen == [] and rows(trader, "SELECT count(*) FROM orders") == [(0,)]
