"""The terminal UI driven by Pilot: against the real runtime and the in-process simulator
where data matters, against a frozen fake runtime where only the app's own behaviour does.

Every wait is on a condition with a generous deadline, never a fixed sleep.
"""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path
from typing import Any, cast

import pytest
from rich.text import Text
from textual.content import Content
from textual.coordinate import Coordinate
from textual.widgets import DataTable, HelpPanel, Input, Switch

from arbot.domain import Venue
from arbot.runtime import Runtime
from arbot.sim import SimConfig
from arbot.sim.config import Dislocations
from arbot.storage.db import DatabaseError, open_db
from arbot.storage.recorder import Recorder
from arbot.storage.writer import Writer
from arbot.tui.app import ArbotApp, build_app
from arbot.tui.confirm import ConfirmDialog
from arbot.tui.opportunities import OpportunitiesScreen
from arbot.tui.prices import PricesScreen
from arbot.tui.trades import TradesScreen
from arbot.tui.widgets import Field, LogPanel
from tests.conftest import until
from tests.tui.fakes import (
    SYMBOLS,
    FakeRuntime,
    FakeTrader,
    FrozenEngine,
    episode_events,
    feed_fixed_state,
    frozen_app,
    settings_for,
)

SIZE = (100, 30)


def demo_app(tmp_path: Path, sim: SimConfig | None = None, **sections: dict[str, Any]
             ) -> ArbotApp:
    """The real app on the real runtime against the simulator, built as `arbot --demo`."""
    return build_app(settings_for(tmp_path, **sections), demo=True,
                     sim_config=sim or SimConfig(symbols=tuple(SYMBOLS), rate=100))


def cell_text(table: DataTable[Any], row: str, column: str) -> str:
    value = table.get_cell(row, column)
    return value.plain if isinstance(value, Text) else str(value)


def field(app: ArbotApp, selector: str) -> Field:
    return app.screen.query_one(selector, Field)


# -- screens and keys ------------------------------------------------------------------


async def test_each_key_switches_screen(tmp_path: Path) -> None:
    app = frozen_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        assert app.current_mode == "prices" and isinstance(app.screen, PricesScreen)
        for key, mode, screen in (("2", "opportunities", OpportunitiesScreen),
                                  ("3", "trades", TradesScreen), ("1", "prices", PricesScreen),
                                  ("o", "opportunities", OpportunitiesScreen),
                                  ("t", "trades", TradesScreen), ("p", "prices", PricesScreen)):
            await pilot.press(key)
            await until(lambda m=mode: app.current_mode == m, f"mode {mode}", pause=pilot.pause)
            assert isinstance(app.screen, screen)
        # Settings last: the form focuses an input, which takes letters and digits;
        # escape leads back out.
        for key in ("4", "s"):
            await pilot.press(key)
            await until(lambda: app.current_mode == "settings", "settings mode", pause=pilot.pause)
            await pilot.press("escape")
            await until(lambda: app.current_mode == "prices", "back to prices", pause=pilot.pause)


async def test_trades_screen_has_the_trade_columns_and_says_when_nothing_traded(
        tmp_path: Path) -> None:
    app = frozen_app(tmp_path, runtime=FakeRuntime(FrozenEngine(), trader=FakeTrader()))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("t")
        await until(lambda: isinstance(app.screen, TradesScreen), "trades screen",
                    pause=pilot.pause)
        await pilot.pause()
        table = app.screen.query_one("#trades", DataTable)
        assert [c.label.plain for c in table.columns.values()] == [
            "Time", "Symbol", "Route", "PnL", "Status", "Qty", "Buy avg", "Sell avg", "Fees",
            "Legs"]
        assert table.row_count == 0
        assert "No trade yet" in str(app.screen.query_one("#trade-detail").render())


async def test_every_binding_has_an_id_and_is_in_the_command_palette(tmp_path: Path) -> None:
    app = frozen_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        ours = [b for b in app.BINDINGS + PricesScreen.BINDINGS + ConfirmDialog.BINDINGS
                if not isinstance(b, tuple)]
        assert all(b.id and b.description and b.tooltip for b in ours)  # type: ignore[union-attr]
        titles = {c.title for c in app.get_system_commands(app.screen)}
        assert {"Prices", "Opportunities", "Trades", "Settings", "Log", "Keys", "Export",
                "Quit", "Sizes", "Pause/resume", "Kill switch", "Arm live",
                "Disarm live"} <= titles


async def test_the_palette_shows_each_commands_key_letters_too(tmp_path: Path) -> None:
    app = frozen_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        helps = {c.title: Content.from_markup(c.help).plain
                 for c in app.get_system_commands(app.screen)}
        assert helps["Log"].endswith("[l]")
        assert helps["Export"].endswith("[e]")
        assert helps["Disarm live"].endswith("[A]")
        assert helps["History"].endswith("[6]")


async def test_keymap_from_settings_rebinds_keys(tmp_path: Path) -> None:
    app = frozen_app(tmp_path, ui={"keymap": {"log": "g", "help": "h"}})
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("g")
        await until(lambda: app.has_class("-show-log"), "log shown by the new key",
                    pause=pilot.pause)
        await pilot.press("h")
        await until(lambda: bool(app.screen.query(HelpPanel)), "help panel", pause=pilot.pause)


async def test_question_mark_toggles_the_keys_panel(tmp_path: Path) -> None:
    app = frozen_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("question_mark")
        await until(lambda: bool(app.screen.query(HelpPanel)), "help panel shown",
                    pause=pilot.pause)
        await pilot.press("question_mark")
        await until(lambda: not app.screen.query(HelpPanel), "help panel hidden", pause=pilot.pause)


async def test_sizes_toggle_adds_sizes_to_price_cells(tmp_path: Path) -> None:
    app = frozen_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        feed_fixed_state(app)
        table = app.screen.query_one("#prices", DataTable)
        await until(lambda: "64001.6" in cell_text(table, "BTC-USDT", "binance"),
                    "prices", pause=pilot.pause)
        assert cell_text(table, "BTC-USDT", "binance") == "64001.5\n64001.6"
        await pilot.press("z")
        # too narrow for sizes beside prices: each under its price (tests/tui/test_prices_sizes)
        await until(lambda: "\n0.5" in cell_text(table, "BTC-USDT", "binance"), "sizes",
                    pause=pilot.pause)
        assert cell_text(table, "BTC-USDT", "binance") == "64001.5\n0.5\n64001.6\n0.65"


async def test_a_failing_task_is_reported_and_the_rest_keeps_running(tmp_path: Path) -> None:
    async def broken() -> None:
        raise RuntimeError("venue exploded")

    async def steady() -> None:
        await asyncio.Event().wait()

    fake = FakeRuntime(FrozenEngine())
    fake.coroutines = lambda: {"feed-okx-0": broken(), "engine-clock": steady()}  # type: ignore[method-assign]
    app = frozen_app(tmp_path, runtime=fake)
    async with app.run_test(size=SIZE) as pilot:
        await until(lambda: any("venue exploded" in n.message
                                       for n in app._notifications), "a notification",
                    pause=pilot.pause)
        workers = {w.name: w for w in app.workers}
        assert workers["engine-clock"].is_running
        assert any("feed-okx-0 failed" in line.text for line in app.log_backlog)
        await pilot.press("q")
        await until(lambda: app.return_code is not None, "exit", pause=pilot.pause)
    assert fake.exited and app.return_code == 0


async def test_opportunities_start_from_recorded_episodes_newest_first(tmp_path: Path) -> None:
    conn = await open_db(tmp_path / "arbot.db")
    writer = Writer(conn, flush_ms=10)
    await writer.start()
    recorder = Recorder(writer, "off", 1000, run_id=1)
    recorder.start_run(1, True, {})
    events = episode_events()
    for event in events:
        recorder.on_episode(event)
    await writer.close()
    await conn.close()
    app = frozen_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("o")
        await until(lambda: isinstance(app.screen, OpportunitiesScreen), "opportunities",
                    pause=pilot.pause)
        table = app.screen.query_one("#episodes", DataTable)
        await until(lambda: table.row_count == 3, "the recorded episodes", pause=pilot.pause)
        newest_first = sorted({e.episode.id: e.episode.opened_ns for e in events}.items(),
                              key=lambda item: -item[1])
        assert [table.coordinate_to_cell_key(Coordinate(i, 0)).row_key.value
                for i in range(3)] == [eid for eid, _ in newest_first]
        assert "buy binance -> sell okx" in str(
            app.screen.query_one("#episode-detail").render())
        assert app.screen.query_one("#episode-selected").border_title == "selected: open"
        # A live event for a recorded episode updates its row rather than adding a twin.
        app.sink.on_episode(events[-1])
        await pilot.pause()
        assert table.row_count == 3


@pytest.mark.parametrize(("mode", "text"), [("live", "LIVE (disarmed)"), ("off", "OFF")])
async def test_header_shows_the_trading_mode(tmp_path: Path, mode: str, text: str) -> None:
    app = frozen_app(tmp_path, trading={"mode": mode})
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        badge = field(app, "#trading-mode")
        assert badge.text == text and badge.has_class(f"-{mode}")


async def test_a_runtime_that_cannot_start_is_reported_and_q_exits_with_1(tmp_path: Path
                                                                         ) -> None:
    class LockedRuntime(FakeRuntime):
        async def __aenter__(self) -> FakeRuntime:
            raise DatabaseError("database arbot.db is locked by another process",
                                kind="locked")

    app = frozen_app(tmp_path, runtime=LockedRuntime())
    async with app.run_test(size=SIZE) as pilot:
        await until(lambda: field(app, "#heartbeat").text == "engine failed",
                    "the failure in the header", pause=pilot.pause)
        assert any("locked by another process" in n.message for n in app._notifications)
        await pilot.press("q")
        await until(lambda: app.return_code is not None, "exit", pause=pilot.pause)
    assert app.return_code == 1


# -- against the simulator ------------------------------------------------------------


async def test_prices_fill_from_the_simulator_and_header_says_demo_paper(tmp_path: Path) -> None:
    app = demo_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        assert field(app, "#demo").text == "DEMO"
        assert field(app, "#trading-mode").text == "PAPER"
        table = app.screen.query_one("#prices", DataTable)

        def filled() -> bool:
            return all(any(ch.isdigit() for ch in cell_text(table, s, v.value))
                       for s in SYMBOLS for v in Venue)

        # A venue's prices show as soon as it quotes; the spreads once the engine counts it
        # live, which can be a refresh later.
        await until(filled, "every venue's prices for every symbol", pause=pilot.pause)
        await until(lambda: all(cell_text(table, s, "net") != "-" for s in SYMBOLS),
                    "a net spread for every symbol", pause=pilot.pause)
        for symbol in SYMBOLS:
            bid, ask = cell_text(table, symbol, "binance").split("\n")
            assert float(bid) < float(ask)
        status = app.screen.query_one("#venue-status", DataTable)
        await until(lambda: all(cell_text(status, v.value, "state") == "live"
                                       for v in Venue), "every venue live in the status strip",
                    pause=pilot.pause)
        await until(lambda: field(app, "#heartbeat").text.startswith("engine ok"),
                    "heartbeat", pause=pilot.pause)


async def test_an_opportunity_appears_with_its_detail_and_the_funnel(tmp_path: Path) -> None:
    sim = SimConfig(symbols=tuple(SYMBOLS), rate=100, seed=11,
                    dislocations=Dislocations(rate_per_s=3.0, size_bps=45.0, life_s=0.8))
    app = demo_app(tmp_path, sim, filters={"trend": {"enabled": False}})
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("o")
        await until(lambda: isinstance(app.screen, OpportunitiesScreen), "opportunities",
                    pause=pilot.pause)
        table = app.screen.query_one("#episodes", DataTable)
        await until(lambda: table.row_count > 0, "an opportunity episode", pause=pilot.pause)
        detail = str(app.screen.query_one("#episode-detail").render())
        assert "fee" in detail and "age" in detail
        figures = str(app.screen.query_one("#episode-figures").render())
        assert "size" in figures and "net" in figures and "walked" in figures
        # The runtime keeps no book at depth 1 (the default): the ladder says so.
        assert "depth 1" in str(app.screen.query_one("#episode-ladder").render())
        funnel = str(app.screen.query_one("#funnel").render())
        assert "crossed" in funnel and "passed" in funnel


async def test_heartbeat_turns_red_when_the_engine_stalls(tmp_path: Path) -> None:
    app = demo_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        beat = field(app, "#heartbeat")
        await until(lambda: beat.has_class("-ok"), "a beating heart", pause=pilot.pause)
        for worker in app.workers:
            if worker.name.startswith("feed-"):
                worker.cancel()  # no more market data: the engine's own sweep still ticks
        await pilot.pause(2.5)
        assert beat.has_class("-ok"), "no market data is not a stuck engine"
        for worker in app.workers:
            if worker.name == "engine-clock":
                worker.cancel()  # now nothing moves the engine at all
        await until(lambda: beat.has_class("-stalled"), "the stall", wait_s=10, pause=pilot.pause)
        assert "STALLED" in beat.text


async def test_l_toggles_the_log_panel_showing_runtime_warnings(tmp_path: Path) -> None:
    sim = SimConfig(symbols=("BTC-USDT",), rate=100)
    app = demo_app(tmp_path, sim, market={"symbols": ["BTC-USDT", "FOO-USDT"]})
    async with app.run_test(size=SIZE) as pilot:
        panel = app.screen.query_one(LogPanel)
        assert not panel.display
        await pilot.press("l")
        await until(lambda: panel.display, "log panel shown", pause=pilot.pause)
        await until(lambda: any("does not list FOO-USDT" in "".join(s.text for s in line)
                                       for line in panel.lines), "the runtime's warning",
                    pause=pilot.pause)
        await pilot.press("o")  # the same log on another screen
        await until(lambda: isinstance(app.screen, OpportunitiesScreen), "switch",
                    pause=pilot.pause)
        assert app.screen.query_one(LogPanel).display
        await pilot.press("l")
        await until(lambda: not app.screen.query_one(LogPanel).display, "log hidden",
                    pause=pilot.pause)


async def test_q_quits_with_the_database_flushed(tmp_path: Path) -> None:
    app = demo_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await until(lambda: app.runtime is not None, "the runtime", pause=pilot.pause)
        runtime = cast(Runtime, app.runtime)
        writer = runtime.writer
        assert writer is not None
        await until(lambda: writer.stats.rows_written.get("quotes", 0) > 100, "recording",
                    pause=pilot.pause)
        await pilot.press("q")
        await until(lambda: app.return_code is not None, "the app to exit", pause=pilot.pause)
    assert app.return_code == 0
    written = writer.stats.rows_written
    with sqlite3.connect(tmp_path / "arbot.db") as conn:
        assert conn.execute("SELECT count(*) FROM quotes").fetchone()[0] == written["quotes"]
        assert (conn.execute("SELECT count(*) FROM feed_events").fetchone()[0]
                == written["feed_events"])
        assert conn.execute("SELECT ended_ns FROM runs").fetchone()[0] is not None
    assert writer.stats.quotes_thinned == 0


async def test_saved_settings_apply_to_the_running_engine_and_feeds(tmp_path: Path) -> None:
    config = tmp_path / "arbot.toml"
    settings = settings_for(tmp_path)
    symbols = ", ".join(f'"{s}"' for s in SYMBOLS)
    config.write_text(f'[market]\nsymbols = [{symbols}]\n[storage]\n'
                      f'path = "{tmp_path / "arbot.db"}"\nflush_ms = 50\n[ui]\nrefresh_ms = 100\n',
                      encoding="utf-8")
    app = build_app(settings, demo=True, config_path=config,
                    sim_config=SimConfig(symbols=tuple(SYMBOLS), rate=100))
    async with app.run_test(size=SIZE) as pilot:
        await until(lambda: app.runtime is not None, "the runtime", pause=pilot.pause)
        runtime = cast(Runtime, app.runtime)
        prices = app.screen
        assert isinstance(prices, PricesScreen)
        table = prices.query_one("#prices", DataTable)
        await until(lambda: cell_text(table, SYMBOLS[0], "okx") not in ("", "-"),
                    "okx quoting", pause=pilot.pause)
        await pilot.press("s")
        await until(lambda: app.screen.query("#field-strategy--min_net_profit_bps"),
                    "the settings form", pause=pilot.pause)
        app.screen.query_one("#field-strategy--min_net_profit_bps", Input).value = "9"
        app.screen.query_one("#field-exchanges--okx--enabled", Switch).value = False
        await pilot.press("ctrl+s")
        await until(lambda: runtime.engine is not None and runtime.engine.min_bps == 9,
                    "the engine's new threshold", pause=pilot.pause)
        assert "min_net_profit_bps = 9" in config.read_text(encoding="utf-8")
        await until(lambda: runtime.venue_feeds[Venue.OKX].feeds == [], "okx stopped",
                    pause=pilot.pause)
        assert all(runtime.venue_feeds[v].restarts == 0 for v in Venue if v is not Venue.OKX)
        await pilot.press("escape")  # letters type into the form
        status = prices.query_one("#venue-status", DataTable)
        await until(lambda: cell_text(status, "okx", "state") == "disabled",
                    "okx shown as disabled", pause=pilot.pause)
        assert cell_text(status, "binance", "state") == "live"
