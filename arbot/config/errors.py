"""ConfigError, and the one place that turns pydantic errors into lines a user can act on.

Why a module of its own: pydantic says "Input should be greater than or equal to 1" at
`('strategy', 'max_quote_age_ms')`. Someone editing arbot.toml needs the file (or the
environment variable), the dotted key, the value they wrote and the whole allowed range,
one problem per line. Doing that needs the field's constraints, so it walks the models.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from inspect import isclass
from pathlib import Path
from types import NoneType, UnionType
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import annotated_types as at
from pydantic import BaseModel
from pydantic.fields import FieldInfo

Loc = tuple[str | int, ...]


class ConfigError(Exception):
    """A configuration problem whose message is meant for the user as is, without a traceback."""


@dataclass(frozen=True)
class Blame:
    """Where each layer of the settings came from, so a message names the layer that is wrong.

    Priority decides blame: a key given on the command line is blamed on it even if the
    file also sets it, because that is the value that was validated.
    """

    file: Path | None
    environ: Mapping[str, str] = field(default_factory=dict)
    overrides: Mapping[str, Any] = field(default_factory=dict)
    env_prefix: str = "ARBOT_"
    env_delimiter: str = "__"

    def origin(self, loc: Loc) -> str:
        keys = _str_prefix(loc)
        var = self.env_var(keys)
        # A whole table the command line only switched on (`--api` sets api.enabled) is
        # blamed on the variable that set the rest of it, if one did.
        if keys and _has_path(self.overrides, keys) and (
                var is None or not isinstance(_at(self.overrides, keys), Mapping)):
            return "command line"
        if var is not None:
            return f"environment variable {var}"
        return str(self.file) if self.file is not None else "settings"

    def env_var(self, keys: tuple[str, ...]) -> str | None:
        """The variable that set `keys` (or something beneath it), exactly as spelled."""
        upper = {name.upper(): name for name in self.environ}
        for end in range(len(keys), 0, -1):
            found = upper.get(self.env_prefix + self.env_delimiter.join(keys[:end]).upper())
            if found is not None:
                return found
        if keys:
            below = self.env_prefix + self.env_delimiter.join(keys).upper() + self.env_delimiter
            for name_upper in sorted(upper):
                if name_upper.startswith(below):
                    return upper[name_upper]
        return None


def describe_errors(
    errors: Iterable[Mapping[str, Any]],
    root: type[BaseModel],
    blame: Blame,
    secret_advice: Callable[[tuple[str, ...]], str | None] = lambda _: None,
) -> list[str]:
    """One line per pydantic error: `origin: key = value: what is allowed`.

    Values of unknown keys are never shown: an unknown key may well be a secret someone
    put in the wrong place.
    """
    lines = []
    for err in errors:
        loc: Loc = tuple(err["loc"])
        field_info, parent, beyond = _field_at(root, loc)
        key = _dotted(loc)
        kind = err["type"]
        if kind == "extra_forbidden":
            advice = secret_advice(_str_prefix(loc))
            if advice is not None:
                reason = f"secrets are not read from settings; {advice}"
            else:
                reason = "unknown key; allowed: " + ", ".join(parent.model_fields)
            lines.append(f"{blame.origin(loc)}: {key}: {reason}")
            continue
        value = err.get("input")
        shown = "" if isinstance(value, dict) or kind == "missing" else f" = {_show(value)}"
        if field_info is not None and _model(field_info.annotation) is not None and not beyond:
            key = f"[{key}]"  # a whole-table problem, e.g. max <= min
        lines.append(f"{blame.origin(loc)}: {key}{shown}: {_reason(err, field_info, beyond)}")
    return lines


def _reason(err: Mapping[str, Any], field_info: FieldInfo | None, beyond: int) -> str:
    kind, ctx = err["type"], err.get("ctx") or {}
    if kind in ("value_error", "assertion_error") and "error" in ctx:
        return str(ctx["error"])
    if kind == "missing":
        return "required"
    if kind == "too_short":
        return f"must have at least {ctx.get('min_length')} item(s)"
    if kind == "string_too_short":
        return "must not be empty"
    if field_info is None:
        return str(err["msg"])
    annotation, metadata = _unwrap(field_info.annotation)
    if beyond:  # an item inside a list or table: describe the item type
        args = get_args(annotation)
        annotation, metadata = _unwrap(args[-1]) if args else (annotation, [])
    else:
        metadata = [*metadata, *field_info.metadata]
    return "must be " + _allowed(annotation, metadata)


def _allowed(annotation: Any, metadata: list[Any]) -> str:
    if get_origin(annotation) is Literal:
        return "one of: " + ", ".join(str(a) for a in get_args(annotation))
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return "one of: " + ", ".join(str(m.value) for m in annotation)
    if _model(annotation) is not None:
        return "a table"
    names = {bool: "true or false", int: "a whole number", float: "a number", str: "a string"}
    containers = {list: "a list", dict: "a table"}
    text = names.get(annotation) or containers.get(get_origin(annotation), "")
    bounds = {type(m).__name__.lower(): getattr(m, type(m).__name__.lower()) for m in metadata
              if isinstance(m, at.Ge | at.Gt | at.Le)}
    ge, gt, le = bounds.get("ge"), bounds.get("gt"), bounds.get("le")
    if ge is not None and le is not None:
        return f"{text} between {_num(ge)} and {_num(le)}".lstrip()
    limits = [f">= {_num(ge)}" if ge is not None else "", f"> {_num(gt)}" if gt is not None else "",
              f"<= {_num(le)}" if le is not None else ""]
    return f"{text} {' and '.join(x for x in limits if x)}".strip() or "valid"


def _field_at(root: type[BaseModel], loc: Loc) -> tuple[FieldInfo | None, type[BaseModel], int]:
    """The field a location points at, its model, and how many parts go past it into items."""
    model: type[BaseModel] | None = root
    parent, found = root, None
    for i, part in enumerate(loc):
        if model is None or not isinstance(part, str):
            return found, parent, len(loc) - i
        found = model.model_fields.get(part)
        if found is None:
            return None, model, 0
        parent, model = model, _model(found.annotation)
    return found, parent, 0


def _model(annotation: Any) -> type[BaseModel] | None:
    return annotation if isclass(annotation) and issubclass(annotation, BaseModel) else None


def _unwrap(annotation: Any) -> tuple[Any, list[Any]]:
    """The type a value must have: `Annotated` metadata split off, and `X | None` read as
    X (None is how a setting is left unset, which TOML writes by leaving the key out)."""
    if get_origin(annotation) is Annotated:
        base, *metadata = get_args(annotation)
        return base, metadata
    if get_origin(annotation) in (Union, UnionType):
        present = [a for a in get_args(annotation) if a is not NoneType]
        if len(present) == 1:
            return _unwrap(present[0])
    return annotation, []


def _str_prefix(loc: Loc) -> tuple[str, ...]:
    out: list[str] = []
    for part in loc:
        if not isinstance(part, str):
            break
        out.append(part)
    return tuple(out)


def _at(data: Mapping[str, Any], keys: tuple[str, ...]) -> Any:
    node: Any = data
    for key in keys:
        node = node[key]
    return node


def _has_path(data: Mapping[str, Any], keys: tuple[str, ...]) -> bool:
    node: Any = data
    for key in keys:
        if not isinstance(node, Mapping) or key not in node:
            return False
        node = node[key]
    return True


def _dotted(loc: Loc) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text or "(top level)"


def _num(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _show(value: Any) -> str:
    text = json.dumps(value, default=str)
    return text if len(text) <= 80 else text[:77] + "..."
