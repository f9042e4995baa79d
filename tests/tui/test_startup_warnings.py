"""Start-up warnings without network: one notification, each venue's warning as its note
on Prices, every warning in the log panel."""

from __future__ import annotations

from pathlib import Path

from arbot.domain import Venue
from arbot.tui.livetable import LiveTable
from arbot.tui.prices import PricesScreen
from arbot.tui.startup import summary, venue_notes
from tests.conftest import until
from tests.tui.fakes import FakeRuntime, FrozenEngine, frozen_app

WARNINGS = [f"{v.value} instruments unavailable (Cannot connect to host)" for v in Venue] + [
    "alerts: ARBOT_ALERT_URLS is empty"]


def test_notes_go_to_the_venue_a_warning_starts_with() -> None:
    notes = venue_notes(["bitget does not list FOO-USDT", "okx: refused", "restart: x",
                         "bitget is not trading BAR-USDT", "binancex y"], Venue)
    assert notes == {Venue.BITGET: "bitget does not list FOO-USDT", Venue.OKX: "okx: refused"}


def test_one_summary_for_many_and_the_warning_itself_for_one() -> None:
    assert summary([], "l") is None
    assert summary(["okx: refused"], "l") == "okx: refused"
    text = summary(WARNINGS, "l")
    assert text is not None and text.startswith("5 start-up warnings, the first: binance ")
    assert text.endswith("all are in the log (l)")


async def test_the_ui_shows_one_toast_and_the_notes(tmp_path: Path) -> None:
    app = frozen_app(tmp_path, runtime=FakeRuntime(FrozenEngine(), warnings=WARNINGS))
    async with app.run_test(size=(120, 30)) as pilot:
        await until(lambda: app.state.phase == "running", pause=pilot.pause)
        await pilot.pause()
        toasts = [n.message for n in app._notifications]
        assert len([t for t in toasts if "start-up" in t or "unavailable" in t]) == 1
        assert set(app.state.startup_notes) == set(Venue)
        screen = app.screen
        assert isinstance(screen, PricesScreen)
        await until(lambda: all(w in "\n".join(line.text for line in app.log_backlog)
                                for w in WARNINGS), "every warning logged", pause=pilot.pause)
        await pilot.pause(0.3)
        status = screen.query_one("#venue-status", LiveTable)
        text = "\n".join(str(status.get_row(v.value)) for v in Venue)
        assert "instruments unavailable" in text
