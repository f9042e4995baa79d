"""Balances per venue and asset, as the trader believes them between venue reads.

Paper trading keeps its whole account here. Live trading loads the venues' balances at
start, applies its own fills at once (so the next pre-flight sees them) and reloads now
and then to catch anything the venue knows better.
"""

from __future__ import annotations

from collections.abc import Mapping

from arbot.domain import Balance, Side, Venue


class Ledger:
    def __init__(self, balances: Mapping[Venue, Mapping[str, float]] | None = None) -> None:
        self._free: dict[Venue, dict[str, float]] = {
            v: dict(assets) for v, assets in (balances or {}).items()}
        self._versions: dict[Venue, int] = {}

    def version(self, venue: Venue) -> int:
        """Moves whenever the venue's balances change here: a balance read from the venue
        before and compared after must not span a change (a fill booked meanwhile)."""
        return self._versions.get(venue, 0)

    def _moved(self, venue: Venue) -> None:
        self._versions[venue] = self.version(venue) + 1

    def free(self, venue: Venue, asset: str) -> float:
        return self._free.get(venue, {}).get(asset, 0.0)

    def set_venue(self, venue: Venue, balances: Mapping[str, Balance]) -> None:
        """Replace a venue's balances with what the venue reported."""
        self._free[venue] = {asset: b.free for asset, b in balances.items()}
        self._moved(venue)

    def adjust(self, venue: Venue, asset: str, delta: float) -> None:
        """Move one asset by what the venue showed and the ledger did not know (a drift
        the user acknowledged)."""
        assets = self._free.setdefault(venue, {})
        assets[asset] = assets.get(asset, 0.0) + delta
        self._moved(venue)

    def snapshot(self) -> dict[Venue, dict[str, float]]:
        return {v: dict(assets) for v, assets in self._free.items()}

    def apply_fill(self, venue: Venue, base: str, quote: str, side: Side, qty: float,
                   price: float, fee: float, fee_asset: str) -> None:
        """Move the assets of one fill; the fee leaves whichever asset it was charged in."""
        assets = self._free.setdefault(venue, {})
        sign = 1.0 if side is Side.BUY else -1.0
        assets[base] = assets.get(base, 0.0) + sign * qty
        assets[quote] = assets.get(quote, 0.0) - sign * qty * price
        if fee and fee_asset:
            assets[fee_asset] = assets.get(fee_asset, 0.0) - fee
        self._moved(venue)
