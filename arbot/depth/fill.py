"""An immediate-or-cancel limit order filled against one side of a book.

The paper executor's one fill model (live, in a backtest, at depth 1 against the top
level alone): a venue matches an IOC against the opposite side best level first, takes
every level at or better than the limit until the quantity is filled, and cancels the
rest. Pure, so the rule is tested on tables and shared by every caller.
"""

from __future__ import annotations

from collections.abc import Iterable

from arbot.depth.book import Level
from arbot.domain import Side

# Level sizes are the venue's decimals as floats: 0.9 asked against levels of 0.3 and 0.6
# leaves 0.6000000000000001 after the first, which a level of 0.6 must still complete.
# A shortfall this small (relative to the order) is float noise, never a real size.
NOISE = 1e-12


def fill_ioc(levels: Iterable[Level], side: Side, limit: float, qty: float
             ) -> tuple[float, float]:
    """(filled quantity, average price) of an IOC `side` order for `qty` at `limit`.

    `levels` is the opposite side best first as (price, size): the asks for a buy, the
    bids for a sell. It is read lazily and no further than the first level beyond the
    limit, so a deep book costs only the levels taken. A full fill reports `qty` itself,
    so the caller's `filled >= qty` holds; nothing filled reports (0.0, 0.0)."""
    buy = side is Side.BUY
    filled = cost = 0.0
    if qty <= 0.0:
        return 0.0, 0.0
    for price, size in levels:
        if (price > limit) if buy else (price < limit):
            break
        if size <= 0.0:
            continue
        left = qty - filled
        if size >= left - qty * NOISE:
            cost += price * left
            filled = qty
            break
        cost += price * size
        filled += size
    if filled <= 0.0:
        return 0.0, 0.0
    return filled, cost / filled
