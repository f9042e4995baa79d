"""The Trades screen's words and numbers: the trader's status lines, the selected trade
explained order by order, the refusals, and the formats for amounts in narrow columns.

A trader who doubts a PnL should be able to redo it from the detail pane alone: quantities
and average prices of both sides, every fee, and each order as the venue reported it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from arbot.export import plain_number
from arbot.tradekinds import TradingMode
from arbot.trading.drift import Drift
from arbot.trading.risk import TradingState
from arbot.tui.fmt import decimals, qty
from arbot.tui.state import NS_PER_S, RunPhase
from arbot.tui.tradedata import TradeRow, TradingStatus

_ORDER_TEXT = ("Purpose", "Venue", "Side", "Status")
ORDER_HEADER = ("Purpose", "Venue", "Side", "Qty", "Price", "Filled", "Avg", "Fee", "Status")


def money(value: float, sign: bool = True) -> str:
    """Quote-currency amounts in about 7 characters: +0.0123, -12.34, +1234."""
    fmt = "+" if sign else ""
    if abs(value) < 1:
        return f"{value:{fmt}.4f}"
    return f"{value:{fmt}.2f}" if abs(value) < 1000 else f"{value:{fmt}.0f}"


def amount(value: float) -> str:
    """A balance in at most 9 characters, with enough digits to see a fill move it."""
    if abs(value) >= 100_000:
        return f"{value:.0f}"
    if abs(value) >= 100:
        return f"{value:.2f}"
    return f"{value:.4f}" if abs(value) >= 1 else f"{value:.6f}"


def clock(ns: int) -> str:
    return dt.datetime.fromtimestamp(ns / NS_PER_S, dt.UTC).strftime("%H:%M:%S")


def price(value: float, digits: int) -> str:
    return "-" if value <= 0 else f"{value:.{digits}f}"


def places(row: TradeRow) -> int:
    """The venue's price digits, from the trade's (tick-quantized) limit prices."""
    return min(decimals([o.price for o in row.orders if o.price > 0]) or 2, 8)


def base_qty(value: float) -> str:
    return "0" if value == 0 else qty(value)


def trade_qty(row: TradeRow) -> str:
    """What was bought, or bought/sold when the legs ended uneven."""
    if row.balanced:
        return base_qty(row.buy_qty)
    return f"{base_qty(row.buy_qty)}/{base_qty(row.sell_qty)}"


def status_lines(trading: TradingStatus | None, run_mode: TradingMode, phase: RunPhase,
                 keys: str = "", ack_key: str = "b") -> str:
    """The trader in short lines: mode, state, counters; balance drift, with `ack_key`
    that acknowledges it; live, the private streams; the latest refusal; the keys."""
    if trading is None:
        if run_mode == TradingMode.OFF:
            return ('Trading is off ([trading] mode = "off"): opportunities are detected '
                    "and recorded, and no orders are placed, paper or live. Set mode = "
                    '"paper" or "live" and restart to trade.')
        if phase == RunPhase.RUNNING:
            return f"{run_mode.upper()} trading is not running."
        return f"{run_mode.upper()} trading starts with the runtime."
    t = trading
    mode = t.mode.upper() + ((" ARMED" if t.armed else " (disarmed)")
                             if t.mode == TradingMode.LIVE else "")
    state = t.state.upper() + (f": {t.reason}"
                               if t.reason and t.state != TradingState.RUNNING else "")
    first = f"{mode} · {state} · this run: {t.trades} trades · PnL {money(t.realized)}"
    if t.unsettled:
        symbol, why = next(iter(t.unsettled.items()))
        more = f" (and {len(t.unsettled) - 1} more)" if len(t.unsettled) > 1 else ""
        second = f"NOT TRADED{more}: {symbol}: {why}"
    elif t.mode == TradingMode.LIVE and t.live_problem:
        second = f"live unavailable: {t.live_problem}"
    elif t.last_rejection:
        # its clock time: the reason's own figures ("traded 0.40 s ago") stay as they
        # were when it was refused, so they need a "when"
        when = "" if t.last_rejection_ns is None else f" at {clock(t.last_rejection_ns)}"
        second = f"last refused{when}: {t.last_rejection}"
    else:
        second = "no trade refused yet"
    streams = t.streams if t.mode == TradingMode.LIVE else ""
    return "\n".join(line for line in (first, drift_line(t.drifts, ack_key), streams, second, keys)
                     if line)


def balances_title(t: TradingStatus) -> str:
    """The balances pane's title, with the quote currency in trades not yet settled
    (beside the balances it comes out of, and off the status line that must fit 80)."""
    return f"balances · exposure {t.exposure:.2f}/{t.max_exposure:g}"


def drift_line(drifts: Sequence[Drift], ack_key: str) -> str:
    """The balances that left the ledger's expectation, and what that stops."""
    shown = [f"{d.venue} {d.asset} {amount(d.actual)} (expected {amount(d.expected)}, "
             f"{(d.actual - d.expected) / max(abs(d.actual), abs(d.expected)):+.1%})"
             for d in drifts]
    if not shown:
        return ""
    venues = sorted({d.venue.value for d in drifts})
    return (f"BALANCE DRIFT: {'; '.join(shown)}: no new trades on {', '.join(venues)} "
            f"until acknowledged ({ack_key}) or back within bounds")


def describe_trade(row: TradeRow) -> RenderableType:
    """The trade's result and each of its orders, as recorded or reported."""
    digits = places(row)
    head = Text(no_wrap=True, overflow="ellipsis")
    head.append(f"{row.trade_id}  {row.symbol} buy {row.buy_venue} -> sell {row.sell_venue}  "
                f"{row.status} ({row.leg_outcome or '?'})", "bold")
    head.append(f"  {clock(row.ts_ns)}" + (" recorded" if row.recorded else ""), "dim")
    sums = Text(f"bought {base_qty(row.buy_qty)} @ {price(row.buy_avg, digits)}  sold "
                f"{base_qty(row.sell_qty)} @ {price(row.sell_avg, digits)}  fees "
                f"{money(row.fees, sign=False)}  PnL {money(row.pnl)}")
    if not row.balanced:
        sums.append(f"  uneven by {plain_number(round(row.buy_qty - row.sell_qty, 12))}",
                    "bold")
    parts: list[RenderableType] = [head, sums]
    if row.detail:
        parts.append(Text(row.detail, "dim"))
    if not row.orders:
        parts.append(Text("no orders recorded", "dim"))
        return Group(*parts)
    # Errors are sentences in the venue's words: a line each under the table, so the
    # numbers keep their columns at 80 wide.
    orders = Table(box=None, padding=(0, 1, 0, 0), header_style="bold", show_edge=False,
                   expand=False)
    for name in ORDER_HEADER:
        orders.add_column(name, no_wrap=True,
                          justify="left" if name in _ORDER_TEXT else "right")
    errors: list[Text] = []
    for o in row.orders:
        shown = plain_number(float(format(o.fee, ".10g")))  # 0.000667, not 0.00066700000001
        fee = f"{shown} {o.fee_asset}".strip() if o.fee else "0"
        orders.add_row(o.purpose, o.venue, o.side, plain_number(o.qty),
                       price(o.price, digits), base_qty(o.filled),
                       price(o.avg_price, digits), fee, o.status)
        if o.error:
            errors.append(Text(f"{o.purpose} on {o.venue}: {o.error}", "italic"))
    parts.append(orders)
    parts.extend(errors)
    return Group(*parts)


def traded_assets(symbols: Iterable[str], balances: Mapping[str, Mapping[str, float]]
                  ) -> list[str]:
    """The assets of the watched symbols that some venue holds, quote currencies last: a
    live account's dust in other coins is not this screen's business."""
    wanted = {part for symbol in symbols for part in symbol.split("-")}
    quotes = {symbol.split("-")[-1] for symbol in symbols}
    held = {a for assets in balances.values() for a in assets if a in wanted}
    return sorted(held, key=lambda a: (a in quotes, a))


def rejections_text(trading: TradingStatus | None) -> str:
    if trading is None or not trading.rejections:
        return "none"
    return "\n".join(f"{step:<14}{count:>6}"
                     for step, count in sorted(trading.rejections.items(),
                                               key=lambda item: (-item[1], item[0])))
