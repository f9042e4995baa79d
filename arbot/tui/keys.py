"""The app's key bindings, in one table: every binding has an id (what `[ui.keymap]`
remaps), a description and a tooltip, so the footer, the help panel and the command
palette all name it (docs/design.md, "The screen shows the engine's numbers"). The
order here is the order the footer shows."""

from __future__ import annotations

from textual.binding import Binding, BindingType

from arbot.tui.control import TRADING_BINDINGS

APP_BINDINGS: list[BindingType] = [
    Binding("1,p", "switch_mode('prices')", "Prices", id="prices",
            tooltip="Top of book on every venue"),
    Binding("2,o", "switch_mode('opportunities')", "Opportunities", id="opportunities",
            tooltip="Live and recent opportunity episodes, and the why-no-trade funnel"),
    Binding("3,t", "switch_mode('trades')", "Trades", id="trades",
            tooltip="Trades with their orders, the trader's state and the balances"),
    Binding("4,s", "switch_mode('settings')", "Settings", id="settings",
            tooltip="Edit the settings"),
    Binding("5,i", "switch_mode('inventory')", "Inventory", id="inventory",
            tooltip="Balances against target, time until each direction runs dry, and "
                    "the rebalance plan"),
    # Not in the footer: at 80 columns it is full (`?` and the palette list it).
    Binding("6,h", "switch_mode('history')", "History", id="history", show=False,
            tooltip="PnL, trades, fees, win rate and drawdown across every run; balances "
                    "valued in the quote currency"),
    # Off the footer, like History: at 80 columns the footer has room for Quit or Log,
    # and Quit must stay in sight; `?` lists both.
    Binding("l", "toggle_log", "Log", id="log", show=False,
            tooltip="Show or hide the log panel"),
    Binding("question_mark", "toggle_help", "Keys", id="help", key_display="?",
            tooltip="Show or hide every key"),
    Binding("e", "export", "Export", id="export", show=False,
            tooltip="Export quotes, opportunities, trades or the table on screen to CSV"),
    Binding("q", "quit", "Quit", id="quit",
            tooltip="Stop the feeds, flush the database and quit"),
    Binding("escape", "switch_mode('prices')", "Back to prices", id="back", show=False,
            tooltip="Leave a form (e.g. the settings) for the prices screen"),
    *TRADING_BINDINGS,
]
