"""A venue's price band for limit orders, checked before an order exists.

Binance refuses a limit price too far from its recent average price ("Filter failure:
PERCENT_PRICE_BY_SIDE", `filters.md`); a leg refused after the other leg filled is a leg
at risk, so the band is checked with everything else in pre-flight.

The venue averages its trades over `avg_minutes`; ArBot has no such average at hand, so
the band is put around the venue's mid price now: exact where the venue uses its last
price, close while the market moves little in those minutes, and never looser than the
venue for a limit that sits past the mid (every arbitrage leg does).
"""

from __future__ import annotations

from decimal import Decimal

from arbot.domain import PriceBand, Quote, Side
from arbot.trading.quantize import rule, text, to_decimal


def band_problem(band: PriceBand | None, side: Side, price: Decimal, book: Quote) -> str:
    """Why `price` falls outside the band around `book`'s mid ("" when it does not, or
    when the venue has no band)."""
    mid = (book.bid + book.ask) / 2
    if band is None or not mid > 0:
        return ""
    down, up = (band.buy_down, band.buy_up) if side is Side.BUY else \
        (band.sell_down, band.sell_up)
    ref = to_decimal(mid)
    high, low = ref * rule(up), ref * rule(down)
    if price > high:
        return f"{side} limit {text(price)} is above {up} x the mid {text(ref)} ({_short(high)})"
    if price < low:
        return f"{side} limit {text(price)} is below {down} x the mid {text(ref)} ({_short(low)})"
    return ""


def _short(value: Decimal) -> str:
    return f"{float(value):.8g}"
