"""What a refresh tick costs, as behaviour: only changed cells are written, rows out of
view and screens not on show are left alone until they are seen, and the app's garbage
collector settings last only as long as the app. (bench/tui.py measures the time.)"""

from __future__ import annotations

import gc
from pathlib import Path

from rich.text import Text
from textual.app import App, ComposeResult

from arbot.domain import Venue
from arbot.tui.heap import THRESHOLD0
from arbot.tui.livetable import LiveTable
from arbot.tui.opportunities import OpportunitiesScreen
from arbot.tui.prices import PricesScreen
from tests.conftest import until
from tests.tui.fakes import FakeRuntime, frozen_app, quote
from tests.tui.test_app import SIZE, cell_text


class OneTable(App[None]):
    def compose(self) -> ComposeResult:
        yield LiveTable(id="t")

    def on_mount(self) -> None:
        table = self.query_one(LiveTable)
        table.add_column("a", key="a")
        table.add_column("b", key="b")
        table.add_row(Text("1"), Text("2"), key="r1")
        table.add_row(Text("3"), Text("4"), key="r2")


async def test_the_live_table_writes_only_cells_that_changed() -> None:
    app = OneTable()
    async with app.run_test() as pilot:
        await pilot.pause()
        table = app.query_one(LiveTable)
        a, b = "a", "b"
        kept = table.get_cell("r1", b)
        assert not table.put("r1", a, Text("1"))  # the same text: nothing written
        assert table.flush() == 0
        assert table.put("r1", a, Text("9"))
        assert table.writes == 1 and table.flush() == 1
        assert cell_text(table, "r1", a) == "9"
        assert table.get_cell("r1", b) is kept  # its neighbour untouched
        assert cell_text(table, "r2", a) == "3"


async def test_the_prices_screen_writes_only_what_a_tick_changed(tmp_path: Path) -> None:
    app = frozen_app(tmp_path, runtime=FakeRuntime(engine=None))
    async with app.run_test(size=SIZE) as pilot:
        app.sink.on_quote(quote(Venue.BINANCE, "BTC-USDT", 64001.5, 64001.6))
        app.sink.on_quote(quote(Venue.OKX, "BTC-USDT", 64003.1, 64003.4))
        app.flush()
        table = app.screen.query_one("#prices", LiveTable)
        await until(lambda: "64003.4" in cell_text(table, "BTC-USDT", "okx"), "okx's quote",
                    pause=pilot.pause)
        writes, okx = table.writes, table.get_cell("BTC-USDT", "okx")
        app.sink.on_quote(quote(Venue.BINANCE, "BTC-USDT", 64001.7, 64001.8))
        app.flush()
        await until(lambda: "64001.8" in cell_text(table, "BTC-USDT", "binance"),
                    "binance's new quote", pause=pilot.pause)
        assert table.writes == writes + 1
        assert table.get_cell("BTC-USDT", "okx") is okx
        # and the screen shows it: no stale rendering kept (lines 0 and 1 are the header,
        # the first row is bid over ask on lines 2 and 3)
        assert "64001.8" in "".join(segment.text for segment in table.render_line(3))


async def test_rows_out_of_view_are_filled_only_when_they_come_into_view(
        tmp_path: Path) -> None:
    symbols = [f"S{i:02d}-USDT" for i in range(40)]
    app = frozen_app(tmp_path, runtime=FakeRuntime(engine=None), market={"symbols": symbols})
    async with app.run_test(size=SIZE) as pilot:
        for symbol in symbols:
            app.sink.on_quote(quote(Venue.BINANCE, symbol, 10.0, 10.1))
        app.flush()
        table = app.screen.query_one("#prices", LiveTable)
        first, last = symbols[0], symbols[-1]
        await until(lambda: "10.1" in cell_text(table, first, "binance"), "the first row",
                    pause=pilot.pause)
        assert first in table.rows_in_view() and last not in table.rows_in_view()
        assert cell_text(table, last, "binance") == ""  # never drawn: out of view
        screen = app.screen
        assert isinstance(screen, PricesScreen)
        _, rows = screen.visible_table()  # an export brings every row up to date
        assert all("10.1" in row[1] for row in rows)
        app.sink.on_quote(quote(Venue.BINANCE, last, 11.0, 11.1))
        app.flush()
        await until(lambda: app.state.quotes[(last, Venue.BINANCE)].bid == 11.0,
                    "the tick applied", pause=pilot.pause)
        assert "10.1" in cell_text(table, last, "binance")  # out of view: not redrawn
        table.scroll_end(animate=False)
        await until(lambda: "11.1" in cell_text(table, last, "binance"),
                    "the last row redrawn once in view", pause=pilot.pause)


async def test_a_hidden_screen_catches_up_when_shown(tmp_path: Path) -> None:
    app = frozen_app(tmp_path, runtime=FakeRuntime(engine=None))
    async with app.run_test(size=SIZE) as pilot:
        app.sink.on_quote(quote(Venue.BINANCE, "BTC-USDT", 64001.5, 64001.6))
        app.flush()
        prices = app.screen
        table = prices.query_one("#prices", LiveTable)
        await until(lambda: "64001.6" in cell_text(table, "BTC-USDT", "binance"), "the quote",
                    pause=pilot.pause)
        await pilot.press("o")
        await until(lambda: isinstance(app.screen, OpportunitiesScreen) and app.screen.ready,
                    "the opportunities screen", pause=pilot.pause)
        app.sink.on_quote(quote(Venue.BINANCE, "BTC-USDT", 64001.7, 64001.8))
        app.flush()
        await until(lambda: app.state.quotes[("BTC-USDT", Venue.BINANCE)].bid == 64001.7,
                    "the tick applied", pause=pilot.pause)
        assert "64001.6" in cell_text(table, "BTC-USDT", "binance")  # hidden: no work
        await pilot.press("p")
        await until(lambda: app.screen is prices
                    and "64001.8" in cell_text(table, "BTC-USDT", "binance"),
                    "prices caught up", pause=pilot.pause)


async def test_the_gc_settings_are_the_apps_only_while_it_runs(tmp_path: Path) -> None:
    gc.unfreeze()  # whatever an earlier test left frozen: start from nothing frozen
    before = gc.get_threshold()
    app = frozen_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await until(lambda: app.state.phase == "running", "the runtime", pause=pilot.pause)
        assert gc.get_threshold()[0] == max(THRESHOLD0, before[0])
        assert gc.get_threshold()[1:] == before[1:]
        await until(lambda: gc.get_freeze_count() > 0, "the heap frozen", pause=pilot.pause)
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0  # the app's objects can be collected again
