"""The settings screen: the values a trader tunes while ArBot runs, saved into arbot.toml.

Why the form does no validation of its own: the rules live in the settings model, and a
second copy here would drift. The form turns text into typed values, hands only what
changed to `save_settings` (which validates the whole file with the loader that reads it
at start-up), and puts each refusal under the field it names. Only changed keys are
written, so a trader's arbot.toml never fills up with values they did not touch.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult, UnknownModeError
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Button, Footer, Input, Label, Select, Static, Switch

from arbot.config import DEFAULT_CONFIG_PATH, ArbotSettings
from arbot.config.save import Problem, SaveError, save_settings
from arbot.domain import Venue
from arbot.tui.fieldspec import FieldSpec, Kind, current_value, field_spec, parse_text
from arbot.tui.heap import freeze_heap
from arbot.venues import VENUES


@dataclass(frozen=True)
class Field:
    """One form field: the dotted settings key it edits and its label. Its type, choices,
    bounds and description are the settings model's (`spec`), never written here."""

    key: str
    label: str
    spec: FieldSpec = dataclasses.field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "spec", field_spec(self.key))

    @property
    def kind(self) -> Kind:
        return self.spec.kind

    @property
    def slug(self) -> str:
        """A widget id fragment: dots are not allowed in Textual ids."""
        return self.key.replace(".", "--")


def _venue_fields() -> Iterator[Field]:
    for venue in Venue:
        name = VENUES[venue].label
        yield Field(f"exchanges.{venue.value}.enabled", f"{name} enabled")
        yield Field(f"exchanges.{venue.value}.taker_fee_bps", f"{name} taker fee (bps)")
        yield Field(f"exchanges.{venue.value}.maker_fee_bps", f"{name} maker fee (bps)")


SECTIONS: tuple[tuple[str, tuple[Field, ...]], ...] = (
    ("Market", (Field("market.symbols", "Symbols (comma-separated)"),)),
    ("Venues", tuple(_venue_fields())),
    ("Strategy", (
        Field("strategy.min_net_profit_bps", "Min net profit (bps)"),
        Field("strategy.max_net_profit_bps", "Max net profit (bps)"),
        Field("strategy.max_quote_age_ms", "Max quote age (ms)"),
        Field("strategy.max_notional", "Max notional"),
        Field("strategy.min_notional", "Min notional"),
    )),
    ("Filters", (
        Field("filters.sanity.enabled", "Sanity filter"),
        Field("filters.freshness.enabled", "Freshness filter"),
        Field("filters.freshness.max_skew_ms", "  max skew (ms)"),
        Field("filters.volume.enabled", "Volume filter"),
        Field("filters.volume.min_top_notional", "  min top notional"),
        Field("filters.trend.enabled", "Trend filter"),
        Field("filters.trend.min_persist_ms", "  min persist (ms)"),
        Field("filters.trend.min_updates", "  min updates"),
        Field("filters.trend.max_move_bps", "  max move (bps)"),
        Field("filters.trend.window_ms", "  window (ms)"),
    )),
    ("Recording and display", (
        Field("storage.record_quotes", "Record quotes"),
        Field("ui.refresh_ms", "UI refresh (ms)"),
    )),
)
FIELDS: tuple[Field, ...] = tuple(f for _, fields in SECTIONS for f in fields)


def fields_for(problem: Problem, fields: Sequence[Field] = FIELDS) -> list[Field]:
    """The fields a problem belongs under: its own key, or for a whole-table rule (such as
    max above min) the fields of that table the message names; none if not on the form."""
    if problem.key is None:
        return []
    exact = [f for f in fields if f.key == problem.key]
    if exact:
        return exact
    inside = [f for f in fields if f.key.startswith(problem.key + ".")]
    named = [f for f in inside if f.key.rsplit(".", 1)[-1] in problem.text]
    return named or inside[:1]


class SettingsScreen(Screen[None]):
    """Edit and save the running settings; each refusal is shown under its field."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save", id="settings-save",
                tooltip="Validate and write the settings to the config file"),
        Binding("escape", "close", "Back", id="settings-close",
                tooltip="Leave the settings without saving (unsaved edits stay in the form)"),
    ]

    DEFAULT_CSS = """
    SettingsScreen { layout: vertical; }
    SettingsScreen #settings-title { padding: 0 1; background: $panel; width: 100%; }
    SettingsScreen #settings-form { height: 1fr; padding: 0 1; }
    SettingsScreen .section { margin-top: 1; text-style: bold; color: $accent; }
    SettingsScreen .field { height: auto; }
    SettingsScreen .field > Label { width: 28; }
    SettingsScreen .field > Input, SettingsScreen .field > Select { width: 1fr; }
    SettingsScreen .field > Switch { border: none; height: 1; padding: 0 1; }
    SettingsScreen .field > :focus { background-tint: $accent 25%; }
    SettingsScreen .error { color: $error; padding-left: 28; width: 100%; display: none; }
    SettingsScreen .error.-shown { display: block; }
    SettingsScreen #settings-errors { padding-left: 0; }
    SettingsScreen #settings-buttons { height: auto; padding: 0 1; }
    SettingsScreen #settings-buttons > Button { margin-right: 2; }
    """

    def __init__(
        self,
        settings: ArbotSettings,
        config_path: Path | None,
        on_saved: Callable[[ArbotSettings], None] | None = None,
        *,
        overrides: Mapping[str, Any] | None = None,
        environ: Mapping[str, str] | None = None,
        header: Callable[[], Widget] | None = None,
    ) -> None:
        """`config_path` None means ./arbot.toml, the file the next start reads.
        `overrides`/`environ` are the CLI and ARBOT_* layers the app started with, if
        any: the settings handed to `on_saved` keep them on top of the saved file.
        `header` builds the app's header (DEMO, trading mode, HALTED) above the form."""
        super().__init__()
        self._settings = settings
        self._config_path = config_path if config_path is not None else DEFAULT_CONFIG_PATH
        self._on_saved = on_saved
        self._overrides = overrides
        self._environ = environ
        self._header = header

    @property
    def settings(self) -> ArbotSettings:
        """The settings as last loaded or saved."""
        return self._settings

    @property
    def config_path(self) -> Path:
        """The file Save writes."""
        return self._config_path

    def compose(self) -> ComposeResult:
        if self._header is not None:
            yield self._header()
        yield Static(f"Settings — {self._config_path}", id="settings-title", markup=False)
        with VerticalScroll(id="settings-form"):
            yield Label("", id="settings-errors", classes="error", markup=False)
            for title, fields in SECTIONS:
                yield Label(title, classes="section")
                for field in fields:
                    with Horizontal(classes="field"):
                        yield Label(field.label, markup=False)
                        yield self._widget(field)
                    yield Label("", id=f"error-{field.slug}", classes="error", markup=False)
        with Horizontal(id="settings-buttons"):
            yield Button("Save", id="save", variant="primary", compact=True)
            yield Button("Close", id="close", compact=True)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(f"#field-{FIELDS[0].slug}").focus()
        # The form does no work per tick: once built, its widgets leave the collector's
        # reach like the other screens' (arbot.tui.heap).
        self.app.call_after_refresh(freeze_heap)

    def _widget(self, field: Field) -> Widget:
        """The widget the model's type calls for, with its description and allowed range
        as the tooltip (the model still judges on save)."""
        value = current_value(self._settings, field.key)
        wid = f"field-{field.slug}"
        widget: Widget
        if field.kind == "bool":
            widget = Switch(value=bool(value), id=wid, animate=False)
        elif field.kind == "choice":
            widget = Select([(c, c) for c in field.spec.choices], value=value,
                            allow_blank=False, id=wid, compact=True)
        else:
            # repr: the shortest text that reads back to the same float, so an untouched
            # field never counts as changed
            text = ", ".join(value) if field.kind == "symbols" else repr(value)
            widget = Input(text, id=wid, compact=True, select_on_focus=False)
        widget.tooltip = field.spec.hint
        return widget

    def form_value(self, field: Field) -> Any:
        """The typed value the form holds for `field`."""
        widget = self.query_one(f"#field-{field.slug}")
        if isinstance(widget, Switch):
            return widget.value
        if isinstance(widget, Select):
            return widget.value
        assert isinstance(widget, Input)
        return parse_text(field.kind, widget.value)

    def changes(self) -> dict[str, Any]:
        """Only the fields that differ from the current settings."""
        out = {}
        for field in FIELDS:
            value = self.form_value(field)
            if value != current_value(self._settings, field.key):
                out[field.key] = value
        return out

    @on(Button.Pressed)
    def _button(self, event: Button.Pressed) -> None:
        self.action_save() if event.button.id == "save" else self.action_close()

    @on(Input.Submitted)
    def _next_field(self) -> None:
        """Enter moves on, like tab: the form is filled in from the keyboard."""
        self.focus_next()

    def action_save(self) -> None:
        """Validate the whole settings; write only when every value is allowed."""
        self._show_problems([])
        changes = self.changes()
        if not changes:
            self.notify("Nothing changed", markup=False)
            return
        try:
            saved = save_settings(self._config_path, changes, overrides=self._overrides,
                                  environ=self._environ)
        except SaveError as exc:
            self._show_problems(exc.problems)
            count = len(exc.problems)
            self.notify(f"Not saved: {count} problem{'s' if count > 1 else ''}",
                        severity="error", markup=False)
            return
        self._settings = saved
        if self._on_saved is not None:
            try:
                self._on_saved(saved)
            except Exception as exc:  # saved, but the running app could not apply it
                self.notify(f"Saved to {self._config_path}, but applying it failed: {exc}",
                            severity="error", markup=False)
                return
        self.notify(f"Saved to {self._config_path}", markup=False)

    def _closable(self) -> bool:
        """Pushed over another screen, not the base screen of an app mode (popping that
        would leave the mode with no screen at all)."""
        stack = self.app.screen_stack
        return len(stack) > 1 and stack[-1] is self

    def on_screen_resume(self) -> None:
        self.query_one("#close", Button).display = self._closable()

    def on_screen_suspend(self) -> None:
        """Leaving with edits not saved (valid or not) says they were kept, and where."""
        changed = len(self.changes())
        if changed:
            self.notify(f"{changed} unsaved change{'s' if changed > 1 else ''} kept in the "
                        "settings form; save them there with ctrl+s", severity="warning",
                        markup=False)

    def action_close(self) -> None:
        """Back where the user came from: the screen below, or Prices when the settings
        are a mode of their own."""
        if self._closable():
            self.dismiss()
        else:
            with contextlib.suppress(UnknownModeError):  # an app without a Prices mode
                self.app.switch_mode("prices")

    def _show_problems(self, problems: Sequence[Problem]) -> None:
        """Each problem under its field (general ones at the top); focus the first."""
        by_field: dict[str, list[str]] = {}
        general: list[str] = []
        for problem in problems:
            owners = fields_for(problem)
            for field in owners:
                by_field.setdefault(field.slug, []).append(problem.text)
            if not owners:
                general.append(problem.text)
        for field in FIELDS:
            texts = by_field.get(field.slug, [])
            label = self.query_one(f"#error-{field.slug}", Label)
            label.update("\n".join(texts))
            label.set_class(bool(texts), "-shown")
            self.query_one(f"#field-{field.slug}").set_class(bool(texts), "-invalid")
        top = self.query_one("#settings-errors", Label)
        top.update("\n".join(general))
        top.set_class(bool(general), "-shown")
        first = next((f for f in FIELDS if f.slug in by_field), None)
        if first is not None:
            self.query_one(f"#field-{first.slug}").focus()
        elif general:
            self.query_one("#settings-form").scroll_home(animate=False)
