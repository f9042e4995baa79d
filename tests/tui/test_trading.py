"""The TUI side of trading, driven by Pilot: trades on the Trades screen, pause and resume,
the kill switch, and arming live mode.

Against the real demo runtime where the trader's behaviour matters (paper trades from the
simulator's dislocations, pause, halt, the refusal to arm in paper mode); against the fake
runtime where a real one cannot go (live mode with keys) or would be slow to set up.
Every wait is on a condition with a deadline, never a fixed sleep.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any, cast

import msgspec
import pytest
from rich.console import Console
from textual.coordinate import Coordinate
from textual.pilot import Pilot
from textual.widgets import DataTable, Static

from arbot.config import CREDENTIAL_ENV
from arbot.config.run import with_endpoints
from arbot.config.trading import TradingSettings
from arbot.domain import OrderReport, OrderRequest, OrderStatus, Side, Venue
from arbot.runtime import Runtime
from arbot.sim import SimConfig, SimServer
from arbot.sim.config import Dislocations
from arbot.storage.db import open_db
from arbot.storage.journal import TradeClose, TradeIntent, TradeJournal
from arbot.tradekinds import LegOutcome, TradeStatus, TradingMode
from arbot.trading.risk import TradingState
from arbot.tui.app import ArbotApp, build_app
from arbot.tui.confirm import ConfirmDialog
from arbot.tui.messages import TradeSettled, TuiSink
from arbot.tui.trades import TradesScreen
from tests.conftest import until
from tests.tui.fakes import (
    SYMBOLS,
    FakeRuntime,
    FakeTrader,
    FrozenEngine,
    frozen_app,
    settings_for,
    trade_outcomes,
)
from tests.tui.test_app import SIZE, cell_text, demo_app, field

TRADING = {"cooldown_s": 0.2, "max_trades_per_minute": 1000}


def pane_text(app: ArbotApp, selector: str) -> str:
    """What a Static shows, as plain text (its content may be a Rich renderable)."""
    console = Console(width=200, record=True, file=io.StringIO(), color_system=None)
    console.print(app.screen.query_one(selector, Static).content)
    return console.export_text()


def notes(app: ArbotApp, severity: str | None = None) -> list[str]:
    return [n.message for n in app._notifications
            if severity is None or n.severity == severity]


async def trades_screen(pilot: Pilot[Any], app: ArbotApp) -> TradesScreen:
    await pilot.press("t")
    await until(lambda: isinstance(app.screen, TradesScreen) and app.screen.ready,
                "the trades screen", pause=pilot.pause)
    return cast(TradesScreen, app.screen)


async def running_trader(pilot: Pilot[Any], app: ArbotApp) -> Any:
    await until(lambda: app.runtime is not None and app.state.trading is not None,
                "the trader's first status", pause=pilot.pause)
    runtime = cast(Runtime, app.runtime)
    assert runtime.trader is not None
    return runtime.trader


def live_app(tmp_path: Path, live_problem: str = "", **sections: dict[str, Any]
             ) -> tuple[ArbotApp, FakeRuntime]:
    trader = FakeTrader(TradingSettings(mode="live", max_open_exposure=250,
                                        daily_loss_limit=20, leg_policy="chase"))
    fake = FakeRuntime(FrozenEngine(), trader=trader, live_problem=live_problem)
    return frozen_app(tmp_path, runtime=fake, trading={"mode": "live"}, **sections), fake


# -- against the simulator ------------------------------------------------------------


async def test_a_paper_trade_shows_with_its_pnl_and_orders(tmp_path: Path) -> None:
    sim = SimConfig(symbols=tuple(SYMBOLS), rate=100, seed=11,
                    dislocations=Dislocations(rate_per_s=3.0, size_bps=45.0, life_s=0.8))
    app = demo_app(tmp_path, sim, filters={"trend": {"enabled": False}}, trading=TRADING)
    async with app.run_test(size=SIZE) as pilot:
        screen = await trades_screen(pilot, app)
        trader = await running_trader(pilot, app)
        table = screen.query_one("#trades", DataTable)
        await until(lambda: table.row_count > 0, "a paper trade", wait_s=60, pause=pilot.pause)
        key = str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)
        outcome = next(o for o in trader.recent if o.trade_id == key)
        assert cell_text(table, key, "pnl") == f"{outcome.settlement.pnl:+.4f}"
        assert cell_text(table, key, "status") == outcome.status
        assert cell_text(table, key, "symbol") == outcome.symbol
        detail = pane_text(app, "#trade-detail")
        assert key in detail and "Purpose" in detail
        for leg in outcome.orders:
            assert leg.request.venue.value in detail
            assert leg.report.status.value in detail
        assert f"PnL {outcome.settlement.pnl:+.4f}" in detail
        await until(lambda: "trades" in pane_text(app, "#trading-status")
                    and "PAPER · RUNNING" in pane_text(app, "#trading-status"), "status",
                    pause=pilot.pause)
        balances = screen.query_one("#balances", DataTable)
        assert balances.row_count > 0 and "USDT" in balances.rows


async def test_space_pauses_and_resumes_trading(tmp_path: Path) -> None:
    app = demo_app(tmp_path, trading=TRADING)
    async with app.run_test(size=SIZE) as pilot:
        await trades_screen(pilot, app)
        trader = await running_trader(pilot, app)
        badge = field(app, "#trading-state")
        assert not badge.display
        await pilot.press("space")
        await until(lambda: trader.state is TradingState.PAUSED, "paused", pause=pilot.pause)
        await until(lambda: badge.display and badge.text == "PAUSED", "PAUSED badge",
                    pause=pilot.pause)
        assert badge.has_class("-paused")
        assert "PAUSED" in pane_text(app, "#trading-status")
        await pilot.press("space")
        await until(lambda: trader.state is TradingState.RUNNING, "running again",
                    pause=pilot.pause)
        await until(lambda: not badge.display, "badge gone", pause=pilot.pause)


async def test_kill_switch_asks_then_halts_and_resuming_asks_too(tmp_path: Path) -> None:
    app = demo_app(tmp_path, trading=TRADING)
    async with app.run_test(size=SIZE) as pilot:
        trader = await running_trader(pilot, app)
        await pilot.press("exclamation_mark")  # from the prices screen: an app-wide key
        await until(lambda: isinstance(app.screen, ConfirmDialog), "the dialog", pause=pilot.pause)
        assert "Halt trading and cancel open orders?" in str(
            app.screen.query_one("#confirm-title", Static).render())
        await pilot.press("n")
        await until(lambda: not isinstance(app.screen, ConfirmDialog), "closed", pause=pilot.pause)
        assert trader.state is TradingState.RUNNING
        await pilot.press("exclamation_mark")
        await until(lambda: isinstance(app.screen, ConfirmDialog), "the dialog", pause=pilot.pause)
        await pilot.press("enter")  # the Halt button has the focus
        await until(lambda: trader.state is TradingState.HALTED, "halted", pause=pilot.pause)
        assert trader.risk.reason == "kill switch (TUI)"
        await until(lambda: field(app, "#trading-state").text == "HALTED", "header",
                    pause=pilot.pause)
        assert field(app, "#trading-state").has_class("-halted")
        # space after a halt asks first; cancelling leaves it halted
        await pilot.press("space")
        await until(lambda: isinstance(app.screen, ConfirmDialog), "resume dialog",
                    pause=pilot.pause)
        await pilot.press("escape")
        await until(lambda: not isinstance(app.screen, ConfirmDialog), "closed", pause=pilot.pause)
        assert trader.state is TradingState.HALTED
        await pilot.press("space")
        await until(lambda: isinstance(app.screen, ConfirmDialog), "resume dialog",
                    pause=pilot.pause)
        await pilot.press("y")
        await until(lambda: trader.state is TradingState.RUNNING, "resumed", pause=pilot.pause)
        await until(lambda: not field(app, "#trading-state").display, "badge gone",
                    pause=pilot.pause)


async def test_arming_in_paper_mode_is_refused_with_the_reason(tmp_path: Path) -> None:
    app = demo_app(tmp_path, trading=TRADING)
    async with app.run_test(size=SIZE) as pilot:
        trader = await running_trader(pilot, app)
        await pilot.press("a")
        await until(lambda: notes(app, "error"), "the refusal", pause=pilot.pause)
        assert any('mode = "live"' in n for n in notes(app, "error"))
        assert not isinstance(app.screen, ConfirmDialog)  # nothing to confirm
        assert not trader.armed and field(app, "#trading-mode").text == "PAPER"


async def test_arming_with_no_keys_is_refused_before_the_dialog_naming_the_variables(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Live mode on the real runtime, not `--demo` (which hands over the simulator's keys):
    the venues are the simulator's, the keys are the environment's, and there are none."""
    names = [n for venue in CREDENTIAL_ENV.values() for n in venue.values()]
    for name in names:
        monkeypatch.delenv(name, raising=False)
    async with SimServer(SimConfig(symbols=tuple(SYMBOLS), rate=50)) as sim:
        settings = with_endpoints(settings_for(tmp_path, trading={"mode": "live"}),
                                  {v: (sim.urls(v).ws_url, sim.urls(v).rest_url)
                                   for v in Venue})
        app = build_app(settings, demo=False)
        async with app.run_test(size=SIZE) as pilot:
            trader = await running_trader(pilot, app)
            await pilot.press("a")
            await until(lambda: notes(app, "error"), "the refusal", pause=pilot.pause)
            assert not isinstance(app.screen, ConfirmDialog)  # no dialog promising orders
            (refusal,) = notes(app, "error")
            assert refusal.startswith("cannot arm live trading: no venue has API keys")
            assert all(name in refusal for name in names), refusal
            await pilot.press("y", "enter")  # nothing to confirm: stays disarmed
            assert not trader.armed and field(app, "#trading-mode").text == "LIVE (disarmed)"


# -- against the fake runtime ---------------------------------------------------------


async def test_arming_live_states_the_limits_and_needs_a_yes(tmp_path: Path) -> None:
    app, fake = live_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await until(lambda: field(app, "#trading-mode").text == "LIVE (disarmed)",
                    "disarmed live badge", pause=pilot.pause)
        assert field(app, "#trading-mode").has_class("-live")
        await pilot.press("a")
        await until(lambda: isinstance(app.screen, ConfirmDialog), "the arm dialog",
                    pause=pilot.pause)
        body = str(app.screen.query_one("#confirm-body", Static).render())
        for limit in ("max_notional", "100", "max_open_exposure", "250", "daily_loss_limit",
                      "20", "max_trades_per_minute", "leg_policy", "chase", "slippage_bps"):
            assert limit in body
        await pilot.press("enter")  # Cancel has the focus: enter alone never arms
        await until(lambda: not isinstance(app.screen, ConfirmDialog), "closed", pause=pilot.pause)
        assert fake.arm_calls == 0 and fake.trader is not None and not fake.trader.armed
        await pilot.press("a")
        await until(lambda: isinstance(app.screen, ConfirmDialog), "the arm dialog",
                    pause=pilot.pause)
        await pilot.press("y")
        await until(lambda: field(app, "#trading-mode").text == "LIVE ARMED", "armed",
                    pause=pilot.pause)
        assert field(app, "#trading-mode").has_class("-armed") and fake.trader.armed
        await pilot.press("A")
        await until(lambda: field(app, "#trading-mode").text == "LIVE (disarmed)",
                    "disarmed again", pause=pilot.pause)
        assert not fake.trader.armed
        # `a` while armed disarms as well, without a dialog
        await pilot.press("a", "y")
        await until(lambda: fake.trader is not None and fake.trader.armed, "armed",
                    pause=pilot.pause)
        await pilot.press("a")
        await until(lambda: fake.trader is not None and not fake.trader.armed,
                    "disarmed by a", pause=pilot.pause)
        assert not isinstance(app.screen, ConfirmDialog)


async def test_a_refused_arm_shows_the_runtime_s_reason(tmp_path: Path) -> None:
    app, _ = live_app(tmp_path, live_problem="BINANCE_API_KEY is not set")
    async with app.run_test(size=SIZE) as pilot:
        await until(lambda: app.state.trading is not None, "the trader", pause=pilot.pause)
        await pilot.press("a", "y")
        await until(lambda: notes(app, "error"), "the refusal", pause=pilot.pause)
        assert notes(app, "error") == ["BINANCE_API_KEY is not set"]
        assert field(app, "#trading-mode").text == "LIVE (disarmed)"
        await trades_screen(pilot, app)
        await until(lambda: "live unavailable: BINANCE_API_KEY is not set"
                    in pane_text(app, "#trading-status"), "the problem on the screen",
                    pause=pilot.pause)


async def test_with_trading_off_the_keys_explain_and_the_screen_says_so(tmp_path: Path
                                                                       ) -> None:
    app = frozen_app(tmp_path, trading={"mode": "off"})
    async with app.run_test(size=SIZE) as pilot:
        await until(lambda: app.state.phase == "running", "running", pause=pilot.pause)
        await pilot.press("space", "exclamation_mark")
        await until(lambda: len(notes(app, "warning")) == 2, "two explanations", pause=pilot.pause)
        assert all("Trading is off" in n for n in notes(app, "warning"))
        assert not isinstance(app.screen, ConfirmDialog)
        await trades_screen(pilot, app)
        assert "Trading is off" in pane_text(app, "#trading-status")
        assert not app.screen.query_one("#trade-bottom").display


async def test_settled_trades_arrive_as_messages_newest_first(tmp_path: Path) -> None:
    posted: list[object] = []
    sink = TuiSink(posted.append)
    outcomes = trade_outcomes()
    sink.on_trade(outcomes[0])
    assert isinstance(posted[0], TradeSettled) and posted[0].outcome is outcomes[0]

    app = frozen_app(tmp_path, runtime=FakeRuntime(FrozenEngine(), trader=FakeTrader()))
    async with app.run_test(size=SIZE) as pilot:
        screen = await trades_screen(pilot, app)
        for outcome in outcomes:
            app.sink.on_trade(outcome)
        table = screen.query_one("#trades", DataTable)
        await until(lambda: table.row_count == 4, "four trades", pause=pilot.pause)
        keys = [table.coordinate_to_cell_key(Coordinate(i, 0)).row_key.value for i in range(4)]
        assert keys == [o.trade_id for o in reversed(outcomes)]
        held = outcomes[2].trade_id
        assert cell_text(table, held, "qty") == "0.0015/0.0005"
        assert cell_text(table, held, "status") == "leg_risk"
        await pilot.press("down", "down")  # the unwound trade: three orders in the detail
        await until(lambda: outcomes[1].trade_id in pane_text(app, "#trade-detail"),
                    "the selected trade", pause=pilot.pause)
        detail = pane_text(app, "#trade-detail")
        assert "unwind" in detail and "rejected (simulated by reject_rate)" in detail
        rejections = pane_text(app, "#rejections")
        assert "cooldown" in rejections and "7" in rejections


async def test_a_trade_held_open_for_a_venue_shows_open_with_why_until_it_settles(
        tmp_path: Path) -> None:
    """A trade waiting for a venue's answer (an order of unknown outcome) is listed as
    open with the reason; when it settles, the same row shows how it ended."""
    settled = trade_outcomes()[0]
    sell = settled.orders[1]
    unknown = msgspec.structs.replace(sell, report=msgspec.structs.replace(
        sell.report, status=OrderStatus.UNKNOWN, filled_qty=0.0))
    why = f"open until the venue answers: outcome unknown: {sell.request.client_id} unknown"
    held = msgspec.structs.replace(settled, orders=[settled.orders[0], unknown],
                                   status=TradeStatus.OPEN, leg_outcome=LegOutcome.HELD,
                                   detail=why)
    app = frozen_app(tmp_path, runtime=FakeRuntime(FrozenEngine(), trader=FakeTrader()))
    async with app.run_test(size=SIZE) as pilot:
        screen = await trades_screen(pilot, app)
        app.sink.on_trade(held)
        table = screen.query_one("#trades", DataTable)
        await until(lambda: table.row_count == 1, "the open trade", pause=pilot.pause)
        key = held.trade_id
        assert (cell_text(table, key, "status"), cell_text(table, key, "legs")) == (
            "open", "held")
        await until(lambda: why in pane_text(app, "#trade-detail"), "why it is open",
                    pause=pilot.pause)
        app.sink.on_trade(settled)
        await until(lambda: cell_text(table, key, "status") == "filled", "the settled trade",
                    pause=pilot.pause)
        assert table.row_count == 1


async def test_recorded_trades_fill_the_table_at_start(tmp_path: Path) -> None:
    db = tmp_path / "arbot.db"
    conn = await open_db(db)
    await conn.close()
    journal = TradeJournal(db)
    buy = OrderRequest(client_id="t1b", venue=Venue.BYBIT, symbol="ETH-USDT",
                       venue_symbol="ETHUSDT", side=Side.BUY, price="3000.5", qty="0.02")
    sell = OrderRequest(client_id="t1s", venue=Venue.OKX, symbol="ETH-USDT",
                        venue_symbol="ETH-USDT", side=Side.SELL, price="3004.2", qty="0.02")
    journal.intent(TradeIntent(trade_id="t1", episode_id="ep1", mode=TradingMode.PAPER, run_id=1,
                               symbol="ETH-USDT", buy=buy, sell=sell, buy_price=3000.5,
                               sell_price=3004.2, expected_profit=0.05,
                               ts_ns=1_714_564_000_000_000_000))
    journal.report(buy, "t1", OrderReport(client_id="t1b", venue_order_id="p1",
                                          status=OrderStatus.FILLED, filled_qty=0.02,
                                          avg_price=3000.5, fee=0.00002,
                                          fee_asset="ETH"), 1_714_564_000_100_000_000)
    journal.report(sell, "t1", OrderReport(client_id="t1s", venue_order_id="p2",
                                           status=OrderStatus.FILLED, filled_qty=0.02,
                                           avg_price=3004.2, fee=0.060084,
                                           fee_asset="USDT"), 1_714_564_000_100_000_000)
    journal.close_trade(TradeClose(trade_id="t1", status=TradeStatus.FILLED,
                                   leg_outcome=LegOutcome.BALANCED, detail="", buy_qty=0.02,
                                   sell_qty=0.02, buy_avg=3000.5, sell_avg=3004.2, fees=0.12,
                                   pnl=-0.046, ts_ns=1_714_564_000_200_000_000))
    journal.close()
    app = frozen_app(tmp_path, runtime=FakeRuntime(FrozenEngine(), trader=FakeTrader()))
    async with app.run_test(size=SIZE) as pilot:
        screen = await trades_screen(pilot, app)
        table = screen.query_one("#trades", DataTable)
        await until(lambda: table.row_count == 1, "the recorded trade", pause=pilot.pause)
        assert cell_text(table, "t1", "pnl") == "-0.0460"
        assert cell_text(table, "t1", "time") == "11:46:40"
        detail = pane_text(app, "#trade-detail")
        assert "recorded" in detail and "bybit" in detail and "0.060084 USDT" in detail
        # the same trade settling live replaces the recorded row, not a twin
        assert app.state.trades["t1"].recorded


async def test_trading_keys_can_be_remapped_and_are_in_the_palette(tmp_path: Path) -> None:
    app, fake = live_app(tmp_path, ui={"keymap": {"kill-switch": "k", "arm-live": "ctrl+l"}})
    async with app.run_test(size=SIZE) as pilot:
        await until(lambda: app.state.trading is not None, "the trader", pause=pilot.pause)
        titles = {c.title for c in app.get_system_commands(app.screen)}
        assert {"Pause/resume", "Kill switch", "Arm live", "Disarm live"} <= titles
        await pilot.press("exclamation_mark")
        await pilot.pause()
        assert not isinstance(app.screen, ConfirmDialog)
        await pilot.press("k")
        await until(lambda: isinstance(app.screen, ConfirmDialog), "kill dialog", pause=pilot.pause)
        body = str(app.screen.query_one("#confirm-body", Static).render())
        assert "space" in body
        await pilot.press("y")
        assert fake.trader is not None
        await until(lambda: fake.trader is not None
                    and fake.trader.calls == ["halt: kill switch (TUI)"], "halted",
                    pause=pilot.pause)
        await pilot.press("ctrl+l")
        await until(lambda: isinstance(app.screen, ConfirmDialog), "arm dialog", pause=pilot.pause)
        assert "halt and cancel everything with k" in str(
            app.screen.query_one("#confirm-body", Static).render()).replace("\n", " ")
        await pilot.press("n")
        await trades_screen(pilot, app)
        await until(lambda: "k kill switch · ^l arm live"
                    in pane_text(app, "#trading-status"), "the keys on the trades screen",
                    pause=pilot.pause)
