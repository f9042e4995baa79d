"""Only `arbot.tui` may import textual or rich (DESIGN rule 7 and section 3): the core has
to run headless, in the backtester and in tests without a terminal library loaded.

Checked on the source with `ast`, so an import hidden inside a function counts too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import arbot

ROOT = Path(arbot.__file__).parent
UI_ONLY = ("textual", "rich")


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_only_the_tui_package_imports_textual_or_rich() -> None:
    offenders = []
    for path in sorted(ROOT.rglob("*.py")):
        if path.relative_to(ROOT).parts[0] == "tui":
            continue
        for name in imported_modules(path):
            if name.split(".")[0] in UI_ONLY:
                offenders.append(f"{path.relative_to(ROOT.parent)} imports {name}")
    assert offenders == []


def test_the_check_sees_imports_of_every_form(tmp_path: Path) -> None:
    source = tmp_path / "m.py"
    source.write_text("import rich.text\nfrom textual.app import App\n"
                      "def f():\n    import textual\n")
    assert imported_modules(source) == {"rich.text", "textual.app", "textual"}


def test_the_tui_package_is_where_the_check_expects_it() -> None:
    assert (ROOT / "tui" / "app.py").is_file()
