"""Only `arbot.tui` may import textual or rich (docs/design.md, "Layout"; also an import
contract in pyproject.toml): the core has to run headless, in the backtester and in
tests without a terminal library loaded.

Checked on the source with `ast`, so an import hidden inside a function counts too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import grimp

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


# -- import cycles ------------------------------------------------------------------------
# A package is a first-level name under `arbot` (`arbot.api`, `arbot.tui`...); a top-level
# module (`arbot.runtime`, `arbot.view`) is a package of its own. Modules of one package
# may lean on each other; two packages that import each other, directly or through
# others, cannot be understood, tested or replaced one at a time.


def package_of(module: str) -> str:
    return ".".join(module.split(".")[:2])


def import_cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Every set of modules that import each other in a circle (strongly connected
    components of more than one module), found with Tarjan's algorithm, iteratively."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in sorted(graph.modules):
        if root in index:
            continue
        work = [(root, iter(sorted(graph.find_modules_directly_imported_by(root))))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.find_modules_directly_imported_by(
                        child)))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def cycles_across_packages(graph: grimp.ImportGraph) -> list[list[str]]:
    return [c for c in import_cycles(graph) if len({package_of(m) for m in c}) > 1]


def test_no_import_cycle_between_modules_of_different_packages() -> None:
    assert cycles_across_packages(grimp.build_graph("arbot")) == []


def test_no_module_of_the_terminal_ui_imports_the_app_back() -> None:
    """`tui/app` builds the trading control and the screens; they get what they need,
    never the app module (imports for type checking count too)."""
    graph = grimp.build_graph("arbot")
    cycles = [c for c in import_cycles(graph) if "arbot.tui.app" in c]
    assert cycles == []


def test_the_cycle_check_finds_cycles_through_other_packages() -> None:
    graph = grimp.ImportGraph()
    for module in ("arbot.runtime", "arbot.api.server", "arbot.api.app", "arbot.view",
                   "arbot.tui.app", "arbot.tui.control"):
        graph.add_module(module)
    for importer, imported in (("arbot.runtime", "arbot.api.server"),
                               ("arbot.api.server", "arbot.api.app"),
                               ("arbot.api.app", "arbot.runtime"),  # back round: a cycle
                               ("arbot.api.app", "arbot.view"),
                               ("arbot.tui.app", "arbot.tui.control"),
                               ("arbot.tui.control", "arbot.tui.app")):  # one package
        graph.add_import(importer=importer, imported=imported)
    assert import_cycles(graph) == [["arbot.api.app", "arbot.api.server", "arbot.runtime"],
                                    ["arbot.tui.app", "arbot.tui.control"]]
    assert cycles_across_packages(graph) == [
        ["arbot.api.app", "arbot.api.server", "arbot.runtime"]]
