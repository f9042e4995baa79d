"""Which venue and which symbol: the names every layer keys books, rules and records by."""

from __future__ import annotations

import enum
import re


class Venue(enum.StrEnum):
    """The four supported venues; the value is the name used in config, the DB and the CLI."""

    BINANCE = "binance"
    BYBIT = "bybit"
    OKX = "okx"
    BITGET = "bitget"


_CANONICAL = re.compile(r"^[A-Z0-9]{2,12}-[A-Z0-9]{2,12}$")


def is_canonical_symbol(symbol: str) -> bool:
    """`BASE-QUOTE`, upper case letters and digits: the shape of every symbol ArBot keys
    books, rules and records by."""
    return bool(_CANONICAL.match(symbol))
