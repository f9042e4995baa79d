"""Canonical `BASE-QUOTE` symbols <-> each venue's ids, driven by instruments data."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from arbot.domain import Instrument, Venue


class UnknownSymbolError(ValueError):
    """A configured symbol the venue does not list."""


# Quote assets tried (longest first) when splitting an unlisted concatenated id such as
# NKNUSDT. Only used where no instruments data exists, e.g. importing an old capture.
COMMON_QUOTES = tuple(
    sorted(
        ("USDT", "USDC", "FDUSD", "TUSD", "BUSD", "DAI", "USD", "EUR", "TRY", "BRL", "GBP",
         "BTC", "ETH", "BNB"),
        key=len,
        reverse=True,
    )
)


def canonical_symbol(text: str) -> str:
    """A symbol as a person types it, canonical: any case, `BTC-USDT`, `BTC/USDT`,
    `BTC_USDT`, or a venue's own spelling such as `BTCUSDT` split by its quote asset
    (COMMON_QUOTES). For the command line; the API takes the canonical form only."""
    text = re.sub(r"[/_]", "-", text.strip().upper())
    if "-" in text:
        parse_canonical(text)
        return text
    found = _guess_split(text)
    if found is None:
        raise ValueError(f"cannot tell the base and quote assets of {text!r}; "
                         "give the symbol as BASE-QUOTE, e.g. BTC-USDT")
    return found


def parse_canonical(symbol: str) -> tuple[str, str]:
    """Split `BASE-QUOTE`; raise ValueError naming the expected form."""
    base, sep, quote = symbol.partition("-")
    if not sep or not base or not quote or "-" in quote or symbol != symbol.upper():
        raise ValueError(f"symbol {symbol!r} is not of the form BASE-QUOTE, e.g. BTC-USDT")
    return base, quote


class SymbolMap:
    """Both directions of the mapping for one venue.

    `guess` allows ids not in the map to be split by a known quote-asset suffix; it is for
    offline imports of captures, never for live trading.
    """

    def __init__(self, venue: Venue, pairs: Iterable[tuple[str, str]], *, guess: bool = False):
        self.venue = venue
        self._to_venue: dict[str, str] = {}
        self._to_canonical: dict[str, str] = {}
        for canonical, venue_id in pairs:
            self._to_venue[canonical] = venue_id
            self._to_canonical[venue_id] = canonical
        self._guess = guess

    @classmethod
    def from_instruments(cls, venue: Venue, instruments: Iterable[Instrument]) -> SymbolMap:
        return cls(venue, ((i.symbol, i.venue_id) for i in instruments))

    @classmethod
    def from_symbols(
        cls, venue: Venue, symbols: Iterable[str], venue_id: Callable[[str, str], str]
    ) -> SymbolMap:
        """Map configured symbols by the venue's naming rule, for when instruments are missing."""
        return cls(venue, ((s, venue_id(*parse_canonical(s))) for s in symbols))

    def __len__(self) -> int:
        return len(self._to_venue)

    def canonical_symbols(self) -> list[str]:
        return sorted(self._to_venue)

    def to_venue(self, symbol: str) -> str:
        try:
            return self._to_venue[symbol]
        except KeyError:
            raise UnknownSymbolError(f"{self.venue} does not list {symbol}") from None

    @property
    def lookup(self) -> Callable[[str], str | None]:
        """The fastest venue id -> canonical function for a parser's hot path: the dict's
        own C-level `get` for an exact map, the guessing method only when guessing."""
        return self.to_canonical if self._guess else self._to_canonical.get

    def to_canonical(self, venue_id: str) -> str | None:
        """The canonical symbol for a venue id, or None if it is not one of ours."""
        found = self._to_canonical.get(venue_id)
        if found is None and self._guess:
            found = _guess_split(venue_id)
            if found is not None:
                self._to_canonical[venue_id] = found
        return found


def _guess_split(venue_id: str) -> str | None:
    if "-" in venue_id:
        base, _, quote = venue_id.partition("-")
        return f"{base}-{quote}" if base and quote and "-" not in quote else None
    for quote in COMMON_QUOTES:
        if venue_id.endswith(quote) and len(venue_id) > len(quote):
            return f"{venue_id[: -len(quote)]}-{quote}"
    return None
