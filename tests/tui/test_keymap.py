"""[ui.keymap] is checked by config without Textual (arbot.config.keymap); these tests keep
its lists equal to the app's real bindings and to Textual's own key names."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import string
from pathlib import Path

from textual.binding import Binding
from textual.keys import Keys, _character_to_key

import arbot.tui
from arbot.config.keymap import (
    BINDING_IDS,
    MODIFIERS,
    NAMED_KEYS,
    PUNCTUATION_KEYS,
    character_key,
    check_keymap,
)
from tests.conftest import until
from tests.tui.fakes import frozen_app
from tests.tui.test_app import SIZE


def tui_bindings() -> list[Binding]:
    """Every Binding declared in arbot.tui: on classes' BINDINGS and in module-level lists
    (as control.TRADING_BINDINGS)."""
    found: dict[int, Binding] = {}
    for info in pkgutil.iter_modules(arbot.tui.__path__, "arbot.tui."):
        module = importlib.import_module(info.name)
        holders = [vars(module)] + [vars(c) for _, c in inspect.getmembers(module, inspect.isclass)
                                    if c.__module__ == module.__name__]
        for holder in holders:
            for value in holder.values():
                if isinstance(value, list):
                    found.update((id(b), b) for b in value if isinstance(b, Binding))
    return list(found.values())


def test_binding_ids_are_exactly_the_apps() -> None:
    bindings = tui_bindings()
    assert all(b.id for b in bindings), [b.key for b in bindings if not b.id]
    ids = [b.id for b in bindings]
    assert len(ids) == len(set(ids)), "a binding id used twice"
    assert set(ids) == set(BINDING_IDS) and len(BINDING_IDS) == len(set(BINDING_IDS))


def test_every_default_key_is_accepted_as_written() -> None:
    defaults = {b.id: b.key for b in tui_bindings() if b.id}
    assert check_keymap(defaults) == defaults


def test_key_names_are_textuals() -> None:
    for char in string.punctuation + string.ascii_letters + string.digits + "é":
        assert character_key(char) == _character_to_key(char), char
    assert set(PUNCTUATION_KEYS) == {_character_to_key(c) for c in string.punctuation}
    textual_keys = {k.value for k in Keys}
    assert set(NAMED_KEYS) <= textual_keys
    for key in textual_keys:  # Textual's modifiers, and its order: sorted, before the key
        *modifiers, _ = key.split("+")
        assert set(modifiers) <= set(MODIFIERS) and modifiers == sorted(modifiers), key


async def test_a_keymap_with_modifiers_in_any_order_rebinds_the_key(tmp_path: Path) -> None:
    app = frozen_app(tmp_path, ui={"keymap": {"log": "shift+ctrl+g", "help": "f2"}})
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+shift+g")  # as Textual names the key a terminal sends
        await until(lambda: app.has_class("-show-log"), "log shown by the new key",
                    pause=pilot.pause)
        await pilot.press("f2")
        await until(lambda: app.has_class("-show-help") or bool(app.screen.query(
            "HelpPanel")), "help panel", pause=pilot.pause)
