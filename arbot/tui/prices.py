"""The Prices screen: symbols x venues, bid over ask, best of each highlighted, and the
best gross and net spread per symbol, the net at the top of book over the net the
engine's depth walk found; below it, one status line per venue connection set.

Which quotes count (venue live, young enough on the engine's clock) and the best spreads
(net of the taker fees the engine pays) are the engine's own answer, carried by each
tick: the screen never re-derives them. A quote the engine does not count is dimmed. The
depth-sized net is the engine's too: the best `walk_net_bps` among the symbol's open
episodes (blank with none open), never a walk of the screen's own.
Each tick fills only the rows in view, and only cells that changed are written and
repainted (`LiveTable`); rows scrolled into view are filled as they arrive.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from typing import ClassVar

from rich.console import JustifyMethod
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType

from arbot.config import ArbotSettings
from arbot.domain import FeedState, FeedStatus, Venue
from arbot.exchanges.lag import lag_status
from arbot.tui.fmt import decimals, qty
from arbot.tui.livetable import LiveTable
from arbot.tui.messages import LogLine
from arbot.tui.state import MarketState
from arbot.tui.widgets import ArbotScreen, theme_style

VENUES: tuple[Venue, ...] = tuple(Venue)
_STATE_STYLE = {FeedState.LIVE: "success", FeedState.QUARANTINED: "error",
                FeedState.DISABLED: "", FeedState.STALE: "error"}


PRICE_W, SIDE_W = 10, 18  # a venue's column: the price alone, or the price and its size
# Beside a price a size needs SIDE_W columns per venue; below it, the price's width is
# enough, so a narrow terminal (80 columns) stacks each size under its price (a row of
# four lines) instead of pushing the last venue and the spreads off screen.
FIXED_W = 2 + 8 + 2 + 7 + 2 + 7 + 2 + 1  # symbol padding, Gross, Net, Net-T, scrollbar


class Layout(enum.Enum):
    PRICES = "prices"  # bid over ask
    BESIDE = "beside"  # bid size over ask size, each size beside its price
    STACKED = "stacked"  # bid, its size, ask, its size


def layout(sizes: bool, width: int, symbol_w: int) -> Layout:
    """How the price cells show: sizes beside prices when the screen is wide enough for
    every venue and the spreads, stacked under them when not."""
    if not sizes:
        return Layout.PRICES
    wide = symbol_w + FIXED_W + len(VENUES) * (SIDE_W + 2)
    return Layout.BESIDE if width >= wide else Layout.STACKED


def _price(value: float, size: float, places: int, shown: Layout) -> str:
    """The price, and its size when beside it (stacked sizes are their own line)."""
    text = f"{value:.{places}f}"
    return f"{text} {qty(size)}" if shown is Layout.BESIDE else text


class PricesScreen(ArbotScreen):
    """Top of book everywhere at a glance."""

    TITLE_TEXT = "Prices"
    BINDINGS: ClassVar[list[BindingType]] = [Binding("z", "toggle_sizes", "Sizes", id="sizes",
                        tooltip="Show or hide the top-of-book sizes next to prices")]

    def __init__(self, state: MarketState, log_backlog: Iterable[LogLine]) -> None:
        super().__init__(state, log_backlog)
        self.show_sizes = state.settings.ui.show_sizes
        self.price_layout = Layout.PRICES

    def compose_body(self) -> ComposeResult:
        yield LiveTable(id="prices", cursor_type="row", zebra_stripes=True, header_height=2)
        yield LiveTable(id="venue-status", cursor_type="none", show_cursor=False)

    def build_body(self) -> None:
        self._build_prices()
        status = self.query_one("#venue-status", LiveTable)
        for label, key, width in (("Venue", "venue", 8), ("State", "state", 12),
                                  ("q/s", "qps", 5), ("Frame", "age", 6),
                                  ("Lag ms", "lag", 9), ("Reconn", "reconnects", 6),
                                  ("Note", "note", 30)):
            justify: JustifyMethod = ("right" if key in ("qps", "age", "lag", "reconnects")
                                      else "left")
            status.add_column(Text(label, justify=justify), key=key, width=width)
        for venue in VENUES:
            status.add_row(venue.value, *[""] * 6, key=venue.value)

    def _build_prices(self) -> None:
        table = self.query_one("#prices", LiveTable)
        table.clear(columns=True)
        symbols = self.state.settings.market.symbols
        symbol_w = max(len(s) for s in symbols)
        self.price_layout = layout(self.show_sizes, self.size.width, symbol_w)
        table.add_column("Symbol", key="symbol", width=symbol_w)
        width = SIDE_W if self.price_layout is Layout.BESIDE else PRICE_W
        for venue in VENUES:
            table.add_column(Text(venue.value, justify="right"), key=venue.value, width=width)
        table.add_column(Text("Gross bp", justify="right"), key="gross", width=8)
        # Two lines, like the rows: the net at the top of book over the walked net.
        table.add_column(Text("Net bp\nwalked", justify="right"), key="net", width=7)
        # [strategy] rebalance_cost: the best net pair after fees and its transfer cost.
        table.add_column(Text("Net bp\n-transf", justify="right"), key="net_t", width=7)
        for symbol in symbols:
            table.add_row(symbol, *[""] * (len(VENUES) + 3), key=symbol,
                          height=4 if self.price_layout is Layout.STACKED else 2)

    def on_resize(self) -> None:
        """A terminal made wider or narrower may move the sizes beside or under prices."""
        symbols = self.state.settings.market.symbols
        if self.ready and layout(self.show_sizes, self.size.width,
                                 max(len(s) for s in symbols)) is not self.price_layout:
            self._build_prices()
            self.refresh_market()

    def settings_changed(self, old: ArbotSettings) -> None:
        """New symbols mean new rows; everything else shows at the next refresh."""
        if self.ready and old.market.symbols != self.state.settings.market.symbols:
            self._build_prices()

    def action_toggle_sizes(self) -> None:
        self.show_sizes = not self.show_sizes
        self._build_prices()
        self.refresh_market()

    # -- per tick ----------------------------------------------------------------------

    def refresh_body(self) -> None:
        prices = self.query_one("#prices", LiveTable)
        self._refresh_prices(prices, prices.rows_in_view())
        prices.flush()
        self._refresh_status()
        self.query_one("#venue-status", LiveTable).flush()

    def on_live_table_view_moved(self, event: LiveTable.ViewMoved) -> None:
        """Rows scrolled into view show what they missed while out of it."""
        if self.ready and event.table.id == "prices":
            self._refresh_prices(event.table, event.table.rows_in_view())
            event.table.flush()

    def visible_table(self) -> tuple[list[str], list[list[str]]]:
        """Every row brought up to date first: rows out of view are not kept current."""
        prices = self.query_one("#prices", LiveTable)
        self._refresh_prices(prices, set(self.state.settings.market.symbols))
        prices.flush()
        return super().visible_table()

    def _put(self, table: LiveTable, row: str, column: str, text: Text) -> None:
        table.put(row, column, text)

    def _refresh_prices(self, table: LiveTable, rows: set[str]) -> None:
        """Fill the rows `rows` (symbols) from the state."""
        state = self.state
        dim, bid_style = "dim", theme_style(self, "success", bold=True)
        ask_style = theme_style(self, "error", bold=True)
        enabled = set(state.settings.exchanges.enabled_venues())
        walks = state.best_walks()
        for symbol in rows:
            quotes = {v: q for v in VENUES if (q := state.quotes.get((symbol, v))) is not None}
            view = state.market.get(symbol)
            fresh_venues = view.fresh if view is not None else frozenset()
            fresh = [q for q in quotes.values() if q.venue in fresh_venues]
            best_bid = max((q.bid for q in fresh), default=None)
            best_ask = min((q.ask for q in fresh), default=None)
            places = decimals([p for q in quotes.values() for p in (q.bid, q.ask)])
            for venue in VENUES:
                q = quotes.get(venue)
                cell = Text(justify="right", no_wrap=True)
                if q is None:
                    cell.append("-" if venue in enabled else "off", dim)
                else:
                    stale = venue not in fresh_venues
                    shown = self.price_layout
                    cell.append(_price(q.bid, q.bid_size, places, shown),
                                dim if stale else bid_style if q.bid == best_bid else "")
                    if shown is Layout.STACKED:  # its size below it, dimmed
                        cell.append(f"\n{qty(q.bid_size)}", dim)
                    cell.append("\n")
                    cell.append(_price(q.ask, q.ask_size, places, shown),
                                dim if stale else ask_style if q.ask == best_ask else "")
                    if shown is Layout.STACKED:
                        cell.append(f"\n{qty(q.ask_size)}", dim)
                self._put(table, symbol, venue.value, cell)
            gross, net = (view.gross_bps, view.net_bps) if view is not None else (None, None)
            self._put(table, symbol, "gross", _bps(gross, ""))
            cell = _bps(net, self._net_style(net))
            walked = walks.get(symbol)
            if walked is not None:
                cell.append("\n")
                cell.append_text(_bps(walked, self._net_style(walked)))
            self._put(table, symbol, "net", cell)
            after = view.net_after_transfer_bps if view is not None else None
            self._put(table, symbol, "net_t", _bps(after, self._net_style(after)))

    def _net_style(self, net: float | None) -> str:
        """Bold green at or above the threshold, warning colour above zero."""
        if net is None or net <= 0:
            return ""
        if net >= self.state.settings.strategy.min_net_profit_bps:
            return theme_style(self, "success", bold=True)
        return theme_style(self, "warning")

    def _refresh_status(self) -> None:
        state = self.state
        table = self.query_one("#venue-status", LiveTable)
        for venue in VENUES:
            statuses = state.venue_statuses(venue)
            row = venue.value
            venue_state = state.venue_state(venue)
            startup = state.startup_notes.get(venue)
            if venue_state is None:
                cells = {"state": Text("waiting", "dim"), "note": Text(startup or "")}
            else:
                # As reported (each connection reports at least once a second); the
                # slowest connection speaks for the venue, like its worst state does.
                ages = [s.last_frame_age_s for s in statuses if s.last_frame_age_s is not None]
                notes = [note for s in statuses if (note := _note(s))]
                inventory = state.inventory
                notes += inventory.refused.get(venue, []) if inventory is not None else []
                notes += [startup] if startup else []
                live = venue_state in (FeedState.LIVE, FeedState.STALE)
                style = _STATE_STYLE.get(venue_state, "warning")
                cells = {
                    "state": Text(venue_state.value, theme_style(self, style) if style else "dim"),
                    "qps": Text(f"{sum(s.quotes_per_s for s in statuses):.0f}",
                                justify="right"),
                    "age": Text(f"{max(ages):.1f}s" if ages and live else "-", justify="right"),
                    "lag": _lag(lag_status(statuses)),
                    "reconnects": Text(str(sum(s.reconnects for s in statuses)),
                                       justify="right"),
                    "note": Text(notes[0] if notes else ""),
                }
            for column in ("state", "qps", "age", "lag", "reconnects", "note"):
                self._put(table, row, column, cells.get(column, Text("")))


def _note(status: FeedStatus) -> str | None:
    """Why it is stale, else a planned rotation under way, else depth books being
    resynced, else the connection's last error, else why its lag is not measured."""
    if status.stale_reason and status.state is FeedState.STALE:
        return status.stale_reason
    if status.rotating:
        return f"rotating: {status.rotating}"
    if status.books_resyncing:
        n = status.books_resyncing
        return f"{n} book{'s' if n != 1 else ''} resyncing ({sum(status.resyncs.values())} so far)"
    return status.last_error or (f"lag {status.lag_note}" if status.lag_note else None)


def _lag(status: FeedStatus | None) -> Text:
    """p50/p99 of the venue's lag in ms; "n/a" where it is not measured (the note says
    why), "-" before any sample."""
    if status is None or status.lag_p50_ms is None:
        shown = "n/a" if status is not None and status.lag_note else "-"
        return Text(shown, "dim", justify="right")
    return Text(f"{status.lag_p50_ms:.0f}/{status.lag_p99_ms or 0:.0f}", justify="right")


def _bps(value: float | None, style: str) -> Text:
    return Text("-" if value is None else f"{value:+.1f}", style or "", justify="right")
