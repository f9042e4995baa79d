"""The inventory as a trader reads it: per asset and venue the balance against its
target, the consumption rate, the time until each direction of each pair runs dry, the
opportunities lost to inventory and the rebalance plan. One Struct, so the Inventory
screen, `GET /api/inventory` and the headless line show the same numbers.
"""

from __future__ import annotations

from collections.abc import Mapping

import msgspec

from arbot.domain import Venue
from arbot.exchanges.symbols import parse_canonical
from arbot.inventory.flow import Changes
from arbot.inventory.plan import Plan, Transfer


class Holding(msgspec.Struct, frozen=True, kw_only=True):
    """One asset on one venue. `share` and `target_share` are fractions of the asset's
    total over the venues; `skew` is their difference (> 0: more than its target)."""

    asset: str
    venue: Venue
    balance: float
    target: float
    share: float
    target_share: float
    skew: float
    rate_per_h: float  # net change per hour from recent trades (< 0: being used up)


class Direction(msgspec.Struct, frozen=True, kw_only=True):
    """Buying `symbol` on `buy_venue` and selling it on `sell_venue`: it uses the quote
    asset on the buy venue and the base asset on the sell venue. `runs_dry_s` is when the
    first of them is gone at the recent rates (None: neither is being used up);
    `limited_by` names it."""

    symbol: str
    buy_venue: Venue
    sell_venue: Venue
    runs_dry_s: float | None
    limited_by: str


class InventoryReport(msgspec.Struct, frozen=True, kw_only=True):
    ts_ns: int
    holdings: list[Holding]
    directions: list[Direction]
    lost_to_inventory: int  # opportunities the trader refused for want of balance
    rebalance: list[Transfer]
    rebalance_cost: float  # the plan's fees in the quote currency
    notes: list[str]
    # Per venue, its pairs the detector refuses and why (the base asset is not the same
    # coin on both venues, or cannot move between them).
    refused: dict[Venue, list[str]] = msgspec.field(default_factory=dict)


def holdings(balances: Mapping[Venue, Mapping[str, float]], assets: list[str],
             shares: Mapping[str, Mapping[Venue, float]], rates: Changes) -> list[Holding]:
    out = []
    for asset in assets:
        split = shares[asset]
        total = sum(balances.get(v, {}).get(asset, 0.0) for v in split)
        for venue, target_share in split.items():
            bal = balances.get(venue, {}).get(asset, 0.0)
            share = bal / total if total > 0 else 0.0
            out.append(Holding(asset=asset, venue=venue, balance=bal,
                               target=target_share * total, share=share,
                               target_share=target_share, skew=share - target_share,
                               rate_per_h=rates.get((venue, asset), 0.0)))
    return out


def directions(symbols: list[str], venues: list[Venue],
               balances: Mapping[Venue, Mapping[str, float]], rates: Changes
               ) -> list[Direction]:
    out = []
    for symbol in symbols:
        base, quote = parse_canonical(symbol)
        for buy in venues:
            for sell in venues:
                if buy == sell:
                    continue
                soonest: tuple[float, str] | None = None
                for venue, asset in ((buy, quote), (sell, base)):
                    rate = rates.get((venue, asset), 0.0)
                    if rate < 0:
                        left = max(balances.get(venue, {}).get(asset, 0.0), 0.0)
                        seconds = left / -rate * 3600.0
                        if soonest is None or seconds < soonest[0]:
                            soonest = (seconds, f"{asset} on {venue}")
                out.append(Direction(symbol=symbol, buy_venue=buy, sell_venue=sell,
                                     runs_dry_s=soonest[0] if soonest else None,
                                     limited_by=soonest[1] if soonest else ""))
    return out


def build(ts_ns: int, balances: Mapping[Venue, Mapping[str, float]], symbols: list[str],
          venues: list[Venue], shares: Mapping[str, Mapping[Venue, float]], rates: Changes,
          lost: int, rebalance: Plan, notes: list[str],
          refused: Mapping[Venue, list[str]]) -> InventoryReport:
    return InventoryReport(ts_ns=ts_ns, holdings=holdings(balances, list(shares), shares, rates),
                           directions=directions(symbols, venues, balances, rates),
                           lost_to_inventory=lost, rebalance=rebalance.transfers,
                           rebalance_cost=rebalance.cost_quote,
                           notes=[*notes, *rebalance.notes], refused=dict(refused))
