"""The Inventory screen (`5`, `i`): per asset and venue the balance against its target
split, the consumption rate and the time until each direction runs dry, the
opportunities lost to inventory, and the rebalance plan (advice only: ArBot never sends
a withdrawal).

The numbers are the inventory service's own report (`arbot.inventory.report`), carried
on the refresh tick at most once a second; the screen only formats them.
"""

from __future__ import annotations

from rich.console import JustifyMethod
from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import DataTable, Static

from arbot.inventory.report import Direction, InventoryReport
from arbot.timefmt import format_duration
from arbot.tui.fmt import figure
from arbot.tui.opportunities import SHORT
from arbot.tui.widgets import ArbotScreen

HOLDINGS = (("Asset", 6), ("Venue", 7), ("Balance", 12), ("Target", 12), ("Share", 6),
            ("Skew", 6), ("Rate/h", 10))
DIRECTIONS = (("Symbol", 9), ("Route", 9), ("Runs dry in", 11), ("First out", 18))
PLAN = (("Asset", 6), ("From", 5), ("To", 5), ("Network", 9), ("Amount", 12), ("Fee", 10),
        ("Fee quote", 9), ("Time", 6))


_LEFT = ("Asset", "Venue", "Symbol", "Route", "From", "To", "Network", "First out")


def _num(text: str) -> Text:
    return Text(text, justify="right")


def _soonest(d: Direction) -> tuple[bool, float, str]:
    return (d.runs_dry_s is None, d.runs_dry_s or 0.0, d.symbol)


def summary(r: InventoryReport | None) -> str:
    if r is None:
        return "Inventory: waiting for the first report"
    lines = [f"{r.lost_to_inventory} opportunities lost to inventory; rebalance plan: "
             f"{len(r.rebalance)} transfers, fees {r.rebalance_cost:.4f} in quote "
             "(advice only: nothing is ever withdrawn)"]
    lines += r.notes[:4]
    return "\n".join(lines)


class InventoryScreen(ArbotScreen):
    TITLE_TEXT = "Inventory"

    def compose_body(self) -> ComposeResult:
        yield Static(id="inventory-summary", markup=False)
        yield DataTable(id="holdings", cursor_type="row", zebra_stripes=True)
        yield DataTable(id="directions", cursor_type="none", show_cursor=False)
        yield DataTable(id="rebalance", cursor_type="none", show_cursor=False)

    def build_body(self) -> None:
        for table_id, columns in (("#holdings", HOLDINGS), ("#directions", DIRECTIONS),
                                  ("#rebalance", PLAN)):
            table = self.query_one(table_id, DataTable)
            for label, width in columns:
                justify: JustifyMethod = "left" if label in _LEFT else "right"
                table.add_column(Text(label, justify=justify), width=width)
        self.query_one("#holdings", DataTable).border_title = "balances against target"
        self.query_one("#directions", DataTable).border_title = "time until each direction " \
                                                                 "runs dry"
        self.query_one("#rebalance", DataTable).border_title = "rebalance plan (advice only)"
        self._shown: InventoryReport | None = None

    def refresh_body(self) -> None:
        report = self.state.inventory
        if report is self._shown and self._shown is not None:
            return
        self._shown = report
        self.query_one("#inventory-summary", Static).update(summary(report))
        if report is None:
            return
        holdings = self.query_one("#holdings", DataTable)
        holdings.clear()
        for h in report.holdings:
            holdings.add_row(h.asset, SHORT[h.venue.value], _num(figure(h.balance, 6)),
                             _num(figure(h.target, 6)),
                             _num(f"{h.share:.0%}"),
                             _num(f"{h.skew * 100:+.0f}%"),
                             _num(figure(h.rate_per_h, 4, signed=True)))
        directions = self.query_one("#directions", DataTable)
        directions.clear()
        for d in sorted(report.directions, key=_soonest):
            directions.add_row(d.symbol, f"{SHORT[d.buy_venue.value]}>{SHORT[d.sell_venue.value]}",
                               _num(format_duration(d.runs_dry_s)),
                               d.limited_by or "-")
        plan = self.query_one("#rebalance", DataTable)
        plan.clear()
        for t in report.rebalance:
            plan.add_row(t.asset, SHORT[t.from_venue.value], SHORT[t.to_venue.value],
                         t.network, _num(figure(t.amount, 6)),
                         _num(figure(t.fee, 6)),
                         _num(f"{t.fee_quote:.4f}"),
                         _num(f"{t.minutes:g}m" if t.minutes else "-"))
