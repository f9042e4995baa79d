"""Sizes on (`z`) at 80x24: every venue and the spreads stay on screen (sizes stacked
under prices); on a wide terminal the sizes sit beside the prices, and a resize moves
them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.pilot import Pilot

from arbot.domain import Venue
from arbot.tui.livetable import LiveTable
from arbot.tui.prices import Layout, PricesScreen
from tests.conftest import until
from tests.tui.fakes import feed_fixed_state, frozen_app
from tests.tui.test_snapshots import TERMINAL, settle


async def test_sizes_stack_at_80_columns_and_sit_beside_when_wide(tmp_path: Path) -> None:
    app = frozen_app(tmp_path)
    async with app.run_test(size=TERMINAL) as pilot:
        await until(lambda: app.state.phase == "running", pause=pilot.pause)
        feed_fixed_state(app)
        screen = app.screen
        assert isinstance(screen, PricesScreen)
        table = screen.query_one("#prices", LiveTable)
        without = table.virtual_size.width
        await pilot.press("z")
        await pilot.pause()
        assert screen.price_layout is Layout.STACKED
        # as wide as without sizes: every venue and the net on screen (Net-T, the
        # transfer-adjusted net, scrolls into view at 80 columns either way)
        assert table.virtual_size.width == without <= TERMINAL[0] + 9
        header, rows = screen.visible_table()
        assert header[1:5] == [v.value for v in Venue] and header[-1].startswith("Net bp")
        cell = rows[0][1].split(" / ")
        assert len(cell) == 4  # bid, its size, ask, its size
        await pilot.resize_terminal(160, 30)
        await until(lambda: screen.price_layout is Layout.BESIDE, "sizes beside prices",
                    pause=pilot.pause)
        await pilot.pause()
        assert len(screen.visible_table()[1][0][1].split(" / ")) == 2


def test_prices_with_sizes_snapshot(snap_compare: Any, tmp_path: Path) -> None:
    app = frozen_app(tmp_path)

    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot, lambda: app.state.phase == "running")
        feed_fixed_state(app)
        await settle(pilot, lambda: app.state.quotes and app.state.episodes)
        await pilot.press("z")

    assert snap_compare(app, terminal_size=TERMINAL, run_before=run_before)
