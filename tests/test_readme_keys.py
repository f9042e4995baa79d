"""The README's keys table names every binding a trader can press outside a dialog: a
screen missing from it is a screen nobody finds (the Inventory screen's 5/i was)."""

from __future__ import annotations

import re
from pathlib import Path

from arbot.config.keymap import BINDING_IDS

README = Path(__file__).resolve().parents[1] / "README.md"
# Keys of the settings form and the dialogs: the paragraph under the table names them.
DIALOG_IDS = {"settings-save", "settings-close", "export-run", "export-cancel", "confirm-yes",
              "confirm-no"}


def test_the_keys_table_lists_every_binding_id() -> None:
    table = re.findall(r"^\| [^|]+ \| `([a-z-]+)` \|", README.read_text(), re.MULTILINE)
    assert sorted(table) == sorted(set(BINDING_IDS) - DIALOG_IDS)
