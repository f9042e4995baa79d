"""The settings form takes each field's type, choices, bounds and description from the
settings model: the form names a key and a label, nothing more."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Any, Literal

import pytest
from pydantic import BaseModel, Field
from textual.widgets import Input, Select, Switch
from textual.widgets.select import InvalidSelectValueError

from arbot.config import ArbotSettings
from arbot.config.sections import StorageSettings, StrategySettings
from arbot.tui import settings as form
from arbot.tui.fieldspec import FieldSpec, current_value, field_spec
from tests.tui.test_settings import Host, field_input


class Colour(Enum):
    RED = "red"
    BLUE = "blue"


class Inner(BaseModel):
    ratio: float = Field(0.5, gt=0, lt=1, description="A share.")
    count: int = Field(3, ge=2, description="How many.")
    mode: Literal["a", "b"] = Field("a", description="Which.")
    colour: Colour = Field(Colour.RED, description="What colour.")
    names: list[str] = Field(default_factory=list, description="Who.")
    on: bool = Field(True, description="Whether.")
    url: str = Field("x", description="Not on a form.")


class Root(BaseModel):
    inner: Inner = Field(default_factory=Inner)


def test_a_spec_is_read_from_the_model() -> None:
    assert field_spec("inner.ratio", Root) == FieldSpec("float", "A share.", gt=0, lt=1)
    assert field_spec("inner.ratio", Root).allowed == "a number > 0 and < 1"
    assert field_spec("inner.count", Root) == FieldSpec("int", "How many.", ge=2)
    assert field_spec("inner.mode", Root) == FieldSpec("choice", "Which.", ("a", "b"))
    assert field_spec("inner.colour", Root).choices == ("red", "blue")
    assert field_spec("inner.names", Root).kind == "symbols"
    assert field_spec("inner.on", Root).kind == "bool"


@pytest.mark.parametrize(("key", "problem"), [
    ("inner.nope", "no such setting"), ("nope.ratio", "not a settings table"),
    ("inner.ratio.deeper", "not a settings table")])
def test_a_key_the_model_lacks_is_refused(key: str, problem: str) -> None:
    with pytest.raises(KeyError, match=problem):
        field_spec(key, Root)


def test_a_type_the_form_cannot_edit_is_refused() -> None:
    with pytest.raises(TypeError, match=r"inner\.url"):
        field_spec("inner.url", Root)


def test_every_form_field_is_typed_and_described_by_the_model() -> None:
    age = field_spec("strategy.max_quote_age_ms")
    info = StrategySettings.model_fields["max_quote_age_ms"]
    assert (age.kind, age.ge, age.le, age.description) == ("int", 1, 60000, info.description)
    record = field_spec("storage.record_quotes")
    assert record.choices == ("all", "changes", "throttled", "off")
    assert StorageSettings.model_fields["record_quotes"].description == record.description
    settings = ArbotSettings()
    python_type = {"bool": bool, "int": int, "float": float, "symbols": list, "choice": str}
    for f in form.FIELDS:
        assert f.spec == field_spec(f.key) and f.spec.description, f.key
        assert isinstance(current_value(settings, f.key), python_type[f.kind]), f.key


async def test_the_widgets_and_tooltips_follow_the_model(tmp_path: Path) -> None:
    config = tmp_path / "arbot.toml"
    config.write_text("", encoding="utf-8")
    app = Host(config)
    async with app.run_test(size=(120, 50)) as pilot:
        await pilot.pause()
        age = field_input(app, "strategy.max_quote_age_ms")
        assert age.tooltip == (
            'With quote_freshness "age", quotes older than this (ms since receipt) never '
            'take part; with "connection", how late a channel\'s periodic re-send may be.\n'
            "Allowed: a whole number between 1 and 60000")
        fee = field_input(app, "exchanges.okx.taker_fee_bps")
        assert str(fee.tooltip).endswith("Allowed: a number between 0 and 100")
        record: Select[Any] = app.screen.query_one("#field-storage--record_quotes", Select)
        for mode in ("all", "changes", "throttled", "off"):  # the model's Literal
            record.value = mode
        with pytest.raises(InvalidSelectValueError):
            record.value = "sometimes"
        for f in form.FIELDS:
            widget = app.screen.query_one(f"#field-{f.slug}")
            expected = {"bool": Switch, "choice": Select}.get(f.kind, Input)
            assert isinstance(widget, expected) and widget.tooltip == f.spec.hint, f.key
