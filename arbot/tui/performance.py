"""The History screen: PnL, trades, fees, win rate and drawdown across every recorded run,
per day, run or symbol and venue pair (`g` cycles), and the balances valued in the quote
currency per venue.

The table is `arbot report`'s (`storage.profit.read_profit`), read on a read-only
connection when the screen is shown, when the grouping changes and when a trade settles
while it is on show: events, never a timer. The balances ride on the refresh tick like
the Trades screen's, valued at the latest mids the screen already holds.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.css.query import NoMatches
from textual.widgets import DataTable, Static

from arbot.storage.db import DatabaseError
from arbot.storage.profit import ProfitGroup, ProfitReport, ProfitRow, read_profit
from arbot.tui.control import key_for
from arbot.tui.messages import LogLine
from arbot.tui.opportunities import SHORT
from arbot.tui.state import MarketState
from arbot.tui.tradedata import TradeRow
from arbot.tui.tradetext import money
from arbot.tui.widgets import ArbotScreen, theme_style
from arbot.valuation import VenueValue, mids_of, quote_currency, value_balances

GROUPS = tuple(ProfitGroup)
HEADINGS = {ProfitGroup.DAY: "Day (UTC)", ProfitGroup.RUN: "Run started (UTC)",
            ProfitGroup.PAIR: "Symbol buy>sell"}
# Eight columns in 80 terminal columns (with the cell padding and a scrollbar): the
# group's label, then the figures, money in about 7 characters as on the Trades screen.
COLUMNS = (("group", 21), ("trades", 6), ("open", 4), ("win", 4), ("pnl", 8), ("fees", 7),
           ("dd", 7), ("mode", 5))
LABELS = {"trades": "Trades", "open": "Open", "win": "Win", "pnl": "PnL", "fees": "Fees",
          "dd": "Max DD", "mode": "Mode"}


def cells(row: ProfitRow) -> tuple[str, ...]:
    """A row's figures in `COLUMNS` order after the label."""
    rate = "-" if row.win_rate is None else f"{row.win_rate:.0%}"
    mode = "both" if "+" in row.modes else row.modes or "-"
    return (str(row.trades), str(row.open), rate, money(row.pnl),
            money(row.fees, sign=False), money(row.max_drawdown, sign=False), mode)


def label(row: ProfitRow, group: ProfitGroup) -> str:
    """The row's label in 21 columns: venues by their short names, runs to the minute."""
    if group is ProfitGroup.PAIR and row.key != "total":
        symbol, _, route = row.label.partition(" ")
        buy, _, sell = route.partition(">")
        return f"{symbol} {SHORT.get(buy, buy)}>{SHORT.get(sell, sell)}"
    if group is ProfitGroup.RUN and row.key != "total":
        return row.label[:16] + row.label[19:]  # drop the seconds
    return row.label


def summary(report: ProfitReport, key: str) -> str:
    t = report.total
    rate = "-" if t.win_rate is None else f"{t.win_rate:.0%}"
    return (f"by {report.group} over every run: {t.trades} trades ({t.open} open), pnl "
            f"{t.pnl:+.4f}, fees {t.fees:.4f}, win {rate}, max drawdown "
            f"{t.max_drawdown:.4f} · {key}: day/run/pair")


def balance_line(valued: list[VenueValue], currency: str) -> str:
    """`binance 10,000.00 · okx 9,950.12 (SOL unpriced) · total 19,950.12 USDT`."""
    parts = [f"{v.venue} {v.total:,.2f}" + (f" ({', '.join(v.unpriced)} unpriced)"
                                            if v.unpriced else "") for v in valued]
    total = sum(v.total for v in valued)
    return f"{' · '.join(parts)} · total {total:,.2f} {currency}"


class HistoryScreen(ArbotScreen):
    """Performance across runs, and what the balances are worth now."""

    TITLE_TEXT = "History"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("g", "cycle_group", "Group", id="history-group",
                tooltip="Group the history by UTC day, by run, or by symbol and venue pair"),
    ]

    def __init__(self, state: MarketState, log_backlog: Iterable[LogLine]) -> None:
        super().__init__(state, log_backlog)
        self.group = ProfitGroup.DAY
        self.report: ProfitReport | None = None
        self._balances = ""
        self._reads = 0

    def compose_body(self) -> ComposeResult:
        yield Static(id="history-summary", markup=False)
        yield DataTable(id="history", cursor_type="row", zebra_stripes=True)
        yield Static(id="history-balances", markup=False)

    def build_body(self) -> None:
        self.query_one("#history-balances", Static).border_title = "balances now, valued"
        self._columns()
        self.reload()

    def _columns(self) -> None:
        table = self.query_one("#history", DataTable)
        table.clear(columns=True)
        for key, width in COLUMNS:
            label = HEADINGS[self.group] if key == "group" else LABELS[key]
            table.add_column(Text(label, justify="left" if key in ("group", "mode")
                                  else "right"), key=key, width=width)

    def action_cycle_group(self) -> None:
        self.group = GROUPS[(GROUPS.index(self.group) + 1) % len(GROUPS)]
        self._columns()
        self.reload()

    def on_screen_resume(self) -> None:
        super().on_screen_resume()
        if self.ready:
            self.reload()

    def trades_changed(self, rows: list[TradeRow]) -> None:
        """A trade settled (or history was read): re-read while on show; a hidden screen
        reads again as it is shown."""
        if self.ready and self.is_current:
            self.reload()

    def reload(self) -> None:
        """Read the report in a worker; only the newest read is shown."""
        self._reads += 1
        self.run_worker(self._read(self.group, self._reads), group="history-read",
                        exit_on_error=False)

    async def _read(self, group: ProfitGroup, read: int) -> None:
        try:
            report = await read_profit(self.state.settings.storage.path, group)
        except DatabaseError as exc:
            self.query_one("#history-summary", Static).update(f"history unavailable: {exc}")
            return
        if read == self._reads:  # the newest read: an older one finishing late is dropped
            with contextlib.suppress(NoMatches):  # the app is exiting
                self._show(report)

    def _show(self, report: ProfitReport) -> None:
        self.report = report
        key = key_for(self.app, "history-group", "g", screen=self)
        self.query_one("#history-summary", Static).update(summary(report, key))
        table = self.query_one("#history", DataTable)
        table.clear()
        for row in [*report.rows, *([report.total] if report.rows else [])]:
            figures = cells(row)
            style = "" if row.pnl == 0 else theme_style(
                self, "success" if row.pnl > 0 else "error", bold=True)
            table.add_row(Text(label(row, report.group),
                               style="bold" if row.key == "total" else ""),
                          *(Text(f, style=style if i == 3 else "",
                                 justify="left" if i == 6 else "right")
                            for i, f in enumerate(figures)), key=row.key)

    def refresh_body(self) -> None:
        trading = self.state.trading
        if trading is None:
            text = "trading is off: no balances"
        else:
            mids = mids_of((v.value, q.symbol, q.bid, q.ask)
                           for (_, v), q in self.state.quotes.items())
            currency = quote_currency(self.state.settings.market.symbols)
            text = balance_line(value_balances(trading.balances, mids, currency), currency)
        if text != self._balances:
            self._balances = text
            self.query_one("#history-balances", Static).update(text)


__all__ = ["HistoryScreen"]
