"""The app's screens as Textual modes, and the Settings screen found at run time.

The Settings form is built in `arbot.tui.settings` by another part of the project; until
that module exists, the Settings mode shows a placeholder instead of failing.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable
from pathlib import Path

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Static

from arbot.config import DEFAULT_CONFIG_PATH, ArbotSettings
from arbot.tui.widgets import ArbotScreen

SETTINGS_MODULE = "arbot.tui.settings"


class SettingsPlaceholder(ArbotScreen):
    """Stands in for the Settings form until it is built."""

    TITLE_TEXT = "Settings"

    def compose_body(self) -> ComposeResult:
        yield Static("The settings form is not built yet. Edit arbot.toml (see `arbot config "
                     "show`) and restart ArBot to change settings.", id="settings-note")


def module_exists(name: str) -> bool:
    """Whether an optional module of the UI is present, without importing it."""
    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:
        return False


def settings_screen_factory(settings: ArbotSettings, config_path: Path | None,
                            placeholder: Callable[[], Screen[None]],
                            on_saved: Callable[[ArbotSettings], None]
                            ) -> Callable[[], Screen[None]]:
    """The Settings mode's screen: the real form if `arbot.tui.settings` exists, imported
    only when the mode is first opened, else `placeholder`. Without a config file the form
    saves to ./arbot.toml, the file ArBot reads by default."""
    if not module_exists(SETTINGS_MODULE):
        return placeholder

    def build() -> Screen[None]:
        module = importlib.import_module(SETTINGS_MODULE)
        screen: Screen[None] = module.SettingsScreen(
            settings, config_path or DEFAULT_CONFIG_PATH, on_saved)
        return screen

    return build
