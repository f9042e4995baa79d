"""SVG snapshots of the data screens at 80x24, the smallest terminal ArBot supports.

No simulator here: a fake runtime, frozen clocks and fixed quotes, statuses, episodes,
trades and depth books pushed through the app's own sink (the books handed over as the
runtime's depth board), so the pixels are the same on every run. Update
with `pytest tests/tui/test_snapshots.py --snapshot-update` and review the SVGs by eye.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.pilot import Pilot

from arbot.domain import Balance, Venue
from arbot.trading.drift import BalanceSource
from arbot.tui.app import ArbotApp
from arbot.tui.opportunities import OpportunitiesScreen
from arbot.tui.trades import TradesScreen
from tests.tui.depthfakes import depth_board, ladder_event
from tests.tui.fakes import (
    FakeRuntime,
    FakeTrader,
    FrozenEngine,
    feed_fixed_state,
    frozen_app,
    trade_outcomes,
)

TERMINAL = (80, 24)


async def settle(pilot: Pilot[Any], ready: Any) -> None:
    """Wait (bounded) until `ready()`; the screenshot is then taken after a pause."""
    for _ in range(200):
        if ready():
            return
        await pilot.pause(0.02)
    raise AssertionError("the app did not reach the state to snapshot")


def test_prices_snapshot(snap_compare: Any, tmp_path: Path) -> None:
    app = frozen_app(tmp_path)

    async def run_before(pilot: Pilot[Any]) -> None:
        assert isinstance(pilot.app, ArbotApp)
        await settle(pilot, lambda: app.state.phase == "running")
        feed_fixed_state(app)
        await settle(pilot, lambda: app.state.quotes and app.state.episodes)

    assert snap_compare(app, terminal_size=TERMINAL, run_before=run_before)


def test_opportunities_snapshot(snap_compare: Any, tmp_path: Path) -> None:
    app = frozen_app(tmp_path)

    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot, lambda: app.state.phase == "running")
        feed_fixed_state(app)
        await pilot.press("2")
        await settle(pilot, lambda: isinstance(app.screen, OpportunitiesScreen)
                     and app.screen.ready and len(app.state.episodes) == 3)

    assert snap_compare(app, terminal_size=TERMINAL, run_before=run_before)


def test_opportunities_ladder_snapshot(snap_compare: Any, tmp_path: Path) -> None:
    """The newest episode selected: walked three levels into binance's asks and OKX's
    bids on a hand-filled depth board (the third of each partly), the walk's figures
    beside the top of book's, as many levels as 24 lines leave room for."""
    app = frozen_app(tmp_path, runtime=FakeRuntime(FrozenEngine(), depth_board=depth_board()))

    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot, lambda: app.state.phase == "running")
        feed_fixed_state(app)
        app.sink.on_episode(ladder_event())
        app.flush()
        await pilot.press("2")
        await settle(pilot, lambda: isinstance(app.screen, OpportunitiesScreen)
                     and app.screen.ready and len(app.state.episodes) == 4)

    assert snap_compare(app, terminal_size=TERMINAL, run_before=run_before)


def test_trades_snapshot(snap_compare: Any, tmp_path: Path) -> None:
    """Four paper trades (filled, unwound, held uneven, missed), the unwound one selected
    with its three orders and the rejected leg's reason; trading HALTED by the kill
    switch."""
    outcomes = trade_outcomes()
    trader = FakeTrader()
    trader.trades = len(outcomes)
    trader.realized = sum(o.settlement.pnl for o in outcomes)
    app = frozen_app(tmp_path, runtime=FakeRuntime(FrozenEngine(), trader=trader))

    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot, lambda: app.state.phase == "running")
        feed_fixed_state(app)
        for outcome in outcomes:
            app.sink.on_trade(outcome)
        trader.halt("kill switch (TUI)")
        trader.last_rejection = "halted: kill switch (TUI)"
        app.flush()
        await pilot.press("3")
        await settle(pilot, lambda: isinstance(app.screen, TradesScreen) and app.screen.ready
                     and len(app.state.trades) == 4 and app.state.trading is not None
                     and app.state.trading.state == "halted")
        await pilot.press("down", "down")

    assert snap_compare(app, terminal_size=TERMINAL, run_before=run_before)


def test_trades_drift_snapshot(snap_compare: Any, tmp_path: Path) -> None:
    """OKX's USDT and Bybit's BTC off the ledger: the drift line names both, the venues it
    stops and the key that acknowledges it; trading itself keeps RUNNING."""
    trader = FakeTrader()
    app = frozen_app(tmp_path, runtime=FakeRuntime(FrozenEngine(), trader=trader))

    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot, lambda: app.state.phase == "running")
        feed_fixed_state(app)
        trader.drift.observe(Venue.OKX, {"USDT": Balance(asset="USDT", free=9_250.0)},
                             BalanceSource.STREAM)
        trader.drift.observe(Venue.BYBIT, {"BTC": Balance(asset="BTC", free=0.125)},
                             BalanceSource.STREAM)
        app.flush()
        await pilot.press("3")
        await settle(pilot, lambda: isinstance(app.screen, TradesScreen) and app.screen.ready
                     and app.state.trading is not None and len(app.state.trading.drifts) == 2)

    assert snap_compare(app, terminal_size=TERMINAL, run_before=run_before)
