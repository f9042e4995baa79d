"""What the settings form knows about a key, read from the settings model itself.

Why: the model is the one copy of each setting's type, allowed range, choices and
description. A form that wrote them out again (an "int" here, a list of record modes
there) would drift from the model it saves through. So a form field names only its key
and its label; everything else is looked up here, and a key the model does not have
fails at import rather than on a trader's screen. Reading a key's current value and
turning form text into the value the model expects live here too, beside the types.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from functools import cache
from inspect import isclass
from typing import Any, Literal, get_args, get_origin

import annotated_types as at
from pydantic import BaseModel

from arbot.config import ArbotSettings

Kind = Literal["bool", "int", "float", "symbols", "choice"]  # symbols: a list of strings
_KIND_TEXT = {"bool": "on or off", "int": "a whole number", "float": "a number",
              "symbols": "a comma-separated list"}


@dataclass(frozen=True)
class FieldSpec:
    """A setting's type (as the widget that edits it), choices, bounds and description."""

    kind: Kind
    description: str = ""
    choices: tuple[str, ...] = ()
    ge: float | None = None
    gt: float | None = None
    le: float | None = None
    lt: float | None = None

    @property
    def allowed(self) -> str:
        """What the model accepts, e.g. `a whole number between 1 and 60000`."""
        if self.kind == "choice":
            return "one of " + ", ".join(self.choices)
        text = _KIND_TEXT[self.kind]
        if self.ge is not None and self.le is not None:
            return f"{text} between {_num(self.ge)} and {_num(self.le)}"
        limits = [f"{op} {_num(v)}" for op, v in ((">=", self.ge), (">", self.gt),
                                                 ("<=", self.le), ("<", self.lt))
                  if v is not None]
        return f"{text} {' and '.join(limits)}".rstrip()

    @property
    def hint(self) -> str:
        """The description and the allowed values, for a tooltip."""
        return f"{self.description}\nAllowed: {self.allowed}".lstrip()


_BOUNDS: dict[str, type[Any]] = {"ge": at.Ge, "gt": at.Gt, "le": at.Le, "lt": at.Lt}


@cache
def field_spec(key: str, root: type[BaseModel] = ArbotSettings) -> FieldSpec:
    """The spec of a dotted settings key such as `strategy.max_quote_age_ms`."""
    model, parts = root, key.split(".")
    for part in parts[:-1]:
        table = model.model_fields.get(part)
        inner = table.annotation if table is not None else None
        if not (isclass(inner) and issubclass(inner, BaseModel)):
            raise KeyError(f"{key}: {part} is not a settings table")
        model = inner
    info = model.model_fields.get(parts[-1])
    if info is None:
        raise KeyError(f"{key}: no such setting")
    bounds = {name: getattr(m, name) for m in info.metadata
              for name in ("ge", "gt", "le", "lt") if isinstance(m, _BOUNDS[name])}
    kind, choices = _kind(key, info.annotation)
    return FieldSpec(kind, info.description or "", choices, **bounds)


def current_value(settings: BaseModel, key: str) -> Any:
    """The value at a dotted key of the (nested, frozen) settings."""
    node: Any = settings
    for part in key.split("."):
        node = getattr(node, part)
    return node


def parse_text(kind: Kind, text: str) -> Any:
    """Form text to the typed value the model expects. Text that is not a number is passed
    on unchanged, so the model's own message (`= "abc": must be a number ...`) is shown."""
    text = text.strip()
    if kind == "symbols":
        return [s.strip() for s in text.split(",") if s.strip()]
    for convert in (int, float) if kind == "int" else (float,):
        try:
            return convert(text)
        except ValueError:
            continue
    return text


def _kind(key: str, annotation: Any) -> tuple[Kind, tuple[str, ...]]:
    if get_origin(annotation) is Literal:
        return "choice", tuple(str(a) for a in get_args(annotation))
    if isclass(annotation) and issubclass(annotation, Enum):
        return "choice", tuple(str(m.value) for m in annotation)
    if annotation is bool:
        return "bool", ()
    if annotation is int:
        return "int", ()
    if annotation is float:
        return "float", ()
    if get_origin(annotation) is list:
        return "symbols", ()
    raise TypeError(f"{key}: the settings form cannot edit a {annotation!r}")


def _num(value: float) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)
