"""Per symbol, what the detector must know about each (buy venue, sell venue) pair besides
the quotes: whether the pair is refused (the base asset is not the same coin on both, or
cannot move between them) and what moving the traded inventory back costs.

Built off the hot path whenever the coin information or the settings change
(`arbot.inventory.pairing`) and put on the symbol's board slot; the detector reads it
only for crossed pairs.
"""

from __future__ import annotations

import msgspec


class PairCost(msgspec.Struct, frozen=True):
    """The withdrawal fees that move one batch back after buying on the buy venue and
    selling on the sell venue: `base_fee` (in the base asset) takes the base bought back
    to the sell venue, `quote_fee` (in the quote asset) the quote received back to the buy
    venue, both on the cheapest network open both ways. Spread over `batch` quote
    currency worth of trades, per unit bought at `price` that is
    `price * (base_fee * price + quote_fee) / batch`, i.e. in bps of the price
    `(base_fee * price + quote_fee) / batch * 1e4` (docs/inventory.md, "Transfer-aware
    economics")."""

    base_fee: float
    quote_fee: float
    batch: float

    def bps(self, price: float) -> float:
        return (self.base_fee * price + self.quote_fee) / self.batch * 10_000.0


class PairRules(msgspec.Struct, frozen=True):
    """One symbol's refused pairs (venue indexes, buy then sell) with the reason, and the
    transfer cost of each costed pair."""

    refused: dict[tuple[int, int], str]
    costs: dict[tuple[int, int], PairCost]


NO_RULES = PairRules({}, {})
