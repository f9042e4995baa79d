"""Balances valued in the quote currency: what each venue's holdings are worth now.

One valuation for the UI and the API, from the latest quotes the front end already holds
(no extra request to any venue). An asset is valued at the mid of its pair with the quote
currency on the venue that holds it; a venue without that pair's quote borrows the mean
mid of the venues that have one (its coins could be moved there); an asset no venue
quotes against the quote currency is named as unpriced rather than counted as zero.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from arbot.exchanges.symbols import parse_canonical

Mids = Mapping[str, Mapping[str, float]]  # venue -> symbol -> mid price


@dataclass(frozen=True)
class VenueValue:
    """One venue's holdings in the quote currency."""

    venue: str
    total: float  # sum of the priced assets
    values: Mapping[str, float | None]  # asset -> value (None: unpriced)

    @property
    def unpriced(self) -> list[str]:
        return sorted(a for a, v in self.values.items() if v is None)


def quote_currency(symbols: Iterable[str]) -> str:
    """The quote asset most of the traded symbols share (the first one's on a tie), the
    currency balances and PnL are counted in; USDT with no symbol."""
    quotes = Counter(parse_canonical(s)[1] for s in symbols)
    return quotes.most_common(1)[0][0] if quotes else "USDT"


def mids_of(quotes: Iterable[tuple[str, str, float, float]]) -> dict[str, dict[str, float]]:
    """(venue, symbol, bid, ask) as venue -> symbol -> mid, skipping one-sided books."""
    out: dict[str, dict[str, float]] = {}
    for venue, symbol, bid, ask in quotes:
        if bid > 0 and ask > 0:
            out.setdefault(venue, {})[symbol] = (bid + ask) / 2
    return out


def price(asset: str, venue: str, quote: str, mids: Mids) -> float | None:
    """One unit of `asset` in `quote` as seen on `venue` (else the other venues' mean)."""
    if asset == quote:
        return 1.0
    symbol = f"{asset}-{quote}"
    own = mids.get(venue, {}).get(symbol)
    if own is not None:
        return own
    others = [m[symbol] for m in mids.values() if symbol in m]
    return sum(others) / len(others) if others else None


def value_balances(balances: Mapping[str, Mapping[str, float]], mids: Mids,
                   quote: str) -> list[VenueValue]:
    """Each venue's assets valued in `quote`, venues in name order."""
    out = []
    for venue, assets in sorted(balances.items()):
        values: dict[str, float | None] = {}
        for asset, amount in sorted(assets.items()):
            p = price(asset, venue, quote, mids)
            values[asset] = None if p is None else amount * p
        out.append(VenueValue(venue, sum(v for v in values.values() if v is not None), values))
    return out
