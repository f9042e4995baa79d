"""Guards on raw settings input, before pydantic sees it: nesting and ARBOT_* names.

Why before: the parsers and validators downstream recurse, so a list nested thousands deep
(in arbot.toml or an ARBOT_* JSON value) ends as a RecursionError traceback instead of a
config error; the checks here are loops, so they cannot overflow themselves. And
pydantic-settings reads only the ARBOT_* variables whose section exists, so a misspelt
section (`ARBOT_STRATGY__...`) would be ignored without a word; it is refused here, like
an unknown key in arbot.toml, naming the nearest valid variable.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from inspect import isclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from arbot.config.errors import ConfigError

# No setting nests more than a few levels; 100 is tomlkit's own limit, so a file the
# settings screen refuses to edit is the file the loader refuses to load.
MAX_NESTING = 100
ENV_PREFIX = "ARBOT_"
ENV_DELIMITER = "__"
# ARBOT_* variables read by their exact name that are not settings: secrets, which never
# live in settings (settings are printed and saved; secrets come from the environment
# only). Anything else under the prefix must name a setting.
NOT_SETTINGS = ("ARBOT_API_TOKEN", "ARBOT_ALERT_URLS")


TOO_DEEP = f"lists or tables nested more than {MAX_NESTING} levels deep"


def too_deep(data: Any) -> bool:
    """Whether lists and tables in `data` nest more than MAX_NESTING levels below it
    (`data` itself, the document's table, is level 0)."""
    stack: list[tuple[Any, int]] = [(data, 0)]
    while stack:
        node, depth = stack.pop()
        children = node.values() if isinstance(node, Mapping) else node \
            if isinstance(node, list) else None
        if children is None:
            continue
        if depth > MAX_NESTING:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


def json_too_deep(text: str) -> bool:
    """Whether JSON text opens more than MAX_NESTING lists or objects at once; brackets
    inside strings do not count. Only the text's shape is judged, not its validity."""
    depth, in_string, escaped = 0, False, False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > MAX_NESTING:
                return True
        elif char in "]}":
            depth -= 1
    return False


def check_file_nesting(data: Mapping[str, Any], path: Path) -> None:
    """Refuse a parsed file nested deeper than MAX_NESTING, naming its top-level key."""
    for key, value in data.items():
        if too_deep({key: value}):
            raise ConfigError(f"{path}: {key}: {TOO_DEEP}")


def check_environment(
    environ: Mapping[str, str], root: type[BaseModel], other_names: Iterable[str]
) -> None:
    """Refuse ARBOT_* variables that name no setting of `root`, and JSON values nested
    too deeply, one line each. `other_names` are variables someone might have meant
    (the venues' keys, which have no prefix). Values are never shown: one may be a secret.
    """
    lines = []
    candidates: list[str] | None = None
    for name, value in environ.items():
        if not name.upper().startswith(ENV_PREFIX) or name in NOT_SETTINGS:
            continue
        section = name[len(ENV_PREFIX):].split(ENV_DELIMITER)[0].lower()
        if section not in root.model_fields:
            candidates = candidates or [*setting_names(root), *NOT_SETTINGS, *other_names]
            lines.append(_unknown(name, candidates, root))
        elif value.lstrip().startswith(("[", "{")) and json_too_deep(value):
            lines.append(f"environment variable {name}: {TOO_DEEP}")
    if lines:
        raise ConfigError("\n".join(lines))


def setting_names(model: type[BaseModel], prefix: str = ENV_PREFIX) -> list[str]:
    """Every variable that sets a table or a value of `model`, e.g. ARBOT_STRATEGY and
    ARBOT_STRATEGY__MAX_NOTIONAL."""
    names = []
    for field, info in model.model_fields.items():
        name = prefix + field.upper()
        names.append(name)
        annotation = info.annotation
        if isclass(annotation) and issubclass(annotation, BaseModel):
            names += setting_names(annotation, name + ENV_DELIMITER)
    return names


def _unknown(name: str, candidates: list[str], root: type[BaseModel]) -> str:
    """Compared without the prefix: every candidate shares it, so with it any short name
    would look near the shortest setting."""
    bare = {c.removeprefix(ENV_PREFIX): c for c in candidates}
    near = difflib.get_close_matches(name.upper()[len(ENV_PREFIX):], bare, n=1, cutoff=0.6)
    if near:
        hint = f"did you mean {bare[near[0]]}?"
    else:
        hint = (f"settings are {ENV_PREFIX}<SECTION>{ENV_DELIMITER}<KEY>, sections: "
                f"{', '.join(root.model_fields)}; other variables: {', '.join(NOT_SETTINGS)}")
    return f"environment variable {name}: names no setting; {hint}"
