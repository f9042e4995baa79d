"""Which networks can carry a coin from one venue to another, and the cheapest open one.

Two venues' rows are the same token on the same network when their shared chain names
match and so do their contract addresses (both empty for the chain's native coin). Names
alone are not enough: a same-named token with another contract is another coin
(docs/inventory.md, "Same ticker, same coin").
"""

from __future__ import annotations

import msgspec

from arbot.coininfo import CoinNetwork
from arbot.domain import Venue
from arbot.exchanges.coins import CoinBook


class Route(msgspec.Struct, frozen=True):
    """One network a coin can take from `src`'s venue to `dst`'s."""

    src: CoinNetwork
    dst: CoinNetwork

    @property
    def open(self) -> bool:
        """Withdrawals open where it leaves and deposits open where it arrives."""
        return self.src.withdraw_open and self.dst.deposit_open

    @property
    def fee(self) -> float:
        return self.src.withdraw_fee


def matched(src: list[CoinNetwork], dst: list[CoinNetwork]) -> list[Route]:
    """Every network both venues list for the coin with the same contract."""
    return [Route(a, b) for a in src for b in dst
            if a.chain == b.chain and a.contract == b.contract]


def cheapest(book: CoinBook, coin: str, src: Venue, dst: Venue) -> Route | None:
    """The open route with the lowest withdrawal fee (then the fastest), or None."""
    found = [r for r in matched(book.networks(src, coin), book.networks(dst, coin)) if r.open]
    return min(found, key=lambda r: (r.fee, r.src.minutes), default=None)


def same_coin(book: CoinBook, coin: str, a: Venue, b: Venue) -> str:
    """Why `coin` on `a` and on `b` must not be compared ("" when they may be, or when a
    venue publishes nothing to check against).

    Refused: a network both list with different contracts and none with the same one
    (another token under the same ticker), or a shared network on which deposits or
    withdrawals are closed either way (the coin cannot be moved between them)."""
    rows_a, rows_b = book.networks(a, coin), book.networks(b, coin)
    if not rows_a or not rows_b:
        return ""
    routes = matched(rows_a, rows_b)
    if not routes:
        clash = next(((x, y) for x in rows_a for y in rows_b
                      if x.chain == y.chain and x.contract != y.contract), None)
        if clash is not None:
            x, y = clash
            return (f"{coin} is not the same token: contract {x.contract or 'native'} on "
                    f"{a} vs {y.contract or 'native'} on {b} ({x.chain})")
        return f"{coin}: no network in common between {a} and {b}"
    if not any(r.open and Route(r.dst, r.src).open for r in routes):
        chains = ", ".join(sorted({r.src.chain for r in routes}))
        return f"{coin}: deposits or withdrawals closed between {a} and {b} on {chains}"
    return ""
