"""The keys panel (`?`) lists ArBot's own keys before the table's cursor keys."""

from __future__ import annotations

from pathlib import Path

from arbot.tui.opportunities import OpportunitiesScreen
from tests.conftest import until
from tests.tui.fakes import feed_fixed_state, frozen_app


async def test_arbots_keys_come_before_the_tables_cursor_keys(tmp_path: Path) -> None:
    app = frozen_app(tmp_path)
    async with app.run_test(size=(120, 30)) as pilot:
        await until(lambda: app.state.phase == "running", pause=pilot.pause)
        feed_fixed_state(app)
        await pilot.press("2")
        screen = app.screen
        assert isinstance(screen, OpportunitiesScreen)
        await until(lambda: screen.ready, "the screen", pause=pilot.pause)
        assert screen.focused is not None  # the table: its cursor keys are active
        ids = [b.binding.id or b.binding.action for b in screen.active_bindings.values()]
        nodes = [b.node for b in screen.active_bindings.values()]
        first_table = next(i for i, n in enumerate(nodes) if n is screen.focused)
        for own in ("kill-switch", "pause-trading", "export", "arm-live"):
            assert ids.index(own) < first_table, own
        await pilot.press("question_mark")
        await until(lambda: bool(screen.query("HelpPanel")), "the keys panel",
                    pause=pilot.pause)
