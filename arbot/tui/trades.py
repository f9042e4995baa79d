"""The Trades screen: the trader's state, its trades newest first, the selected trade's
orders, why trades were refused, and the balances per venue.

Trades come from the database once at start and then as `TradeSettled` messages; the
trader's state, counters and balances ride on each refresh tick. Rows are keyed by trade
id, so a trade recorded while it was still open is replaced when it settles live.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable

from rich.console import JustifyMethod, RenderableType
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.css.query import NoMatches
from textual.widgets import DataTable, Static

from arbot.config import ArbotSettings
from arbot.domain import Venue
from arbot.tradekinds import TradeStatus, TradingMode
from arbot.trading.risk import TradingState
from arbot.tui.control import key_for
from arbot.tui.messages import LogLine
from arbot.tui.opportunities import SHORT
from arbot.tui.state import MarketState
from arbot.tui.tradedata import TradeRow, TradingStatus
from arbot.tui.tradetext import (
    amount,
    balances_title,
    clock,
    describe_trade,
    money,
    places,
    price,
    rejections_text,
    status_lines,
    trade_qty,
    traded_assets,
)
from arbot.tui.widgets import ArbotScreen, theme_style

# The first eight columns fit 80 terminal columns; fees and the leg outcome scroll into
# view (and are in the detail pane of the selected trade). Qty sizes itself: it widens
# to bought/sold only while a trade with uneven legs is listed.
COLUMNS = (("Time", "time", 8), ("Symbol", "symbol", 8), ("Route", "route", 7),
           ("PnL", "pnl", 7), ("Status", "status", 8), ("Qty", "qty", None),
           ("Buy avg", "buy", 8), ("Sell avg", "sell", 8), ("Fees", "fees", 7),
           ("Legs", "legs", 8))
_LEFT = ("time", "symbol", "route", "status", "legs")
_STATUS_STYLE: dict[str, str] = {
    TradeStatus.FILLED: "success", TradeStatus.LEG_RISK: "error", TradeStatus.FAILED: "error",
    TradeStatus.MISSED: "", TradeStatus.OPEN: "warning"}


class TimeCell(Text):
    """A time cell that sorts by settle time, then by arrival (a frozen clock in tests, or
    two trades in the same nanosecond, still sort newest first)."""

    def __init__(self, ts_ns: int, seq: int) -> None:
        super().__init__(clock(ts_ns), no_wrap=True)
        self.sort_key = (ts_ns, seq)


class TradesScreen(ArbotScreen):
    """Trades, their orders, the trader's state and the balances."""

    TITLE_TEXT = "Trades"

    def __init__(self, state: MarketState, log_backlog: Iterable[LogLine]) -> None:
        super().__init__(state, log_backlog)
        self._shown: dict[str, TradeRow] = {}  # row key -> the row on screen
        self._keys = ""  # the trading keys, as `[ui.keymap]` binds them
        self._ack_key = "b"
        self._seq = 0
        self._cells: dict[tuple[str, str], str] = {}  # balance cell -> text on screen
        self._panes: dict[str, object] = {}

    def compose_body(self) -> ComposeResult:
        yield Static(id="trading-status", markup=False)
        yield DataTable(id="trades", cursor_type="row", zebra_stripes=True)
        yield Static(id="trade-detail")
        with Horizontal(id="trade-bottom"):
            yield Static(id="rejections", markup=False)
            yield DataTable(id="balances", cursor_type="none", show_cursor=False)

    def build_body(self) -> None:
        table = self.query_one("#trades", DataTable)
        for label, key, width in COLUMNS:
            justify: JustifyMethod = "left" if key in _LEFT else "right"
            table.add_column(Text(label, justify=justify), key=key, width=width)
        balances = self.query_one("#balances", DataTable)
        balances.add_column("Asset", key="asset", width=5)
        for venue in Venue:
            balances.add_column(Text(venue.value, justify="right"), key=venue.value, width=9)
        # The status line counts this run; the table lists every run the database holds.
        table.border_title = "trades of every run, newest first"
        self.query_one("#trade-detail", Static).border_title = "selected trade"
        self.query_one("#rejections", Static).border_title = "refused, by step"
        balances.border_title = "balances"
        self._keys = self._key_hint()
        self._ack_key = key_for(self.app, "acknowledge-drift", "b", screen=self)
        self._sync_trades()

    def settings_changed(self, old: ArbotSettings) -> None:
        """A saved keymap may have moved the trading keys."""
        self._keys = self._key_hint()
        self._ack_key = key_for(self.app, "acknowledge-drift", "b", screen=self)

    def _key_hint(self) -> str:
        def key(binding_id: str, default: str) -> str:
            return key_for(self.app, binding_id, default, screen=self)

        return (f"keys: {key('pause-trading', 'space')} pause/resume · "
                f"{key('kill-switch', '!')} kill switch · {key('arm-live', 'a')} arm live · "
                f"{key('disarm-live', 'A')} disarm")

    # -- trades ----------------------------------------------------------------------

    def trades_changed(self, rows: list[TradeRow]) -> None:
        if self.ready:
            with contextlib.suppress(NoMatches):  # the app is exiting
                self._sync_trades()

    def _sync_trades(self) -> None:
        """Make the table match `state.trades`: add new rows, update replaced ones, drop
        trimmed ones; keep newest first. A cursor on the top row follows the newest trade;
        anywhere else it stays on its trade."""
        table = self.query_one("#trades", DataTable)
        selected = self._selected_key() if table.cursor_row > 0 else None
        added = False
        for key, row in self.state.trades.items():
            shown = self._shown.get(key)
            if shown is row:
                continue
            self._seq += 1
            cells = self._row_cells(row, self._seq)
            if shown is None:
                table.add_row(*cells, key=key)
                added = True
            else:
                for (_, column, _), cell in zip(COLUMNS, cells, strict=True):
                    table.update_cell(key, column, cell, update_width=column == "qty")
            self._shown[key] = row
        for gone in [k for k in self._shown if k not in self.state.trades]:
            table.remove_row(gone)
            del self._shown[gone]
        if added:
            table.sort("time", key=lambda cell: cell.sort_key, reverse=True)
            if selected is not None and selected in self._shown:
                table.move_cursor(row=table.get_row_index(selected), animate=False)
            else:
                table.move_cursor(row=0, animate=False)
        self._show_detail()

    def _row_cells(self, row: TradeRow, seq: int) -> list[Text]:
        digits = places(row)
        pnl_style = ("" if row.pnl == 0 else
                     theme_style(self, "success" if row.pnl > 0 else "error", bold=True))
        status_style = _STATUS_STYLE.get(row.status, "")
        return [
            TimeCell(row.ts_ns, seq),
            Text(row.symbol),
            Text(f"{SHORT.get(row.buy_venue, row.buy_venue)}>"
                 f"{SHORT.get(row.sell_venue, row.sell_venue)}"),
            Text(money(row.pnl), pnl_style, justify="right"),
            Text(row.status, theme_style(self, status_style) if status_style else "dim"),
            Text(trade_qty(row), "" if row.balanced else "bold", justify="right"),
            Text(price(row.buy_avg, digits), justify="right"),
            Text(price(row.sell_avg, digits), justify="right"),
            Text(money(row.fees, sign=False), justify="right"),
            Text(row.leg_outcome),
        ]

    def _selected_key(self) -> str | None:
        table = self.query_one("#trades", DataTable)
        if table.row_count == 0:
            return None
        return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.data_table.id == "trades":
            self._show_detail()

    def _show_detail(self) -> None:
        key = self._selected_key()
        row = self.state.trades.get(key) if key is not None else None
        if row is None:
            mode = self.state.trading_mode
            text = ("No trades: trading is off." if mode == TradingMode.OFF else
                    "No trade yet: opportunities that pass every filter and the risk checks "
                    "are traded here.")
            self._show("#trade-detail", text, text)
        else:
            self._show("#trade-detail", row, describe_trade(row))

    def _show(self, selector: str, identity: str | TradeRow, content: RenderableType) -> None:
        """Update a pane only when what it shows changed (the same text, or the same trade
        row object): most ticks change nothing."""
        old = self._panes.get(selector)
        if old is identity or (isinstance(identity, str) and old == identity):
            return
        self._panes[selector] = identity
        self.query_one(selector, Static).update(content)

    # -- per tick --------------------------------------------------------------------

    def refresh_body(self) -> None:
        state = self.state
        keys = self._keys if state.trading is not None else ""
        text = status_lines(state.trading, state.run_mode, state.phase, keys, self._ack_key)
        status = self.query_one("#trading-status", Static)
        self._show("#trading-status", text, text)
        trading_state = state.trading.state if state.trading is not None else None
        for name in TradingState:
            status.set_class(trading_state == name, f"-{name}")
        status.set_class(state.trading_mode == TradingMode.OFF, "-off")
        rejections = rejections_text(state.trading)
        self._show("#rejections", rejections, rejections)
        self.query_one("#trade-bottom").display = state.trading is not None
        self._refresh_balances(state.trading)

    def _refresh_balances(self, trading: TradingStatus | None) -> None:
        if trading is None:
            return
        table = self.query_one("#balances", DataTable)
        title = balances_title(trading)
        if table.border_title != title:
            table.border_title = title
        assets = traded_assets(self.state.settings.market.symbols, trading.balances)
        for asset in assets:
            if asset not in table.rows:
                table.add_row(asset, *["-"] * len(Venue), key=asset)
            for venue in Venue:
                held = trading.balances.get(venue.value, {})
                text = amount(held[asset]) if asset in held else "-"
                if self._cells.get((asset, venue.value)) != text:
                    self._cells[(asset, venue.value)] = text
                    table.update_cell(asset, venue.value, Text(text, justify="right"))


__all__ = ["COLUMNS", "TradesScreen"]
