"""A spot instrument's trading rules, kept as the venue's exact strings so orders are
quantized with Decimal from the venue's own text."""

from __future__ import annotations

import msgspec

from arbot.domain.venue import Venue


class PriceBand(msgspec.Struct, frozen=True, kw_only=True):
    """How far an order's limit price may stray from the venue's recent average price,
    as multipliers of it per side (exact strings): a buy within [buy_down, buy_up] times
    the average, a sell within [sell_down, sell_up]. `avg_minutes` is the averaging
    window the venue uses (0: its last price)."""

    buy_down: str
    buy_up: str
    sell_down: str
    sell_up: str
    avg_minutes: int = 0


class Instrument(msgspec.Struct, frozen=True, kw_only=True):
    """A spot instrument's trading rules, decimal fields as the venue's exact strings.
    `price_band` is None where the venue publishes no band for order prices."""

    venue: Venue
    symbol: str
    venue_id: str
    base: str
    quote: str
    tick_size: str
    lot_size: str
    min_qty: str
    min_notional: str
    status: str
    trading: bool
    price_band: PriceBand | None = None
