"""A venue's price band for limit orders, checked before an order exists.

Binance refuses a limit price too far from its recent average price ("Filter failure:
PERCENT_PRICE_BY_SIDE", `filters.md`: the multipliers times "weightedAveragePrice", the
average over the filter's `avgPriceMins`); a leg refused after the other leg filled is a
leg at risk, so the band is checked with everything else in pre-flight.

The band is put around the venue's own average when a fresh one is at hand (read from
the venue, `arbot.trading.bandprices`), as the venue does; without one, around the
book's mid now: exact where the venue uses its last price, close while the market moves
little in those minutes.
"""

from __future__ import annotations

from decimal import Decimal

from arbot.domain import PriceBand, Quote, Side
from arbot.trading.quantize import rule, text, to_decimal


def band_problem(band: PriceBand | None, side: Side, price: Decimal, book: Quote,
                 average: float | None = None) -> str:
    """Why `price` falls outside the band around the venue's `average` (its band
    price), or `book`'s mid without one ("" when it does not, or when the venue has no
    band)."""
    named, center = ("the average", average) if average is not None and average > 0 else \
        ("the mid", (book.bid + book.ask) / 2)
    if band is None or not center > 0:
        return ""
    down, up = (band.buy_down, band.buy_up) if side is Side.BUY else \
        (band.sell_down, band.sell_up)
    ref = to_decimal(center)
    high, low = ref * rule(up), ref * rule(down)
    if price > high:
        return f"{side} limit {text(price)} is above {up} x {named} {text(ref)} ({_short(high)})"
    if price < low:
        return f"{side} limit {text(price)} is below {down} x {named} {text(ref)} ({_short(low)})"
    return ""


def _short(value: Decimal) -> str:
    return f"{float(value):.8g}"
