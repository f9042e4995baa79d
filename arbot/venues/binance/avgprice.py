"""Binance's current average price: what PERCENT_PRICE_BY_SIDE measures a limit from.

Binance's `filters.md`, PERCENT_PRICE_BY_SIDE: a buy passes when "Order price <=
weightedAveragePrice * bidMultiplierUp" and ">= weightedAveragePrice *
bidMultiplierDown" (a sell likewise with the ask multipliers), the average taken over
the filter's `avgPriceMins`. `rest-api.md`, "Current average price":
`GET /api/v3/avgPrice?symbol=` (weight 2) answers `{"mins": 5, "price": "9.35751834",
"closeTime": 1694061154503}`: the average price over `mins` minutes.
"""

from __future__ import annotations

import math

import msgspec

AVG_PRICE_PATH = "/api/v3/avgPrice"


class _AvgPrice(msgspec.Struct):
    mins: int
    price: str
    closeTime: int | None = None  # the venue's name


_decoder = msgspec.json.Decoder(_AvgPrice)


def avg_price_path(venue_id: str) -> str:
    return f"{AVG_PRICE_PATH}?symbol={venue_id}"


def parse_avg_price(body: str | bytes) -> float:
    """The average price; ValueError for an answer without a positive, finite one."""
    try:
        price = float(_decoder.decode(body).price)
    except (msgspec.DecodeError, ValueError) as exc:
        raise ValueError(f"unreadable average price: {exc}") from None
    if not (math.isfinite(price) and price > 0):
        raise ValueError(f"average price {price!r} is not a positive number")
    return price
