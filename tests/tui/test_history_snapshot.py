"""The History screen at 80x24: two recorded runs by day with their total, and the balances
valued in USDT per venue (fake runtime, frozen clocks, a seeded database)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from textual.pilot import Pilot

from arbot.tui.performance import HistoryScreen
from tests.storage.profitrows import seed
from tests.tui.fakes import FakeRuntime, FakeTrader, FrozenEngine, feed_fixed_state, frozen_app
from tests.tui.test_snapshots import TERMINAL, settle


def test_history_snapshot(snap_compare: Any, tmp_path: Path) -> None:
    asyncio.run(seed(tmp_path / "arbot.db"))
    app = frozen_app(tmp_path, runtime=FakeRuntime(FrozenEngine(), trader=FakeTrader()))

    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot, lambda: app.state.phase == "running")
        feed_fixed_state(app)
        await pilot.press("6")
        await settle(pilot, lambda: isinstance(app.screen, HistoryScreen)
                     and app.screen.report is not None and "total" in app.screen._balances)

    assert snap_compare(app, terminal_size=TERMINAL, run_before=run_before)
