"""The command palette lists every key binding, so anything a key does can also be found
by name (docs/design.md, "The screen shows the engine's numbers"), with its key
shown for next time."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from functools import partial
from typing import Any

from textual.app import App, SystemCommand
from textual.screen import Screen


def binding_commands(app: App[Any], screen: Screen[Any],
                     builtin: Iterable[SystemCommand]) -> Iterator[SystemCommand]:
    """Textual's own commands, then one per binding with an id active on `screen` (app,
    screen and focused widget), skipping titles Textual already offers (Quit, Keys)."""
    titles = set()
    for command in builtin:
        titles.add(command.title)
        yield command
    seen_ids = set()
    for active in screen.active_bindings.values():
        binding = active.binding
        if not binding.id or binding.id in seen_ids or binding.description in titles:
            continue
        seen_ids.add(binding.id)
        key = app.get_key_display(binding)
        # The palette renders help as markup, where "[l]" or "[A]" is a style tag that
        # vanishes: escape every bracket so the key shows.
        help_text = f"{binding.tooltip or binding.description} [{key}]".replace("[", "\\[")
        yield SystemCommand(binding.description, help_text,
                            partial(app.run_action, binding.action, active.node))
