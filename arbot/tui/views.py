"""The screens the app has built, and every update handed to each of them.

A screen joins when its mode first builds it, and from then on is told of every tick,
episode, trade, log record and settings change whether it is on show or not; a hidden
screen ignores ticks and redraws as it is shown again (see `ArbotScreen`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from textual.screen import Screen

from arbot.config import ArbotSettings
from arbot.tui.messages import LogLine
from arbot.tui.opportunities import OpportunitiesScreen
from arbot.tui.state import EpisodeRow, MarketState
from arbot.tui.tradedata import TradeRow
from arbot.tui.widgets import ArbotScreen


class Views:
    """Every `ArbotScreen` built so far, over the app's one `state` and log backlog."""

    def __init__(self, state: MarketState, log_backlog: Iterable[LogLine]) -> None:
        self._state = state
        self._log_backlog = log_backlog
        self._screens: list[ArbotScreen] = []

    def factory(self, cls: type[ArbotScreen]) -> Callable[[], Screen[None]]:
        """A mode's screen factory that also registers the screen for market updates."""

        def build() -> Screen[None]:
            screen = cls(self._state, self._log_backlog)
            self._screens.append(screen)
            return screen

        return build

    def refresh_market(self) -> None:
        for view in self._screens:
            view.refresh_market()

    def episode_changed(self, row: EpisodeRow) -> None:
        for view in self._screens:
            view.episode_changed(row)

    def episodes_loaded(self, rows: list[EpisodeRow]) -> None:
        """Recorded episodes read at start-up, for the opportunities table."""
        for view in self._screens:
            if isinstance(view, OpportunitiesScreen):
                view.add_rows(rows)

    def trades_changed(self, rows: list[TradeRow]) -> None:
        for view in self._screens:
            view.trades_changed(rows)

    def log_line(self, line: LogLine) -> None:
        for view in self._screens:
            view.log_line(line)

    def settings_changed(self, old: ArbotSettings) -> None:
        for view in self._screens:
            view.settings_changed(old)
