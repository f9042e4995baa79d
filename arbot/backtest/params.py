"""Sweep parameters: `section.field=5:30:5` (a range, both ends included) or
`section.field=0,200,500` (a list), checked against the settings' own models, so a name
that is not a setting or a value out of its bounds is one clear error before anything
runs."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ValidationError

from arbot.config import ArbotSettings


@dataclass(frozen=True)
class Param:
    path: tuple[str, ...]  # e.g. ("strategy", "min_net_profit_bps")
    values: tuple[Any, ...]
    span: tuple[float, float, float] | None  # (low, high, step) when given as a range

    @property
    def name(self) -> str:
        return ".".join(self.path)


def _number(text: str) -> int | float:
    value = Decimal(text)
    return int(value) if value == value.to_integral_value() and "." not in text else float(value)


def _scalar(text: str) -> Any:
    t = text.strip()
    if t.lower() in ("true", "false"):
        return t.lower() == "true"
    try:
        return _number(t)
    except ArithmeticError:
        return t


def parse(spec: str, settings: ArbotSettings) -> Param:
    """One `--param`; ValueError saying what is wrong with it."""
    name, sep, text = spec.partition("=")
    if not sep or not name.strip() or not text.strip():
        raise ValueError(f"--param {spec!r}: write NAME=LOW:HIGH:STEP or NAME=A,B,C")
    path = tuple(name.strip().split("."))
    _field(settings, path, spec)
    span: tuple[float, float, float] | None = None
    if ":" in text:
        try:
            low, high, step = (_number(p) for p in text.split(":"))
        except (ArithmeticError, ValueError):
            raise ValueError(f"--param {spec}: a range is LOW:HIGH:STEP, three numbers"
                             ) from None
        if step <= 0 or high < low:
            raise ValueError(f"--param {spec}: the step must be positive and HIGH >= LOW")
        count = int((high - low) / step + 1e-9) + 1
        values: tuple[Any, ...] = tuple(
            low + i * step if isinstance(low + step, int) else round(low + i * step, 12)
            for i in range(count))
        span = (float(low), float(high), float(step))
    else:
        values = tuple(dict.fromkeys(_scalar(p) for p in text.split(",")))
    param = Param(path, values, span)
    for v in values:
        apply(settings, {param: v})  # every value in bounds, before any trial runs
    return param


def _field(settings: ArbotSettings, path: tuple[str, ...], spec: str) -> None:
    model: Any = settings
    for i, part in enumerate(path):
        fields = type(model).model_fields
        if part not in fields:
            where = ".".join(path[:i]) or "the settings"
            known = ", ".join(sorted(fields))
            raise ValueError(f"--param {spec}: {'.'.join(path[:i + 1])} is not a setting "
                             f"(in {where}: {known})")
        model = getattr(model, part)
    if isinstance(model, BaseModel):
        raise ValueError(f"--param {spec}: {'.'.join(path)} is a section; name one of its "
                         f"settings ({', '.join(sorted(type(model).model_fields))})")


def apply(settings: ArbotSettings, values: dict[Param, Any]) -> ArbotSettings:
    """`settings` with each parameter set, validated by its section's model."""
    out: Any = settings
    for param, value in values.items():
        out = _set(out, param.path, value, param.name)
    assert isinstance(out, ArbotSettings)
    return out


def _set(model: BaseModel, path: tuple[str, ...], value: Any, name: str) -> BaseModel:
    head, *rest = path
    if rest:
        child = getattr(model, head)
        return model.model_copy(update={head: _set(child, tuple(rest), value, name)})
    data = model.model_dump()
    data[head] = value
    try:
        checked = type(model).model_validate(data)
    except ValidationError as exc:
        reason = "; ".join(e["msg"] for e in exc.errors())
        raise ValueError(f"--param {name}={value}: {reason}") from None
    return model.model_copy(update={head: getattr(checked, head)})


def toml_lines(best: dict[Param, Any]) -> str:
    """The best settings as arbot.toml lines to paste, by section."""
    sections: dict[str, list[str]] = {}
    for param, value in best.items():
        text = (str(value).lower() if isinstance(value, bool)
                else repr(value) if isinstance(value, int | float) else f'"{value}"')
        sections.setdefault(".".join(param.path[:-1]), []).append(f"{param.path[-1]} = {text}")
    return "\n".join(f"[{s}]\n" + "\n".join(lines) + "\n" for s, lines in sections.items())
