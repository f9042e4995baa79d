"""The Trades screen. Trading is not built yet; the screen says so plainly and shows the
table trades will fill, so nobody waits for fills that cannot come."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import DataTable, Static

from arbot.tui.widgets import ArbotScreen

TRADE_COLUMNS = ("Time", "Symbol", "Buy venue", "Sell venue", "Qty", "Buy px", "Sell px",
                 "Fees", "PnL", "Status")


class TradesScreen(ArbotScreen):
    """Executed trades (none until the trading engine exists)."""

    TITLE_TEXT = "Trades"

    def compose_body(self) -> ComposeResult:
        mode = self.state.settings.trading.mode
        yield Static(f"Trading is not built yet: ArBot is in {mode} mode and places no "
                     "orders, paper or live. Opportunities are detected and recorded; "
                     "trades will appear here once execution exists.", id="trades-note")
        yield DataTable(id="trades", cursor_type="row")

    def build_body(self) -> None:
        self.query_one("#trades", DataTable).add_columns(*TRADE_COLUMNS)
