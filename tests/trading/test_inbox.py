"""The trader's inbox on a real journal and the real paper venue: the hand-over on the tick
path only queues; what is taken later is refused with a counted reason when it can no
longer be traded; HALT and arming are asked again right before each order leaves, and
every order is journaled before it does."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

from arbot.domain import EpisodeEvent, EpisodeKind
from arbot.trading.inbox import SIZE, STALE_NS
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
    paper,
    quote,
    trading,
)

INSTRUMENTS = {(A, SYMBOL): inst(A), (B, SYMBOL): inst(B)}


class Clock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.ns = 1_000_000_000

    def __call__(self) -> int:
        return self.ns


async def make(tmp_path: Path, *, drains_itself: bool = True, clock: Clock | None = None,
               **settings: object) -> tuple[Trader, SeesTheJournal]:
    books = Books(quote(A, 99.9, 100.0), quote(B, 101.0, 101.1))
    jr = await journal(tmp_path)
    ex = SeesTheJournal(jr.path, paper(books, ledger()))
    trader = Trader(trading(**settings), ex, jr, ex.ledger, INSTRUMENTS, books,
                    mono_ns=clock or Clock(), drains_itself=drains_itself)
    return trader, ex


def orders(trader: Trader) -> list[tuple[str, str]]:
    with sqlite3.connect(trader.journal.path) as conn:
        return conn.execute("SELECT status, error FROM orders ORDER BY client_order_id"
                            ).fetchall()


async def test_the_hand_over_only_queues_and_the_loop_turn_trades(tmp_path: Path) -> None:
    trader, ex = await make(tmp_path)
    trader.on_episode(episode(1))
    assert len(trader.inbox) == 1 and trader.risk.in_flight == set() and orders(trader) == []
    await trader.wait_idle()
    assert trader.trades == 1 and trader.rejections == {}
    assert [status for _, status in ex.seen] == ["new", "new"]  # journaled before sent


async def test_the_inbox_is_bounded_and_counts_what_it_drops(tmp_path: Path) -> None:
    trader, _ = await make(tmp_path)
    trader.pause()  # whatever is taken is refused: only the inbox is under test
    for n in range(SIZE + 3):
        trader.on_episode(episode(n))
    assert len(trader.inbox) == SIZE and trader.rejections["queue_full"] == 3
    assert f"{SIZE} episodes were already waiting" in trader.last_rejection
    await trader.wait_idle()
    assert trader.rejections["paused"] == SIZE and len(trader.inbox) == 0


async def test_an_episode_that_closed_while_it_waited_is_stale(tmp_path: Path) -> None:
    trader, ex = await make(tmp_path)
    opened = episode(1)
    trader.on_episode(opened)
    trader.on_episode(EpisodeEvent(kind=EpisodeKind.CLOSE, episode=opened.episode))
    trader.on_episode(episode(2))
    await trader.wait_idle()
    assert trader.rejections["stale"] == 1 and trader.trades == 1
    assert "closed before the trader took it" in trader.last_rejection
    assert len(ex.seen) == 2  # ep2's legs only


async def test_an_episode_that_waited_too_long_is_refused(tmp_path: Path) -> None:
    clock = Clock()
    trader, ex = await make(tmp_path, clock=clock)
    trader.on_episode(episode(1))
    clock.ns += STALE_NS + 1
    await trader.wait_idle()
    assert trader.rejections["queue_stale"] == 1 and ex.seen == []
    assert "waited 250 ms for the trader (limit 250 ms)" in trader.last_rejection


async def test_what_waits_when_the_trader_stops_is_refused_and_so_is_what_comes_later(
        tmp_path: Path) -> None:
    trader, ex = await make(tmp_path)
    trader.on_episode(episode(1))
    trader.stop()
    trader.on_episode(episode(2))
    await trader.wait_idle()
    assert trader.rejections["stopped"] == 1 and trader.rejections["closed"] == 1
    assert "arrived after the trader stopped" in trader.last_rejection
    assert ex.seen == [] and orders(trader) == []


async def test_a_halt_between_hand_over_and_take_sends_nothing(tmp_path: Path) -> None:
    trader, ex = await make(tmp_path)
    trader.on_episode(episode(1))
    trader.halt("kill switch")
    await trader.wait_idle()
    assert trader.rejections["halted"] == 1 and ex.seen == [] and orders(trader) == []


async def test_a_halt_after_the_take_stops_both_legs_right_before_they_leave(
        tmp_path: Path) -> None:
    """The intent is journaled when the episode is taken; the halt comes before the legs'
    tasks run: each leg asks again as it leaves, and neither reaches the venue."""
    trader, ex = await make(tmp_path, drains_itself=False)
    free = {v: ex.ledger.free(v, "USDT") for v in (A, B)}
    trader.on_episode(episode(1))
    trader.drain()
    assert trader.risk.in_flight == {SYMBOL}
    trader.halt("kill switch")
    await trader.wait_idle()
    assert [s for s, _ in orders(trader)] == ["rejected", "rejected"]
    assert [s for _, s in ex.seen] == ["new", "new"]  # journaled, then refused as it left
    with sqlite3.connect(trader.journal.path) as conn:
        assert conn.execute("SELECT count(*) FROM fills").fetchone() == (0,)
    assert {v: ex.ledger.free(v, "USDT") for v in (A, B)} == free


async def test_arming_is_asked_at_the_take_and_again_right_before_each_leg_leaves(
        tmp_path: Path) -> None:
    trader, _ = await make(tmp_path, drains_itself=False, mode="live")
    trader.armed = True
    trader.on_episode(episode(1))
    trader.armed = False  # disarmed while it waited
    trader.drain()
    assert trader.rejections["not_armed"] == 1 and orders(trader) == []

    trader.armed = True
    trader.on_episode(episode(2))
    trader.drain()  # taken armed: the intent is journaled, the legs are on their way
    trader.armed = False
    await trader.wait_idle()
    assert [(s, "live trading is not armed" in e) for s, e in orders(trader)] == [
        ("rejected", True)] * 2
    assert trader.ledger.free(A, "USDT") == ledger().free(A, "USDT")


async def test_a_backtest_trader_waits_for_its_owner_to_drain(tmp_path: Path) -> None:
    trader, ex = await make(tmp_path, drains_itself=False)
    trader.on_episode(episode(1))
    await asyncio.sleep(0.01)  # loop turns pass: nothing takes it
    assert len(trader.inbox) == 1 and ex.seen == []
    trader.drain()
    await trader.wait_idle()
    assert trader.trades == 1 and [s for _, s in ex.seen] == ["new", "new"]


async def test_the_cooldown_is_measured_at_the_hand_over_not_at_the_loop_turn(
        tmp_path: Path) -> None:
    """An episode handed over just before the symbol's cool-down ended is refused even if
    the loop takes it just after: the replay, acting at the quote's receive time, refuses
    it too, so a busy loop does not make a live trade a backtest cannot."""
    clock = Clock()
    trader, ex = await make(tmp_path, clock=clock, cooldown_s=0.2)
    trader.on_episode(episode(1))
    await trader.wait_idle()
    assert trader.trades == 1
    clock.ns += 200_000_000 - 1_000
    trader.on_episode(episode(2))
    clock.ns += 2_000  # the loop's turn comes after the cool-down ended
    await trader.wait_idle()
    assert trader.trades == 1 and trader.rejections["cooldown"] == 1
    clock.ns += 1_000
    trader.on_episode(episode(3))  # handed over after it ended: traded
    await trader.wait_idle()
    assert trader.trades == 2 and len(ex.seen) == 4
