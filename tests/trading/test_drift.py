"""Balance drift on the real trader, ledger and journal (paper venue): a venue whose
balances leave the ledger's expectation opens no trade until the drift is acknowledged or
a later report finds it back within bounds; drifts are told once, recorded, and a report
taken while a trade's fills are on their way is not compared."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from pathlib import Path

import pytest

from arbot.domain import Balance, Side, Venue
from arbot.trading.drift import BalanceSource, DriftGuard, relative_gap
from arbot.trading.driftlog import JournalDrifts
from arbot.trading.ledger import Ledger
from arbot.trading.trader import Trader
from tests.conftest import until
from tests.trading.helpers import (
    SYMBOL,
    A,
    B,
    Books,
    episode,
    inst,
    journal,
    ledger,
    paper,
    quote,
    trading,
)

INSTRUMENTS = {(A, SYMBOL): inst(A), (B, SYMBOL): inst(B)}
REST, STREAM = BalanceSource.REST, BalanceSource.STREAM


class Heard:
    """A drift sink as the alerts would connect it."""

    def __init__(self) -> None:
        self.drifts: list[tuple[Venue, str, float, float]] = []

    def on_balance_drift(self, venue: Venue, asset: str, expected: float, actual: float
                         ) -> None:
        self.drifts.append((venue, asset, expected, actual))


def report(**assets: float) -> dict[str, Balance]:
    return {a: Balance(asset=a, free=v) for a, v in assets.items()}


async def make(tmp_path: Path, latency_ms: float = 0.0) -> Trader:
    books = Books(quote(A, 99.9, 100.0), quote(B, 101.0, 101.1))
    jr = await journal(tmp_path)
    led = ledger()
    trader = Trader(trading(), paper(books, led, latency_ms=latency_ms), jr, led, INSTRUMENTS,
                    books)
    trader.drift.record = JournalDrifts(jr, run_id=7)
    return trader


def drift_rows(trader: Trader) -> list[tuple[object, ...]]:
    with sqlite3.connect(trader.journal.path) as conn:
        return conn.execute("SELECT run_id, venue, asset, expected, actual, source, cleared_by"
                            " FROM balance_drift ORDER BY id").fetchall()


def test_the_gap_is_relative_to_the_larger_number() -> None:
    assert relative_gap(100.0, 99.0) == pytest.approx(0.01)
    assert relative_gap(99.0, 100.0) == pytest.approx(0.01)
    assert relative_gap(0.0, 5.0) == 1.0  # appeared from nothing
    assert relative_gap(0.0, 0.0) == 0.0


def test_within_bounds_nothing_happens_and_out_of_bounds_is_told_once() -> None:
    led = Ledger({A: {"USDT": 10_000.0, "BTC": 1.0}})
    guard = DriftGuard(led, 0.01, lambda v: {"USDT", "BTC"}, lambda v: False)
    heard = Heard()
    guard.sinks.append(heard)
    guard.observe(A, report(USDT=9_950.0, BTC=1.0, DOGE=5.0), REST)  # 0.5 %; DOGE not traded
    assert guard.blocked(A) == "" and guard.open() == {}
    guard.observe(A, report(USDT=9_000.0, BTC=1.0), REST)
    assert "balance drift on binance (USDT)" in guard.blocked(A)
    assert guard.blocked(B) == ""
    guard.observe(A, report(USDT=8_500.0, BTC=1.0), REST)  # still out: not told again
    assert heard.drifts == [(A, "USDT", 10_000.0, 9_000.0)]
    assert guard.open()[A][0].actual == 8_500.0  # the latest numbers are shown


def test_a_complete_report_without_an_asset_means_zero_a_stream_report_means_unknown() -> None:
    led = Ledger({A: {"USDT": 10_000.0, "BTC": 1.0}})
    guard = DriftGuard(led, 0.01, lambda v: {"USDT", "BTC"}, lambda v: False)
    guard.observe(A, report(USDT=10_000.0), STREAM)  # only what changed
    assert guard.open() == {}
    guard.observe(A, report(USDT=10_000.0), REST)  # the whole account: no BTC at all
    assert [d.asset for d in guard.open()[A]] == ["BTC"]


def test_a_report_while_fills_are_on_their_way_is_not_compared() -> None:
    busy = {A}
    guard = DriftGuard(Ledger({A: {"USDT": 10_000.0}}), 0.01, lambda v: {"USDT"},
                       lambda v: v in busy)
    guard.observe(A, report(USDT=5_000.0), REST)
    assert guard.open() == {}
    busy.clear()
    guard.observe(A, report(USDT=5_000.0), REST)
    assert A in guard.open()


def test_acknowledging_moves_the_ledger_by_the_difference_it_did_not_know() -> None:
    led = Ledger({A: {"USDT": 10_000.0}})
    guard = DriftGuard(led, 0.01, lambda v: {"USDT"}, lambda v: False)
    guard.observe(A, report(USDT=9_000.0), REST)
    led.apply_fill(A, "BTC", "USDT", Side.SELL, 0.01, 100.0, 0.0, "")  # a later fill
    assert guard.acknowledge() == [A] and guard.blocked(A) == ""
    assert led.free(A, "USDT") == pytest.approx(9_001.0)
    assert guard.acknowledge(A) == []  # nothing left to acknowledge
    guard.observe(A, report(USDT=9_001.0), REST)
    assert guard.open() == {}


def test_after_a_rebase_the_next_complete_report_is_the_truth() -> None:
    led = Ledger({A: {"USDT": 10_000.0}})
    guard = DriftGuard(led, 0.01, lambda v: {"USDT"}, lambda v: False)
    guard.rebase(A)
    guard.observe(A, report(USDT=9_000.0), STREAM)  # partial: not enough to rebase on
    assert led.free(A, "USDT") == 10_000.0 and guard.open() == {}
    guard.observe(A, report(USDT=9_000.0), REST)
    assert led.free(A, "USDT") == 9_000.0 and guard.open() == {}
    guard.observe(A, report(USDT=9_000.0), REST)
    assert guard.open() == {}


async def test_drift_stops_the_venue_and_acknowledging_lets_it_trade(tmp_path: Path) -> None:
    trader = await make(tmp_path)
    heard = Heard()
    trader.drift.sinks.append(heard)
    trader.drift.observe(B, report(USDT=10_000.0, BTC=0.5), REST)  # half the BTC is gone
    trader.on_episode(episode(1))
    await trader.wait_idle()
    assert trader.trades == 0 and trader.rejections["balance_drift"] == 1
    assert "okx (BTC)" in trader.last_rejection
    assert heard.drifts == [(B, "BTC", 1.0, 0.5)]
    assert trader.drift.acknowledge(B) == [B]
    assert trader.ledger.free(B, "BTC") == 0.5
    trader.on_episode(episode(2))
    await trader.wait_idle()
    assert trader.trades == 1
    assert isinstance(trader.drift.record, JournalDrifts)
    await trader.drift.record.wait()
    assert drift_rows(trader) == [(7, "okx", "BTC", 1.0, 0.5, "rest", "acknowledged")]
    trader.journal.close()


async def test_drift_resolved_by_a_later_report_lets_the_venue_trade(tmp_path: Path) -> None:
    trader = await make(tmp_path)
    trader.drift.observe(A, report(USDT=5_000.0, BTC=1.0), REST)
    trader.on_episode(episode(1))
    await trader.wait_idle()
    assert trader.rejections["balance_drift"] == 1
    trader.drift.observe(A, report(USDT=10_000.0, BTC=1.0), REST)  # the money came back
    trader.on_episode(episode(2))
    await trader.wait_idle()
    assert trader.trades == 1 and trader.ledger.free(A, "USDT") < 10_000.0
    assert isinstance(trader.drift.record, JournalDrifts)
    await trader.drift.record.wait()
    assert drift_rows(trader) == [(7, "binance", "USDT", 10_000.0, 5_000.0, "rest",
                                   "resolved")]
    trader.journal.close()


async def test_a_drift_found_while_the_intent_waited_stops_both_legs(tmp_path: Path) -> None:
    """The journal's thread is busy, so the intent waits for it; meanwhile OKX's balance
    is found drifted (no leg has left, so it is compared). When the intent is written,
    neither leg leaves: both are recorded as not sent."""
    trader = await make(tmp_path)
    gate = threading.Event()
    busy = asyncio.ensure_future(trader.journal.run(gate.wait, 30))
    trader.on_episode(episode(1))
    await trader.wait_taken()
    assert trader.risk.in_flight == {SYMBOL}, trader.last_rejection
    trader.drift.observe(B, report(USDT=10_000.0, BTC=0.2), REST)
    assert trader.drift.blocked(B)
    gate.set()
    await busy
    await trader.wait_idle()
    with sqlite3.connect(trader.journal.path) as conn:
        orders = conn.execute("SELECT status, error FROM orders").fetchall()
    assert len(orders) == 2
    for status, error in orders:
        assert status == "rejected" and error.startswith("not sent: balance drift on okx")
    assert trader.ledger.free(A, "USDT") == 10_000.0  # nothing filled anywhere
    trader.journal.close()


async def test_once_the_legs_left_a_report_is_not_compared_until_the_trade_is_booked(
        tmp_path: Path) -> None:
    """A report taken between the legs leaving and the fills being booked sees a balance
    the ledger cannot know yet: no drift from it."""
    trader = await make(tmp_path, latency_ms=200.0)  # the legs are on their way a while
    trader.on_episode(episode(1))
    await until(lambda: trader.drift.busy(A) and trader.drift.busy(B), "the legs leaving")
    trader.drift.observe(A, report(USDT=1.0, BTC=9.0), REST)
    await trader.wait_idle()
    assert trader.trades == 1 and trader.drift.open() == {}
    assert not trader.drift.busy(A) and not trader.drift.busy(B)
    trader.journal.close()

