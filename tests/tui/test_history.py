"""The History screen under a pilot: every run's PnL by day, run and pair (`g` cycles), the
keys that open it, and the balances valued in the quote currency per venue."""

from __future__ import annotations

from pathlib import Path

from arbot.tui.performance import HistoryScreen
from tests.conftest import until
from tests.storage.profitrows import seed
from tests.tui.fakes import FakeRuntime, FakeTrader, FrozenEngine, feed_fixed_state, frozen_app

SIZE = (100, 30)


def rows(screen: HistoryScreen) -> list[list[str]]:
    return screen.visible_table()[1]


async def test_history_lists_every_run_by_day_run_and_pair(tmp_path: Path) -> None:
    await seed(tmp_path / "arbot.db")
    app = frozen_app(tmp_path, runtime=FakeRuntime(FrozenEngine(), trader=FakeTrader()))
    async with app.run_test(size=SIZE) as pilot:
        await until(lambda: app.state.phase == "running", pause=pilot.pause)
        await pilot.press("6")
        screen = app.screen
        assert isinstance(screen, HistoryScreen)
        await until(lambda: screen.report is not None, "the report", pause=pilot.pause)
        header, by_day = screen.visible_table()
        assert header[:2] == ["Day (UTC)", "Trades"]
        assert [r[0] for r in by_day] == ["2026-12-04", "2026-12-05", "total"]
        assert by_day[-1][1:5] == ["5", "1", "60%", "+2.75"]
        assert by_day[1][-1] == "both"
        await pilot.press("g")
        await until(lambda: screen.report is not None and screen.report.group == "run",
                    "by run", pause=pilot.pause)
        await pilot.pause()
        assert [r[0] for r in rows(screen)] == ["2026-12-04 22:00 DEMO",
                                                "2026-12-05 09:00", "total"]
        await pilot.press("g")
        await until(lambda: screen.report is not None and screen.report.group == "pair",
                    "by pair", pause=pilot.pause)
        await pilot.pause()
        short = [r[0] for r in rows(screen)][:3]
        assert [r.split(" ")[0] for r in short] == ["BTC-USDT", "BTC-USDT", "ETH-USDT"]
        assert short[0] != short[1] and all(">" in r and len(r) <= 21 for r in short)
        summary = str(screen.query_one("#history-summary").render())
        assert summary.startswith("by pair over every run: 5 trades (1 open), pnl +2.7500")
        assert summary.endswith("g: day/run/pair")


async def test_h_opens_history_and_the_balances_are_valued_per_venue(tmp_path: Path) -> None:
    app = frozen_app(tmp_path, runtime=FakeRuntime(FrozenEngine(), trader=FakeTrader()))
    async with app.run_test(size=SIZE) as pilot:
        await until(lambda: app.state.phase == "running", pause=pilot.pause)
        feed_fixed_state(app)
        await pilot.press("h")
        screen = app.screen
        assert isinstance(screen, HistoryScreen)
        await until(lambda: screen.report is not None and "total" in screen._balances,
                    "the report and the balances", pause=pilot.pause)
        assert rows(screen) == []  # no database yet: an empty history, no error
        text = screen._balances
        # each venue holds 10,000 USDT, 0.1 BTC and 3 ETH at the fixed quotes' mids
        assert text.endswith(" USDT") and text.count("binance ") == 1
        assert "unpriced" not in text


async def test_without_trading_the_balances_say_so(tmp_path: Path) -> None:
    app = frozen_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await until(lambda: app.state.phase == "running", pause=pilot.pause)
        await pilot.press("6")
        screen = app.screen
        assert isinstance(screen, HistoryScreen)
        await until(lambda: screen._balances != "", "the balance line", pause=pilot.pause)
        assert screen._balances == "trading is off: no balances"
