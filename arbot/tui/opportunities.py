"""The Opportunities screen: episodes newest first, the selected one explained (with both
books as a ladder, the walked levels marked), and the why-no-trade funnel.

The table starts from the latest episodes in the database (read once by the app, see
`arbot.tui.history`) and then follows live episode events. Rows are keyed by episode id,
so a live event for a row loaded from the database updates it rather than adding a twin.
The ladder reads the runtime's live books (`MarketState.depth_board`) only while this
screen is on show, once per tick; hidden, it costs nothing.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Mapping

from rich.console import JustifyMethod
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.css.query import NoMatches
from textual.widgets import DataTable, Static

from arbot.tui.detail import describe_episode, episode_status, figures, notes
from arbot.tui.fmt import decimals, qty
from arbot.tui.ladder import render_ladder
from arbot.tui.messages import LogLine
from arbot.tui.state import NS_PER_MS, NS_PER_S, EpisodeRow, MarketState
from arbot.tui.tradetext import clock
from arbot.tui.widgets import ArbotScreen, theme_style
from arbot.venues import VENUES

# Short venue names keep a row within 80 columns; the detail pane spells them out.
SHORT = {v.value: s.short for v, s in VENUES.items()}
# Widths add up to 80 columns with the cell padding and a one-column scrollbar; "Net-T",
# the net after fees and the amortized transfer cost ([strategy] rebalance_cost), follows
# the net after fees and scrolls into view on a narrow terminal.
# "Life" is how long the episode has been open (closed: how long it lasted); "Opened"
# is its UTC opening time, beside Net-T.
COLUMNS = (("Symbol", "symbol", 8), ("Buy", "buy", 12), ("Sell", "sell", 12),
           ("Net", "net", 5), ("Size", "size", 7), ("Profit", "profit", 6),
           ("Life", "age", 5), ("Verdict", "verdict", 8), ("Net-T", "net_t", 5),
           ("Opened", "opened", 8))
FUNNEL_STEPS = (("quotes", "quotes"), ("not_live", "venue not live"),
                ("stale", "vs stale quote"), ("crossed", "crossed"),
                ("below_min", "below min after fees"), ("too_small", "too small"))
# Steps named only once they have stopped a candidate (depth books, coin checks).
QUIET_STEPS = (("too_thin", "too thin in depth"), ("resyncing", "vs resyncing book"),
               ("not_same_coin", "not the same coin"))
# Ladder rows: as many as the screen has room for beside everything else, within these.
# The rest of the screen takes LADDER_FIXED lines on 80 columns (header, footer, funnel,
# four table lines, the pane's border, its first three lines, last two and the ladder's
# title line), and the log panel LOG_LINES more when shown.
LADDER_ROWS = (3, 10)
LADDER_FIXED = 17
LOG_LINES = 8


class Stamp(Text):
    """An age cell that also carries the episode's opening time, to sort newest first."""

    def __init__(self, text: str, opened_ns: int) -> None:
        super().__init__(text, justify="right", no_wrap=True)
        self.opened_ns = opened_ns


def _duration(ns: int) -> str:
    if ns < NS_PER_S:
        return f"{ns // NS_PER_MS}ms"
    if ns < 60 * NS_PER_S:
        return f"{ns / NS_PER_S:.1f}s"
    return f"{ns // (60 * NS_PER_S)}m"


def funnel_text(funnel: Mapping[str, object], open_count: int) -> str:
    """The funnel in the order a candidate passes through it."""
    parts = [f"{label} {funnel.get(key, 0)}" for key, label in FUNNEL_STEPS]
    parts += [f"{label} {funnel[key]}" for key, label in QUIET_STEPS if funnel.get(key)]
    filtered = funnel.get("filtered")
    if isinstance(filtered, Mapping) and filtered:
        parts.append("filtered " + ", ".join(f"{k} {v}" for k, v in filtered.items()))
    else:
        parts.append("filtered 0")
    parts.append(f"passed {funnel.get('passed', 0)}")
    return " · ".join(parts) + f"  ({open_count} open)"


class OpportunitiesScreen(ArbotScreen):
    """Live and recent episodes."""

    TITLE_TEXT = "Opportunities"

    def __init__(self, state: MarketState, log_backlog: Iterable[LogLine]) -> None:
        super().__init__(state, log_backlog)
        self._versions: dict[str, int] = {}  # row key -> EpisodeRow.version on screen
        self._ages: dict[str, str] = {}
        self._panes: dict[str, str | Text] = {}

    def compose_body(self) -> ComposeResult:
        yield DataTable(id="episodes", cursor_type="row", zebra_stripes=True)
        with Vertical(id="episode-bottom"):
            with Vertical(id="episode-selected"):
                yield Static(id="episode-detail")
                with Horizontal(id="episode-depth"):
                    yield Static(id="episode-figures")
                    yield Static(id="episode-ladder")
                yield Static(id="episode-notes")
            yield Static(id="funnel")

    def build_body(self) -> None:
        table = self.query_one("#episodes", DataTable)
        for label, key, width in COLUMNS:
            justify: JustifyMethod = "left" if key in ("symbol", "verdict") else "right"
            table.add_column(Text(label, justify=justify), key=key, width=width)
        self.query_one("#episode-selected").border_title = "selected"
        self.query_one("#funnel", Static).border_title = "why no trade"
        self._add_rows(list(self.state.episodes.values()))

    # -- rows ------------------------------------------------------------------------

    def add_rows(self, rows: list[EpisodeRow]) -> None:
        """New or changed episodes. Before the screen is built there is nothing to do: it
        starts from every episode in the state."""
        if self.ready:
            with contextlib.suppress(NoMatches):  # NoMatches: the app is exiting
                self._add_rows(rows)

    def _add_rows(self, rows: list[EpisodeRow]) -> None:
        """Add or update rows, then keep the table newest first and the cursor on its row."""
        table = self.query_one("#episodes", DataTable)
        selected = self._selected_key()
        added = False
        for row in rows:
            if row.id in self._versions:
                self._update_row(table, row)
            else:
                table.add_row(*self._cells(row), key=row.id)
                self._versions[row.id] = row.version
                added = True
        for gone in [k for k in self._versions if k not in self.state.episodes]:
            table.remove_row(gone)
            del self._versions[gone]
            self._ages.pop(gone, None)
        if added:
            table.sort("age", key=lambda cell: cell.opened_ns, reverse=True)
            if selected is not None and selected in self._versions:
                table.move_cursor(row=table.get_row_index(selected), animate=False)
            else:
                table.move_cursor(row=0, animate=False)
        if self.is_current:  # hidden: the detail is drawn again as the screen is shown
            self._show_detail()

    def episode_changed(self, row: EpisodeRow) -> None:
        self.add_rows([row])

    def _update_row(self, table: DataTable[object], row: EpisodeRow) -> None:
        if self._versions.get(row.id) == row.version:
            return
        self._versions[row.id] = row.version
        self._ages.pop(row.id, None)
        for (_, key, _), cell in zip(COLUMNS, self._cells(row), strict=True):
            table.update_cell(row.id, key, cell)

    def _cells(self, row: EpisodeRow) -> list[Text]:
        passed = row.verdict == "passed"
        verdict_style = theme_style(self, "success") if passed else "dim"
        net_style = theme_style(self, "success", bold=True) if passed else ""
        places = self._places(row)
        return [
            Text(row.symbol),
            Text(f"{SHORT.get(row.buy_venue, row.buy_venue)} {row.buy_ask:.{places}f}",
                 justify="right"),
            Text(f"{SHORT.get(row.sell_venue, row.sell_venue)} {row.sell_bid:.{places}f}",
                 justify="right"),
            Text(f"{row.net_bps:+.1f}", net_style, justify="right"),
            Text(qty(row.size), justify="right"),
            Text(f"{row.profit:.3f}", justify="right"),
            self._age(row),
            Text(row.verdict_short, verdict_style),
            Text("-" if row.transfer_bps is None else f"{row.net_bps - row.transfer_bps:+.1f}",
                 justify="right"),
            Text(clock(row.opened_ns), "dim"),
        ]

    def _places(self, row: EpisodeRow) -> int:
        """The symbol's decimals as its venues quote it (the tick size the Prices screen
        shows), so 0.6 stands as 0.6000 beside 0.5984."""
        return decimals([row.buy_ask, row.sell_bid, *(
            p for (symbol, _), q in self.state.quotes.items() if symbol == row.symbol
            for p in (q.bid, q.ask))])

    def _age(self, row: EpisodeRow) -> Stamp:
        """Open: how long it has been open, live, in bold. Closed: its lifetime, dimmed."""
        if row.closed_ns is None:
            stamp = Stamp(_duration(max(0, self.state.clocks.wall_ns() - row.opened_ns)),
                          row.opened_ns)
            stamp.stylize("bold")  # bold, not colour: visible with NO_COLOR too
            return stamp
        stamp = Stamp(_duration(max(0, row.closed_ns - row.opened_ns)), row.opened_ns)
        stamp.stylize("dim")
        return stamp

    # -- per tick --------------------------------------------------------------------

    def refresh_body(self) -> None:
        table = self.query_one("#episodes", DataTable)
        for key in self._versions:
            row = self.state.episodes.get(key)
            if row is not None and row.closed_ns is None:
                age = self._age(row)
                if self._ages.get(key) != age.plain:
                    self._ages[key] = age.plain
                    table.update_cell(key, "age", age)
        self._show_detail()
        open_count = sum(r.closed_ns is None for r in self.state.episodes.values())
        self._show("#funnel", funnel_text(self.state.funnel, open_count))

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_detail()

    def _selected_key(self) -> str | None:
        table = self.query_one("#episodes", DataTable)
        if table.row_count == 0:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return key

    def _show_detail(self) -> None:
        key = self._selected_key()
        row = self.state.episodes.get(key) if key is not None else None
        self.query_one("#episode-depth").display = row is not None
        self.query_one("#episode-notes").display = row is not None
        selected = self.query_one("#episode-selected")
        if row is None:
            selected.border_title = "selected"
            self._show("#episode-detail",
                       "No episode yet: gaps that beat both taker fees show up here.")
            return
        selected.border_title = f"selected: {episode_status(row)}"
        self._show("#episode-detail", describe_episode(row, self.state))
        self._show("#episode-figures", figures(row))
        self._show("#episode-ladder", render_ladder(
            row, self.state.depth_board, self.ladder_rows(),
            walked_style=theme_style(self, "success", bold=True),
            note_style=theme_style(self, "warning", bold=True)))
        self._show("#episode-notes", notes(row, self.state))

    def ladder_rows(self) -> int:
        """Levels per side the ladder shows: up to ten, fewer on a short terminal."""
        spare = self.size.height - LADDER_FIXED
        if self.app.has_class("-show-log"):
            spare -= LOG_LINES
        low, high = LADDER_ROWS
        return max(low, min(high, spare))

    def _show(self, selector: str, content: str | Text) -> None:
        """Update a pane only when its content changed: most ticks change nothing."""
        if self._panes.get(selector) != content:
            self._panes[selector] = content
            self.query_one(selector, Static).update(content)
