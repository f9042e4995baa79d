"""The PnL chart's line stops at the end of one recorded run and starts again at the next,
rather than drawing across the time nothing ran."""

from __future__ import annotations

import math

from arbot.backtest.output import pnl_line, run_segments


def test_a_break_between_two_runs_is_a_gap_in_the_line() -> None:
    xs, ys = pnl_line([10, 20, 100, 110], [1.0, 2.0, -1.0, 0.5], breaks=[5, 50])
    assert xs.tolist() == [10, 10, 20, 50, 50, 100, 110]
    assert [y if not math.isnan(y) else None for y in ys.tolist()] == [
        0.0, 1.0, 3.0, None, 3.0, 2.0, 2.5]


def test_no_trades_and_no_breaks() -> None:
    xs, ys = pnl_line([], [], breaks=[5])
    assert xs.size == ys.size == 0
    xs, ys = pnl_line([10, 20], [1.0, 1.0], breaks=[])
    assert ys.tolist() == [0.0, 1.0, 2.0]


def test_segments_are_read_from_the_summary_whatever_it_holds() -> None:
    assert run_segments({"segments": [{"start_ns": 5}, "x"]}) == [{"start_ns": 5}]
    assert run_segments({}) == [] and run_segments({"segments": "x"}) == []
