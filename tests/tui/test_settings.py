"""The settings screen: saves valid values into arbot.toml (comments kept), refuses invalid
ones with the error under the field and the file untouched, and works from the keyboard."""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any, ClassVar

import pytest
import tomlkit.parser
from textual.app import App
from textual.containers import VerticalScroll
from textual.notifications import SeverityLevel
from textual.widget import Widget
from textual.widgets import Input, Label, Switch

from arbot.config import ArbotSettings, load_settings
from arbot.config.save import Problem
from arbot.tui.settings import FIELDS, SettingsScreen, fields_for, parse_text

SHIPPED = Path(__file__).resolve().parents[2] / "arbot.toml"


class Host(App[None]):
    """A bare app that shows the settings screen and records what it is told."""

    def __init__(self, config: Path, fail_apply: bool = False) -> None:
        super().__init__()
        self.animation_level = "none"  # focus scrolls instantly: key presses stay fast
        self.config = config
        self.saved: list[ArbotSettings] = []
        self.notes: list[tuple[SeverityLevel, str]] = []
        self.fail_apply = fail_apply

    def on_mount(self) -> None:
        settings = load_settings(self.config, environ={})
        self.push_screen(SettingsScreen(settings, self.config, self.apply))

    def apply(self, settings: ArbotSettings) -> None:
        if self.fail_apply:
            raise RuntimeError("engine said no")
        self.saved.append(settings)

    def notify(self, message: str, *, title: str = "", severity: SeverityLevel = "information",
               timeout: float | None = None, markup: bool = True) -> None:
        self.notes.append((severity, message))
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=markup)


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "arbot.toml"
    path.write_text(SHIPPED.read_text(encoding="utf-8").replace(
        "[strategy]\n", "[strategy]\n# tuned for my account\n"), encoding="utf-8")
    return path


def text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def state(path: Path) -> tuple[bytes, int]:
    """The file's bytes and modification time: both must survive a refused save."""
    return path.read_bytes(), path.stat().st_mtime_ns


def field_input(app: App[Any], key: str) -> Input:
    return app.screen.query_one(f"#field-{key.replace('.', '--')}", Input)


def error_text(app: App[Any], key: str) -> str:
    label = app.screen.query_one(f"#error-{key.replace('.', '--')}", Label)
    return str(label.render()) if label.has_class("-shown") and label.display else ""


async def test_a_valid_value_is_saved_with_comments_kept(config: Path) -> None:
    before = text(config)
    app = Host(config)
    async with app.run_test(size=(100, 30)) as pilot:
        field_input(app, "strategy.min_net_profit_bps").value = "7.5"
        field_input(app, "market.symbols").value = "BTC-USDT, ETH-USDT"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.notes[-1] == ("information", f"Saved to {config}")
    diff = [d for d in difflib.ndiff(before.splitlines(), text(config).splitlines())
            if d[0] in "+-"]
    assert diff == ['- symbols = ["BTC-USDT", "ETH-USDT", "SOL-USDT", "XRP-USDT"]',
                    '+ symbols = ["BTC-USDT", "ETH-USDT"]',
                    "- min_net_profit_bps = 5.0", "+ min_net_profit_bps = 7.5"]
    assert "# tuned for my account\n" in text(config)
    assert len(app.saved) == 1
    assert app.saved[0].strategy.min_net_profit_bps == 7.5
    assert app.saved[0].market.symbols == ["BTC-USDT", "ETH-USDT"]
    assert load_settings(config, environ={}) == app.saved[0]


async def test_an_invalid_value_writes_nothing_and_shows_the_error_by_its_field(
        config: Path) -> None:
    before = state(config)
    app = Host(config)
    async with app.run_test(size=(100, 30)) as pilot:
        field_input(app, "strategy.max_quote_age_ms").value = "0"
        field_input(app, "market.symbols").value = "btc"
        field_input(app, "ui.refresh_ms").value = "fast"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert error_text(app, "strategy.max_quote_age_ms") == (
            "strategy.max_quote_age_ms = 0: must be a whole number between 1 and 60000")
        assert "not of the form BASE-QUOTE" in error_text(app, "market.symbols")
        assert error_text(app, "ui.refresh_ms") == (
            'ui.refresh_ms = "fast": must be a whole number between 50 and 5000')
        assert error_text(app, "strategy.max_notional") == ""
        assert app.screen.focused is field_input(app, "market.symbols")  # the first error
        assert field_input(app, "strategy.max_quote_age_ms").has_class("-invalid")
        # The error sits right under the field's row.
        row = field_input(app, "strategy.max_quote_age_ms").parent
        assert isinstance(row, Widget) and row.parent is not None
        siblings = list(row.parent.children)
        assert siblings[siblings.index(row) + 1].id == "error-strategy--max_quote_age_ms"
        assert app.notes[-1] == ("error", "Not saved: 3 problems")
        assert state(config) == before and app.saved == []

        # Fixing the values clears the errors and saves.
        field_input(app, "strategy.max_quote_age_ms").value = "800"
        field_input(app, "market.symbols").value = "BTC-USDT"
        field_input(app, "ui.refresh_ms").value = "250"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert error_text(app, "market.symbols") == ""
        assert not field_input(app, "market.symbols").has_class("-invalid")
        assert app.saved[-1].strategy.max_quote_age_ms == 800
        assert app.saved[-1].ui.refresh_ms == 250
    assert state(config) != before


async def test_refused_save_leaves_the_file_byte_for_byte(config: Path) -> None:
    before = state(config)
    app = Host(config)
    async with app.run_test(size=(100, 30)) as pilot:
        field_input(app, "exchanges.okx.taker_fee_bps").value = "150"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "must be a number between 0 and 100" in error_text(
            app, "exchanges.okx.taker_fee_bps")
    assert state(config) == before
    assert app.saved == []


def write_deep(path: Path) -> None:
    path.write_text("x = " + "[" * 5000 + "]" * 5000 + "\n", encoding="utf-8")


@pytest.mark.parametrize("lift_tomlkit_limit", [False, True])
async def test_a_file_nested_too_deep_is_refused_at_the_top_not_a_crash(
        config: Path, monkeypatch: pytest.MonkeyPatch, lift_tomlkit_limit: bool) -> None:
    """The file edited by hand while ArBot runs; an older tomlkit (no nesting limit of
    its own) recursed until the stack ran out."""
    if lift_tomlkit_limit:
        monkeypatch.setattr(tomlkit.parser.Parser, "MAX_NESTING_DEPTH", 10**9, raising=False)
    app = Host(config)
    async with app.run_test(size=(100, 30)) as pilot:
        write_deep(config)
        before = state(config)
        field_input(app, "strategy.min_net_profit_bps").value = "7.5"
        await pilot.press("ctrl+s")
        await pilot.pause()
        top = app.screen.query_one("#settings-errors", Label)
        assert top.has_class("-shown") and "nested more than 100 levels" in str(top.render())
        assert app.notes[-1] == ("error", "Not saved: 1 problem")
    assert state(config) == before and app.saved == []


async def test_a_whole_table_rule_is_shown_under_the_fields_it_names(config: Path) -> None:
    app = Host(config)
    async with app.run_test(size=(100, 30)) as pilot:
        field_input(app, "strategy.min_net_profit_bps").value = "300"
        await pilot.press("ctrl+s")
        await pilot.pause()
        expected = "[strategy]: max_net_profit_bps (200) must be greater than " \
                   "min_net_profit_bps (300)"
        assert error_text(app, "strategy.min_net_profit_bps") == expected
        assert error_text(app, "strategy.max_net_profit_bps") == expected
        assert error_text(app, "strategy.max_notional") == ""


async def test_keyboard_only_tab_order_toggle_and_save(config: Path) -> None:
    app = Host(config)
    async with app.run_test(size=(100, 30)) as pilot:
        # Tab walks the form in reading order, then Save and Close.
        chain = [w.id for w in app.screen.focus_chain if w.id != "settings-form"]
        assert chain == [f"field-{f.slug}" for f in FIELDS] + ["save", "close"]
        assert app.screen.focused is not None and app.screen.focused.id == chain[0]
        okx = chain.index("field-exchanges--okx--enabled")
        await pilot.press(*["tab"] * okx)
        assert app.screen.focused is not None and app.screen.focused.id == chain[okx]
        await pilot.press("space")
        assert app.screen.query_one(f"#{chain[okx]}", Switch).value is False
        await pilot.press("shift+tab", "shift+tab", "ctrl+s")
        await pilot.pause()
    assert app.saved and app.saved[-1].exchanges.okx.enabled is False
    assert "[exchanges.okx]\nenabled = false\n" in text(config)


async def test_the_save_button_saves(config: Path) -> None:
    app = Host(config)
    async with app.run_test(size=(100, 30)) as pilot:
        field_input(app, "ui.refresh_ms").value = "400"
        app.screen.query_one("#save").focus()
        await pilot.press("enter")
        await pilot.pause()
    assert app.saved and app.saved[-1].ui.refresh_ms == 400


async def test_fits_80x24_and_scrolls_to_the_focused_field(config: Path) -> None:
    app = Host(config)
    async with app.run_test(size=(80, 24)) as pilot:
        last = field_input(app, "ui.refresh_ms")
        last.focus()
        await pilot.pause()
        form = app.screen.query_one("#settings-form", VerticalScroll)
        assert form.scroll_offset.y > 0
        assert form.region.contains_region(last.region)
        assert app.screen.query_one("#save").region.bottom <= 24


async def test_nothing_changed_writes_nothing(config: Path) -> None:
    before = state(config)
    app = Host(config)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.notes[-1] == ("information", "Nothing changed")
    assert state(config) == before


async def test_a_failing_apply_is_reported_not_a_crash(config: Path) -> None:
    app = Host(config, fail_apply=True)
    async with app.run_test(size=(100, 30)) as pilot:
        field_input(app, "ui.refresh_ms").value = "300"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.notes[-1][0] == "error" and "engine said no" in app.notes[-1][1]
        assert isinstance(app.screen, SettingsScreen)
    assert "\nrefresh_ms = 300\n" in text(config)


async def test_escape_closes_the_screen(config: Path) -> None:
    app = Host(config)
    async with app.run_test(size=(100, 30)) as pilot:
        assert isinstance(app.screen, SettingsScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, SettingsScreen)


async def test_as_the_screen_of_an_app_mode_escape_is_left_to_the_app(config: Path) -> None:
    settings = load_settings(config, environ={})

    class ModeHost(App[None]):
        MODES: ClassVar[dict[str, Any]] = {
            "settings": lambda: SettingsScreen(settings, config)}

        def on_mount(self) -> None:
            self.switch_mode("settings")

    app = ModeHost()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, SettingsScreen)
        assert not app.screen.query_one("#close").display
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, SettingsScreen)  # still there, nothing crashed


def test_without_a_config_path_it_saves_to_arbot_toml_here(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    screen = SettingsScreen(ArbotSettings(), None)
    assert screen.config_path == Path("arbot.toml")


def test_bindings_have_ids_and_descriptions() -> None:
    for binding in SettingsScreen.BINDINGS:
        assert not isinstance(binding, tuple)
        assert binding.id and binding.description


@pytest.mark.parametrize(("kind", "text", "value"), [
    ("int", " 800 ", 800), ("int", "7.5", 7.5), ("int", "abc", "abc"), ("float", "7", 7.0),
    ("float", "", ""), ("symbols", "BTC-USDT, ,ETH-USDT ", ["BTC-USDT", "ETH-USDT"]),
])
def test_parse_text_leaves_judgement_to_the_model(kind: Any, text: str, value: Any) -> None:
    assert parse_text(kind, text) == value


def test_problems_find_their_fields() -> None:
    keys = [f.key for f in fields_for(Problem("market.symbols", "x"))]
    assert keys == ["market.symbols"]
    assert [f.key for f in fields_for(Problem("filters.trend", "no words"))] == [
        "filters.trend.enabled"]
    assert fields_for(Problem(None, "invalid TOML")) == []
    assert fields_for(Problem("feeds.silence_s", "not on the form")) == []
