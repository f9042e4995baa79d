"""The Opportunities table's columns: Life (not Age), the opening time, and prices at the
symbol's decimals as its venues quote it."""

from __future__ import annotations

from pathlib import Path

from arbot.tui.opportunities import OpportunitiesScreen
from arbot.tui.tradetext import clock
from tests.conftest import until
from tests.tui.fakes import WALL_NS, feed_fixed_state, frozen_app

SIZE = (140, 30)


async def test_life_opened_and_prices_at_the_symbols_decimals(tmp_path: Path) -> None:
    app = frozen_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await until(lambda: app.state.phase == "running", pause=pilot.pause)
        feed_fixed_state(app)
        await pilot.press("2")
        screen = app.screen
        assert isinstance(screen, OpportunitiesScreen)
        await until(lambda: screen.ready and len(screen.visible_table()[1]) == 3,
                    "three episodes", pause=pilot.pause)
        header, rows = screen.visible_table()
        assert "Age" not in header and header[6] == "Life" and header[-1] == "Opened"
        eth = next(r for r in rows if r[0] == "ETH-USDT")
        # 2990.0 and 2997.0 beside the venues' 2990.1 and 2997.2: two decimals each
        assert eth[1].endswith(" 2990.10") and eth[2].endswith(" 2997.00")
        assert eth[-1] == clock(WALL_NS - 5000 * 1_000_000)
        assert eth[7] == "trend"
