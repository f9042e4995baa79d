"""The rebalance plan: the cheapest transfers that bring each asset back to its target
split. Advice only: ArBot never sends a withdrawal.

Per asset, a venue holding more than its target gives, one holding less receives. An
asset is planned only when some venue's share is off its target by more than
`[inventory] tolerance`; then the transfers bring every venue back to target. The fees
are fixed per transfer (the venues charge a flat withdrawal fee per network), so the plan
takes the cheapest open route among all (giver, receiver) pairs first and moves as much
as both can, then the next: each step settles a giver or a receiver, so no more transfers
than venues are made, each on the cheapest network open both ways it can use. A route
whose fee would eat the amount, or whose amount is below the venue's withdrawal minimum,
is skipped; a pair with no open route is named among the plan's notes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import msgspec

from arbot.domain import Venue
from arbot.exchanges.coins import CoinBook
from arbot.inventory.routes import cheapest


class Transfer(msgspec.Struct, frozen=True, kw_only=True):
    """One withdrawal to make by hand: `amount` leaves `from_venue`, `amount - fee`
    arrives at `to_venue`. `fee` is in the asset, `fee_quote` its value in the quote
    currency (0 while no price is known), `minutes` the venue's expected time (0: not
    given)."""

    asset: str
    from_venue: Venue
    to_venue: Venue
    network: str
    amount: float
    fee: float
    fee_quote: float
    minutes: float
    confirmations: int


class Plan(msgspec.Struct, frozen=True, kw_only=True):
    transfers: list[Transfer]
    cost_quote: float  # every transfer's fee in the quote currency
    notes: list[str]


def plan_asset(asset: str, balances: Mapping[Venue, float], shares: Mapping[Venue, float],
               tolerance: float, book: CoinBook, price: float) -> tuple[list[Transfer], list[str]]:
    """The transfers for one asset (and notes on what could not be planned)."""
    total = sum(balances.get(v, 0.0) for v in shares)
    if total <= 0:
        return [], []
    off = max(abs(balances.get(v, 0.0) / total - s) for v, s in shares.items())
    if off <= tolerance:
        return [], []
    give = {v: balances.get(v, 0.0) - s * total for v, s in shares.items()}
    givers = {v: x for v, x in give.items() if x > 0}
    takers = {v: -x for v, x in give.items() if x < 0}
    out: list[Transfer] = []
    notes: list[str] = []
    while givers and takers:
        options = [(route, g, t) for g in givers for t in takers
                   if (route := cheapest(book, asset, g, t)) is not None]
        usable = [(r, g, t) for r, g, t in options
                  if min(givers[g], takers[t]) > max(r.fee, r.src.withdraw_min)]
        if not usable:
            stuck = ", ".join(f"{g}->{t}" for g in givers for t in takers)
            notes.append(f"{asset}: no open network worth its fee for {stuck}")
            break
        route, g, t = min(usable, key=lambda o: (o[0].fee, o[0].src.minutes))
        amount = min(givers[g], takers[t])
        out.append(Transfer(asset=asset, from_venue=g, to_venue=t, network=route.src.network,
                            amount=amount, fee=route.fee, fee_quote=route.fee * price,
                            minutes=route.src.minutes,
                            confirmations=route.dst.confirmations))
        for side, venue in ((givers, g), (takers, t)):
            side[venue] -= amount
            if side[venue] <= total * 1e-12:
                del side[venue]
    return out, notes


def plan(assets: Mapping[str, Mapping[Venue, float]],
         shares: Callable[[str], Mapping[Venue, float]], tolerance: float, book: CoinBook,
         price: Callable[[str], float]) -> Plan:
    """Every asset's transfers; `price(asset)` values a fee in the quote currency."""
    transfers: list[Transfer] = []
    notes: list[str] = []
    for asset, balances in sorted(assets.items()):
        found, why = plan_asset(asset, balances, shares(asset), tolerance, book, price(asset))
        transfers += found
        notes += why
    return Plan(transfers=transfers, cost_quote=sum(t.fee_quote for t in transfers),
                notes=notes)
