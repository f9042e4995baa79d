"""Edit a parsed TOML document in place, one dotted key at a time, keeping its comments.

Why a module of its own: saving settings is validation and a safe write; this is the
other half, the tomlkit surgery that makes only the changed values differ, byte for byte,
and places a new key where a reader of the file expects it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import tomlkit
from pydantic import BaseModel
from tomlkit.container import Container
from tomlkit.exceptions import TOMLKitError
from tomlkit.items import AoT, Comment, Item, Table


def set_key(
    doc: tomlkit.TOMLDocument, key: str, value: Any, model: type[BaseModel]
) -> str | None:
    """Set one dotted key in the document in place (None removes it), creating missing
    tables; tomlkit keeps the replaced value's indentation and trailing comment. Returns
    why the key cannot be set, or None. `model` types the value (see `_typed`)."""
    parts = key.split(".")
    if not all(parts):
        return f"{key!r}: not a dotted settings key such as strategy.max_notional"
    node: Any = doc
    for i, part in enumerate(parts[:-1]):
        if part not in node:
            if value is None:
                return None  # removing a key that is not there: nothing to do
            node[part] = tomlkit.table(is_super_table=i < len(parts) - 2)
        node = node[part]
        if not isinstance(node, Mapping):
            where = ".".join(parts[: i + 1])
            return f"{key}: {where} is a value, not a table"
    leaf = parts[-1]
    if value is None:
        if leaf in node:
            del node[leaf]
        return None
    try:
        item = tomlkit.item(_typed(model, parts, value))
    except (TOMLKitError, TypeError, ValueError):
        return f"{key}: a {type(value).__name__} cannot be written to TOML"
    if leaf in node or isinstance(item, (Table, AoT)):
        node[leaf] = item  # a replaced value keeps its indent and trailing comment
    else:
        _add(node, leaf, item)
    return None


def _add(node: Any, leaf: str, item: Item) -> None:
    """Add a new key after the table's last key, not after the comments that trail it.

    tomlkit appends after everything in the table's body, and in arbot.toml the comments
    at the end of a table introduce the next section (or, in [ui.keymap], document the
    table itself); a key placed after them would read as belonging to the wrong place.
    Placing it uses tomlkit's `_insert_at`; plain assignment is the fallback.
    """
    container = node if isinstance(node, Container) else \
        node.value if isinstance(node, Table) else None
    slot = _slot(container) if container is not None else None
    if container is None or slot is None:
        node[leaf] = item
        return
    try:
        container._insert_at(slot, leaf, item)
    except (AttributeError, TypeError, ValueError):  # a tomlkit without it: plain append
        node[leaf] = item
        return
    if isinstance(node, Table):
        dict.__setitem__(node, leaf, item)  # Table mirrors its items as a dict


def _slot(container: Container) -> int | None:
    """Body index just after the last key/value, or after the leading comments of a
    table with no values yet; None when that is the end (plain append is then right)."""
    body = container.body
    values = [i for i, (k, it) in enumerate(body) if k is not None
              and not isinstance(it, (Table, AoT))]
    slot = values[-1] + 1 if values else 0
    if not values:
        while slot < len(body) and isinstance(body[slot][1], Comment):
            slot += 1
    return slot if slot < len(body) else None


def _typed(root: type[BaseModel], parts: Sequence[str], value: Any) -> Any:
    """A whole number for a float setting is written as a float (`7.0`), as documented."""
    model: type[BaseModel] | None = root
    annotation: Any = None
    for part in parts:
        info = model.model_fields.get(part) if model is not None else None
        if info is None:
            return value
        annotation = info.annotation
        model = annotation if isinstance(annotation, type) and issubclass(
            annotation, BaseModel) else None
    if annotation is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    return value
