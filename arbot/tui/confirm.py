"""A yes/no dialog for the actions that must never happen by a stray key: the kill switch,
arming live trading, resuming after a halt.

Keyboard only: `y` confirms, `n` or escape cancels, tab moves between the two buttons and
enter presses the focused one. Which button has the focus at first depends on which answer
is the safe one: the kill switch focuses Halt, arming focuses Cancel.
"""

from __future__ import annotations

from typing import ClassVar

from rich.console import RenderableType
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static


class ConfirmDialog(ModalScreen[bool]):
    """Dismissed with True when confirmed, False when cancelled."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Yes", id="confirm-yes",
                tooltip="Do it (the same as the dialog's first button)"),
        Binding("n,escape", "answer(False)", "No", id="confirm-no",
                tooltip="Close the dialog and do nothing"),
    ]

    DEFAULT_CSS = """
    ConfirmDialog { align: center middle; }
    ConfirmDialog #confirm-box {
        width: 72; max-width: 100%; height: auto; max-height: 100%;
        border: round $warning; background: $surface; padding: 0 1;
    }
    ConfirmDialog.-danger #confirm-box { border: round $error; }
    ConfirmDialog #confirm-title { text-style: bold; margin-bottom: 1; }
    ConfirmDialog #confirm-buttons { height: auto; margin-top: 1; }
    ConfirmDialog #confirm-buttons > Button { margin-right: 2; }
    """

    def __init__(self, title: str, body: RenderableType, yes: str, *,
                 focus_yes: bool, danger: bool = False) -> None:
        super().__init__(classes="-danger" if danger else None)
        self._title = title
        self._body = body
        self._yes = yes
        self._focus_yes = focus_yes

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-box"):
            yield Label(self._title, id="confirm-title", markup=False)
            yield Static(self._body, id="confirm-body", markup=False)
            with Horizontal(id="confirm-buttons"):
                yield Button(f"{self._yes} (y)", id="confirm-yes", variant="error",
                             compact=True)
                yield Button("Cancel (n)", id="confirm-no", compact=True)

    def on_mount(self) -> None:
        self.query_one("#confirm-yes" if self._focus_yes else "#confirm-no", Button).focus()

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "confirm-yes")
