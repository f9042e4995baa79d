"""Settings as the app's mode: the app's header (DEMO, trading mode) over the form, escape
named in the footer, and leaving with unsaved (even invalid) edits says they were kept."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Input

from arbot.tui.prices import PricesScreen
from arbot.tui.settings import SettingsScreen
from arbot.tui.widgets import ArbotHeader
from tests.conftest import until
from tests.tui.fakes import frozen_app


async def test_header_footer_and_unsaved_edits(tmp_path: Path) -> None:
    app = frozen_app(tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await until(lambda: app.state.phase == "running", pause=pilot.pause)
        await pilot.press("4")
        screen = app.screen
        assert isinstance(screen, SettingsScreen)
        header = screen.query_one(ArbotHeader)
        assert header.query_one("#demo").display and "PAPER" in str(
            header.query_one("#trading-mode").render())
        footer_keys = {b.binding.id for b in screen.active_bindings.values()
                       if b.binding.show and b.enabled}
        assert "settings-close" in footer_keys
        field = screen.query_one("#field-strategy--min_net_profit_bps", Input)
        field.value = "not a number"
        await pilot.press("escape")
        await until(lambda: isinstance(app.screen, PricesScreen), "back on Prices",
                    pause=pilot.pause)
        assert any("1 unsaved change kept in the settings form" in n.message
                   for n in app._notifications)
        await pilot.press("4")
        await pilot.pause()
        assert screen.query_one("#field-strategy--min_net_profit_bps", Input).value == \
            "not a number"
