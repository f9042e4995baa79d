"""What the four venues' private responses (orders, balances, fees) share once decoded.

Pure and venue-neutral: the venue modules decode their own wire Structs and hand the
numbers to these helpers, so the rules (an empty string is zero, a fee is reported as a
positive charge, a taker pays in the asset it receives) are written once.
"""

from __future__ import annotations

from collections.abc import Mapping

import msgspec

from arbot.domain import OrderReport, OrderRequest, OrderStatus, Side
from arbot.exchanges.symbols import parse_canonical

Num = str | float
"""A number in a venue's answer as a wire Struct reads it: decimal text, or a JSON number
(a lenient server's, or where the venue sends numbers); `num` makes it a float."""


class OrderRef(msgspec.Struct, frozen=True):
    """The order a status or cancel call is about.

    `base`/`quote` come from the canonical symbol when the caller has the OrderRequest;
    some venues do not name the asset a fee was charged in, and the rule that
    names it needs the split (a bare venue id like BTCUSDT cannot be split reliably).
    """

    venue_symbol: str
    client_id: str
    base: str = ""
    quote: str = ""

    @classmethod
    def of(cls, order: OrderRequest | OrderRef | tuple[str, str]) -> OrderRef:
        """From an OrderRequest, an OrderRef, or a bare (venue symbol, client id)."""
        if isinstance(order, OrderRef):
            return order
        if isinstance(order, OrderRequest):
            base, quote = parse_canonical(order.symbol)
            return cls(order.venue_symbol, order.client_id, base, quote)
        venue_symbol, client_id = order
        return cls(venue_symbol, client_id)


def num(value: str | float | None) -> float:
    """A venue number, sent as text or as a JSON number, as a float. "" and None (an
    average price before any fill) mean nothing yet: 0.0. "NaN", "Infinity" or a number
    past a float's range is no amount (booked, it would make every sum after it NaN):
    ValueError, as for any unreadable answer."""
    if value is None or value == "":
        return 0.0
    return finite(float(value))


def finite(value: float) -> float:
    """`value`, if finite; ValueError otherwise."""
    if value - value != 0.0:  # NaN and the infinities, in one comparison
        raise ValueError(f"not a finite number: {value!r}")
    return value


def charged(value: str | float | None) -> float:
    """A venue amount where negative means a charge (some venues' fees and fee rates) as
    ArBot's positive charge; a rebate comes out negative, zero never as -0.0."""
    return 0.0 - num(value) + 0.0


def received_asset(side: Side | None, ref: OrderRef) -> str:
    """The asset a filled order receives: base for a buy, quote for a sell ("" when unknown).

    Venues that do not name a fee's asset charge a taker's fee in it (an IOC order is
    always the taker): "the currency obtained from the transaction".
    """
    if side is Side.BUY:
        return ref.base
    if side is Side.SELL:
        return ref.quote
    return ""


def side_of(text: str) -> Side | None:
    """"Buy"/"buy"/"BUY" -> Side.BUY; anything else unreadable -> None."""
    try:
        return Side(text.lower())
    except ValueError:
        return None


def status_of(names: Mapping[str, OrderStatus], name: str) -> OrderStatus:
    """A venue's status name in ArBot's words; a name the venue adds later is UNKNOWN, so
    the caller looks again instead of trusting a guess."""
    return names.get(name, OrderStatus.UNKNOWN)


def acknowledged(ref: OrderRef, venue_order_id: str, client_id: str = "") -> OrderReport:
    """An accepted place or cancel request on a venue that answers with ids only: the
    order exists (or the cancel was taken) but its fills are not known
    yet, so the status is NEW and the caller asks for the order's status."""
    return OrderReport(client_id=client_id or ref.client_id, venue_order_id=venue_order_id,
                       status=OrderStatus.NEW)


__all__ = ["OrderRef", "acknowledged", "charged", "num", "received_asset", "side_of",
           "status_of"]
