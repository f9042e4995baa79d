"""The one place where prices and quantities become exact decimals for an order.

Detection runs on floats; an order must carry the venue's own decimal steps. Steps come
from the instrument's strings, so `Decimal` arithmetic is exact: a quantity floored to
both venues' lot sizes is valid on both, and a price rounded to the tick is one the venue
accepts.
"""

from __future__ import annotations

import functools
import math
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal, InvalidOperation

from arbot.domain import Side


def to_decimal(value: float | str) -> Decimal:
    """A float through its shortest repr (0.1 -> Decimal('0.1'), not the binary value)."""
    try:
        d = Decimal(repr(value) if isinstance(value, float) else value)
    except InvalidOperation as exc:
        raise ValueError(f"not a number: {value!r}") from exc
    if not d.is_finite():
        raise ValueError(f"not a finite number: {value!r}")
    return d


@functools.lru_cache(maxsize=4096)
def rule(value: str) -> Decimal:
    """An instrument's step or minimum ("0.01"), parsed once: a venue has few distinct
    ones, and every trade reads them on both legs."""
    return to_decimal(value or "0")


def lots(qty: float, step: Decimal) -> Decimal:
    """A float quantity floored to `step`, read first to 15 significant digits (every
    decimal that short survives a float exactly): a size summed over book levels
    (0.3 + 0.6 = 0.8999999999999999) means its decimal sum, and flooring the float's
    noise would drop a whole lot."""
    return floor_to(to_decimal(f"{max(qty, 0.0):.15g}"), step)


def floor_to(value: Decimal, step: Decimal) -> Decimal:
    """The largest multiple of `step` not above `value` (step > 0)."""
    return (value / step).to_integral_value(ROUND_FLOOR) * step


def ceil_to(value: Decimal, step: Decimal) -> Decimal:
    return (value / step).to_integral_value(ROUND_CEILING) * step


@functools.lru_cache(maxsize=1024)
def common_step(a: Decimal, b: Decimal) -> Decimal:
    """The smallest step that is a multiple of both lot sizes (their least common
    multiple), so one quantity is valid on both venues."""
    exp = min(a.as_tuple().exponent, b.as_tuple().exponent)
    assert isinstance(exp, int)
    scale = Decimal(10) ** -exp
    ia, ib = int(a * scale), int(b * scale)
    return Decimal(math.lcm(ia, ib)) / scale


def limit_price(price: float, tick: Decimal, side: Side, slippage_bps: float) -> Decimal:
    """The IOC limit for a leg: `price` (the worst level the leg may take) moved
    `slippage_bps` against us, rounded to the tick back toward `price` (down for a buy, up
    for a sell). Rounding the other way could put a buy up to a tick above
    price * (1 + allowance), a slippage the trader never allowed; this way the limit is
    never past the allowance, and since a venue's prices are on its tick it still reaches
    `price` itself."""
    p = to_decimal(price)
    if slippage_bps:
        factor = to_decimal(slippage_bps) / Decimal(10_000)
        p = p * (1 + factor) if side is Side.BUY else p * (1 - factor)
    return floor_to(p, tick) if side is Side.BUY else ceil_to(p, tick)


def text(d: Decimal) -> str:
    """Plain decimal text without exponent or trailing zeros ("0.00100" -> "0.001")."""
    s = format(d.normalize(), "f")
    return s if s != "-0" else "0"
