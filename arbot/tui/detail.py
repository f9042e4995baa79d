"""The selected episode, explained: both quotes with their ages and fees, the gap sized at
the top of book beside the same gap sized by the engine's walk of both books, why the top
size is what it is, and the verdict.

A trader who doubts a number should be able to redo it from this pane alone, the same way
`Opportunity`'s docstring says it is computed; the walked figures are the engine's
(docs/depth.md, "The walk"), shown as it reported them.
"""

from __future__ import annotations

from rich.text import Text

from arbot.export import plain_number
from arbot.tui.fmt import qty
from arbot.tui.ladder import LEGEND
from arbot.tui.state import NS_PER_MS, EpisodeRow, MarketState

LABEL = 11  # width of the figures' row labels
VALUE = 10  # width of each figures column


def _age(quote_ns: int | None, ref_ns: int) -> str:
    return "age ?" if quote_ns is None else f"age {max(0, ref_ns - quote_ns) // NS_PER_MS} ms"


def _size(value: float | None) -> str:
    return "?" if value is None else qty(value)


def _fee(bps: float | None) -> str:
    return "? bp" if bps is None else f"{bps:g} bp"


def size_reason(row: EpisodeRow, max_notional: float) -> str:
    """`size = min(ask size, bid size, max_notional / ask)`, and which one bound it."""
    cap = max_notional / row.buy_ask if row.buy_ask > 0 else float("inf")
    limits = [("ask size", row.buy_ask_size), ("bid size", row.sell_bid_size),
              ("max_notional", cap)]
    known = [(name, v) for name, v in limits if v is not None]
    binding = min(known, key=lambda item: item[1])[0] if known else "?"
    return (f"top size {_size(row.size)} = min(ask {_size(row.buy_ask_size)}, "
            f"bid {_size(row.sell_bid_size)}, {max_notional:g}/ask {_size(cap)}): {binding}")


def episode_status(row: EpisodeRow) -> str:
    """`open`, or how it closed and after how long (the pane's border shows it)."""
    if row.closed_ns is None:
        return "open"
    return (f"closed ({row.close_reason or '?'}) after "
            f"{(row.closed_ns - row.opened_ns) // NS_PER_MS} ms")


def describe_episode(row: EpisodeRow, state: MarketState) -> Text:
    """Three lines: the route and its gross spread, then each quote; quote ages are now
    for an open episode, else at detection."""
    now = state.clocks.wall_ns()
    stamps = [t for t in (row.buy_quote_ns, row.sell_quote_ns) if t is not None]
    ref = now if row.closed_ns is None else max(stamps, default=row.opened_ns)
    when = "now" if row.closed_ns is None else "when seen"
    gross = (row.sell_bid - row.buy_ask) / row.buy_ask * 1e4 if row.buy_ask > 0 else 0.0
    text = Text(no_wrap=False)
    text.append(f"{row.symbol}  buy {row.buy_venue} -> sell {row.sell_venue}", "bold")
    text.append(f"  gross {gross:+.2f} bp\n")
    text.append(f"buy  {row.buy_venue:<8} ask {plain_number(row.buy_ask)} x "
                f"{_size(row.buy_ask_size)}  fee {_fee(row.buy_fee_bps)}  "
                f"{_age(row.buy_quote_ns, ref)} ({when})\n")
    text.append(f"sell {row.sell_venue:<8} bid {plain_number(row.sell_bid)} x "
                f"{_size(row.sell_bid_size)}  fee {_fee(row.sell_fee_bps)}  "
                f"{_age(row.sell_quote_ns, ref)} ({when})")
    return text


def figures(row: EpisodeRow) -> Text:
    """Top of book beside the walk: size, net bps after both fees, profit, the mean
    price paid and got, and the worst price on each side. The walk's column is "-" when
    the engine walked nothing (or the row was read from a database that kept no walk)."""
    walk = row.walk
    lines = [("", "top", "walked")]
    lines.append(("size", qty(row.size), qty(walk.size) if walk else "-"))
    lines.append(("net bp", f"{row.net_bps:+.2f}", f"{walk.net_bps:+.2f}" if walk else "-"))
    lines.append(("profit", f"{row.profit:.4f}", f"{walk.profit:.4f}" if walk else "-"))
    top_buy, top_sell = plain_number(row.buy_ask), plain_number(row.sell_bid)
    lines.append(("buy vwap", top_buy, _mean(walk.buy_vwap) if walk else "-"))
    lines.append(("sell vwap", top_sell, _mean(walk.sell_vwap) if walk else "-"))
    lines.append(("buy worst", top_buy, plain_number(walk.buy_worst) if walk else "-"))
    lines.append(("sell worst", top_sell, plain_number(walk.sell_worst) if walk else "-"))
    text = Text(no_wrap=True, overflow="ellipsis")
    for i, (label, top, walked) in enumerate(lines):
        if i:
            text.append("\n")
        text.append(f"{label:<{LABEL}}{top:>{VALUE}} {walked:>{VALUE}}",
                    "bold" if i == 0 else "")
    return text


def _mean(price: float) -> str:
    """A mean price in the column's width: prices are on a tick, a VWAP is not, and its
    full float text would push the ladder off its line. Written like the top prices."""
    return plain_number(float(f"{price:.{VALUE - 2}g}"))


def notes(row: EpisodeRow, state: MarketState) -> Text:
    """Why the top size is what it is, the verdict, and what the ladder's marks mean."""
    text = Text(no_wrap=False)
    text.append(size_reason(row, state.settings.strategy.max_notional) + "\n")
    text.append(f"verdict: {row.verdict}")
    if row.recorded and row.closed_ns is not None:
        # The database keeps the quotes as the episode opened but net, size and profit
        # at their peak; say so rather than show numbers that seem not to add up.
        text.append("  (recorded: quotes at open; net, size, profit at peak)", "dim")
    if row.walk is not None:
        text.append(f"  {LEGEND}", "dim")
    return text
