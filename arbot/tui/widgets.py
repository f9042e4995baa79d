"""What every ArBot screen shares: the header, the log panel, and the screen base class.

Each mode has its own screen, and a widget can live on one screen only, so every screen
composes its own header and log panel. They all draw from the app's one `MarketState`
and one log backlog, so switching screens never shows a different picture.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import ActiveBinding
from textual.containers import Horizontal
from textual.css.query import NoMatches
from textual.dom import DOMNode
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Label, RichLog

from arbot.config import ArbotSettings
from arbot.domain import FeedState
from arbot.tradekinds import TradingMode
from arbot.trading.risk import TradingState
from arbot.tui.heap import freeze_heap
from arbot.tui.messages import LogLine
from arbot.tui.state import NS_PER_S, EpisodeRow, MarketState, RunPhase
from arbot.tui.tradedata import TradeRow

_MODE_CLASSES = ("-off", "-paper", "-live", "-armed")
_STATE_CLASSES = ("-paused", "-halted")


def trading_badge(state: MarketState) -> tuple[str, str]:
    """(text, class) of the trading badge: OFF, PAPER, LIVE (disarmed) or LIVE ARMED."""
    mode = state.trading_mode
    if mode == TradingMode.LIVE:
        armed = state.trading is not None and state.trading.live_armed
        return ("LIVE ARMED", "-armed") if armed else ("LIVE (disarmed)", "-live")
    return mode.upper(), f"-{mode}"


def trading_state_badge(state: MarketState) -> tuple[str, str] | None:
    """(text, class) when trading is PAUSED or HALTED; None while it runs."""
    trading = state.trading
    if trading is None or trading.state not in (TradingState.PAUSED, TradingState.HALTED):
        return None
    return trading.state.upper(), f"-{trading.state}"


def theme_style(node: DOMNode, name: str, *, bold: bool = False) -> str:
    """A Rich style string for a semantic theme colour (e.g. `success`), so cell text
    follows the theme, the 16-colour fallback and NO_COLOR like the CSS does."""
    colour = node.app.theme_variables.get(name, "")
    return f"{'bold ' if bold else ''}{colour}".strip() or "none"


class Field(Label):
    """A label that repaints only when its text changes, so an idle tick costs nothing."""

    def __init__(self, text: str = "", *, id: str | None = None,
                 classes: str | None = None) -> None:
        super().__init__(text, id=id, classes=classes, markup=False)
        self._text = text

    @property
    def text(self) -> str:
        return self._text

    def show(self, text: str) -> None:
        if text != self._text:
            # same length, same width: no layout pass (a clock tick would cost one)
            self.update(text, layout=len(text) != len(self._text))
            self._text = text


class ArbotHeader(Horizontal):
    """One line: screen, DEMO, trading mode (and PAUSED or HALTED), venues live, engine
    heartbeat, UTC time.

    The heartbeat says STALLED, and trading ARMED or HALTED, in words as well as in
    colour, for terminals without colour.
    """

    DEFAULT_CSS = "ArbotHeader { height: 1; dock: top; }"

    def __init__(self, state: MarketState, title: str) -> None:
        super().__init__()
        self._state = state
        self._title = title

    def compose(self) -> ComposeResult:
        text, mode_class = trading_badge(self._state)
        yield Field("ArBot", id="brand")
        yield Field(self._title, id="screen-title")
        if self._state.demo:
            yield Field("DEMO", id="demo", classes="badge")
        yield Field(text, id="trading-mode", classes=f"badge {mode_class}")
        trading_state = Field(id="trading-state", classes="badge")
        trading_state.display = False
        yield trading_state
        yield Field(id="venues-live")
        yield Field(id="heartbeat")
        yield Field(id="clock")

    def on_mount(self) -> None:
        self.refresh_from_state()

    def refresh_from_state(self) -> None:
        state = self._state
        self._refresh_trading()
        enabled = state.settings.exchanges.enabled_venues()
        live = sum(state.venue_state(v) is FeedState.LIVE for v in enabled)
        self.query_one("#venues-live", Field).show(f"{live}/{len(enabled)} live")
        beat = self.query_one("#heartbeat", Field)
        stalled = False
        if state.phase != RunPhase.RUNNING:
            text = f"engine {state.phase}"
        elif state.engine_stalled():
            stalled = True
            text = f"engine STALLED {state.engine_age_s():.1f}s"
        else:
            text = f"engine ok {state.engine_age_s():.1f}s"
        beat.show(text)
        beat.set_class(stalled, "-stalled")
        beat.set_class(not stalled and state.phase == RunPhase.RUNNING, "-ok")
        now = dt.datetime.fromtimestamp(state.clocks.wall_ns() / NS_PER_S, dt.UTC)
        self.query_one("#clock", Field).show(now.strftime("%H:%M:%SZ"))

    def _refresh_trading(self) -> None:
        text, mode_class = trading_badge(self._state)
        badge = self.query_one("#trading-mode", Field)
        badge.show(text)
        for name in _MODE_CLASSES:
            badge.set_class(name == mode_class, name)
        shown = trading_state_badge(self._state)
        state_badge = self.query_one("#trading-state", Field)
        state_badge.display = shown is not None
        if shown is not None:
            state_badge.show(shown[0])
            for name in _STATE_CLASSES:
                state_badge.set_class(name == shown[1], name)


_LEVEL_STYLE = {logging.WARNING: "warning", logging.ERROR: "error",
                logging.CRITICAL: "error"}


class LogPanel(RichLog):
    """The log records of this run; hidden until `l` (the app toggles `-show-log`)."""

    def __init__(self, backlog: Iterable[LogLine]) -> None:
        super().__init__(max_lines=1000, wrap=True, markup=False, highlight=False,
                         min_width=20, id="log")
        self._backlog = backlog
        self.loaded = False
        self.border_title = "log"

    def on_mount(self) -> None:
        for line in self._backlog:
            self.add(line)
        self.loaded = True

    def add(self, line: LogLine) -> None:
        name = _LEVEL_STYLE.get(line.level)
        style = theme_style(self, name) if name else ""
        self.write(Text(line.text, style=style))


class ArbotScreen(Screen[None]):
    """Header, the screen's own body, the log panel and the footer.

    The app calls `refresh_market` once per tick and `episode_changed` per episode event
    on every ArbotScreen it has built; a hidden screen skips the per-tick redraw and
    catches up as it is shown again, before its first paint.
    """

    TITLE_TEXT = ""

    def __init__(self, state: MarketState, log_backlog: Iterable[LogLine]) -> None:
        super().__init__()
        self.state = state
        self._log_backlog = log_backlog
        self.ready = False  # set by subclasses once their tables are built

    def compose(self) -> ComposeResult:
        yield ArbotHeader(self.state, self.TITLE_TEXT)
        yield from self.compose_body()
        yield LogPanel(self._log_backlog)
        yield Footer(compact=True, show_command_palette=False)

    @property
    def active_bindings(self) -> dict[str, ActiveBinding]:
        """Textual's, with ArBot's own keys (this screen's and the app's: `!`, space, `e`,
        `a`, ...) ahead of the focused table's cursor keys, so the keys panel (`?`) lists
        them first. The footer shows none of the cursor keys, so it reads as before."""
        found = super().active_bindings
        own = {k: b for k, b in found.items() if b.node is self or b.node is self.app}
        return {**own, **{k: b for k, b in found.items() if k not in own}}

    def compose_body(self) -> ComposeResult:
        """The screen's own widgets, between the header and the log panel."""
        yield from ()

    def refresh_market(self) -> None:
        """A tick arrived: redraw what changed. A screen not on show does nothing: it
        catches up when it is shown again (`on_screen_resume`)."""
        if not self.ready or not self.is_current:
            return
        try:
            self.query_one(ArbotHeader).refresh_from_state()
            self.refresh_body()
        except NoMatches:  # the app is exiting and has already removed our widgets
            self.ready = False

    def refresh_body(self) -> None:
        """Update the body from `self.state`; cells that did not change stay untouched."""

    def episode_changed(self, row: EpisodeRow) -> None:
        """An episode opened, moved or closed."""

    def trades_changed(self, rows: list[TradeRow]) -> None:
        """Trades settled live or were read from the database."""

    def settings_changed(self, old: ArbotSettings) -> None:
        """New settings were saved; `self.state.settings` holds them."""

    def on_mount(self) -> None:
        self.build_body()
        self.ready = True
        self.refresh_market()
        self.app.call_after_refresh(freeze_heap)  # its widgets join the frozen set

    def visible_table(self) -> tuple[list[str], list[list[str]]]:
        """The screen's main table as text, for "export the table on screen"."""
        tables = self.query(DataTable)
        return table_text(tables.first()) if tables else ([], [])

    def on_screen_resume(self) -> None:
        self.refresh_market()

    def on_unmount(self) -> None:
        self.ready = False

    def build_body(self) -> None:
        """Add columns and fixed rows once the body is mounted."""

    def log_line(self, line: LogLine) -> None:
        """A new log record (already in the backlog a panel mounted later replays)."""
        for panel in self.query(LogPanel):
            if panel.loaded:
                panel.add(line)


def table_text(table: DataTable[object]) -> tuple[list[str], list[list[str]]]:
    """Header and rows as plain text; a two-line cell (bid over ask) becomes `bid / ask`."""

    def plain(cell: object) -> str:
        text = cell.plain if isinstance(cell, Text) else str(cell)
        return text.replace("\n", " / ")

    header = [plain(column.label) for column in table.columns.values()]
    rows = [[plain(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]
    return header, rows
