"""Simulated instruments: per-venue tick and lot sizes, and how venues write numbers.

Ticks and lots are powers of ten held as decimal places, so prices live as integer
tick counts and are formatted exactly (no float round-trip in the text a client sees).
Venues differ on purpose (each venue's spec gives its own rules): a client that assumes
one tick for all venues should fail against the simulator too.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal
from typing import Literal

import numpy as np

from arbot.domain import Venue, is_canonical_symbol
from arbot.venues import VENUES
from arbot.venues.simspec import Rules

NumberStyle = Literal["pad8", "trim", "fixed"]
"""How a venue writes decimals: "pad8" pads to 8 places ("25.35190000"), "trim" drops
trailing zeros ("65239", "0.58"), "fixed" keeps the instrument's places ("26275.0")."""


@dataclass(frozen=True)
class SymbolSpec:
    """A canonical `BASE-QUOTE` symbol with its starting price and per-venue rules."""

    symbol: str
    base: str
    quote: str
    price: float
    rules: Mapping[Venue, Rules]


# Starting prices of the symbols the venues' specs give rules for.
_PRICES: dict[str, float] = {"BTC-USDT": 65000.0, "ETH-USDT": 3000.0, "SOL-USDT": 150.0,
                             "XRP-USDT": 0.6}
_KNOWN: dict[str, tuple[float, dict[Venue, Rules]]] = {
    symbol: (price, {v: s.sim.rules[symbol] for v, s in VENUES.items()})
    for symbol, price in _PRICES.items()
}

def is_valid_symbol(symbol: str) -> bool:
    """`BASE-QUOTE`, upper case letters and digits."""
    return is_canonical_symbol(symbol)


def spec_for(symbol: str) -> SymbolSpec:
    """The spec of a known symbol, or a generated one that is stable for its name."""
    if not is_valid_symbol(symbol):
        raise ValueError(f"symbol {symbol!r} is not of the form BASE-QUOTE, e.g. BTC-USDT")
    base, quote = symbol.split("-")
    known = _KNOWN.get(symbol)
    if known is not None:
        return SymbolSpec(symbol, base, quote, known[0], known[1])
    rng = np.random.default_rng(zlib.crc32(symbol.encode()))
    price = float(10.0 ** rng.uniform(-2.0, 3.5))
    mag = math.floor(math.log10(price))
    pdp = min(8, max(0, 5 - mag))
    qdp = min(8, max(0, 2 + mag))
    rules = {v: Rules(pdp, qdp, format_units(1, qdp, "trim"), "5") for v in Venue}
    return SymbolSpec(symbol, base, quote, price, rules)


class Catalog:
    """The symbols being served, in order, with a per-venue id lookup."""

    def __init__(self, symbols: Iterable[str]) -> None:
        self.specs: tuple[SymbolSpec, ...] = tuple(spec_for(s) for s in dict.fromkeys(symbols))
        self.by_symbol: dict[str, SymbolSpec] = {s.symbol: s for s in self.specs}


def format_units(n: int, dp: int, style: NumberStyle) -> str:
    """Write `n * 10**-dp` the way a venue does, exactly, from the integer count."""
    sign = "-" if n < 0 else ""
    n = abs(n)
    if style == "pad8" and dp < 8:
        n, dp = n * 10 ** (8 - dp), 8
    if dp == 0:
        return f"{sign}{n}"
    whole, frac = divmod(n, 10**dp)
    text = f"{frac:0{dp}d}"
    if style == "trim":
        text = text.rstrip("0")
        if not text:
            return f"{sign}{whole}"
    return f"{sign}{whole}.{text}"


def decimal_text(dp: int, style: NumberStyle) -> str:
    """The tick or lot `10**-dp` as text, e.g. 2 -> "0.01"."""
    return format_units(1, dp, style)


def format_decimal(value: Decimal, style: NumberStyle, dp: int = 8) -> str:
    """Write an account amount the way a venue does: "pad8" pads (and cuts) to 8 places,
    "trim" drops trailing zeros, "fixed" keeps exactly `dp` places. Never an exponent,
    never "-0"."""
    if style != "trim":
        places = 8 if style == "pad8" else dp
        value = value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_DOWN)
    if value.is_zero():
        value = abs(value)
    text = format(value, "f")
    if style == "trim" and "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def to_units(value: Decimal, dp: int) -> Decimal:
    """Decimal of integer units `value * 10**-dp` (ticks and lots as the price model keeps them)."""
    return Decimal(value).scaleb(-dp)


def on_grid(value: Decimal, dp: int) -> bool:
    """True when `value` has no more than `dp` decimal places (a whole number of ticks/lots)."""
    exponent = value.normalize().as_tuple().exponent
    return isinstance(exponent, int) and exponent >= -dp
