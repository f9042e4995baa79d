"""The latest refusal says when it happened: its reason's own figures ("traded 0.40 s
ago") are as of that moment and would otherwise read as frozen."""

from __future__ import annotations

from arbot.tradekinds import TradingMode
from arbot.trading.risk import TradingState
from arbot.tui.state import RunPhase
from arbot.tui.tradedata import TradingStatus
from arbot.tui.tradetext import status_lines
from tests.tui.fakes import WALL_NS


def status(ns: int | None = None) -> TradingStatus:
    return TradingStatus(TradingMode.PAPER, TradingState.RUNNING, "", False, 1, 0.0, 0.0, 100.0,
                         last_rejection="BTC-USDT traded 0.40 s ago", last_rejection_ns=ns)


def test_the_refusal_carries_its_clock_time() -> None:
    text = status_lines(status(WALL_NS + 3_500_000_000), TradingMode.PAPER,
                        RunPhase.RUNNING)
    assert "last refused at 12:00:03: BTC-USDT traded 0.40 s ago" in text


def test_without_a_time_it_reads_as_before() -> None:
    text = status_lines(status(), TradingMode.PAPER, RunPhase.RUNNING)
    assert "last refused: BTC-USDT traded 0.40 s ago" in text
