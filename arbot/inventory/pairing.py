"""The detector's pair rules from the coin information: which (buy, sell) venue pairs of a
symbol are refused because the base asset is not the same coin on both (or cannot move
between them), and what moving a batch back costs on each costed pair.

Runs off the hot path: whenever the coin information or the settings change, the service
rebuilds every symbol's rules and puts them on the engine's board slots.
"""

from __future__ import annotations

from arbot.config import ArbotSettings
from arbot.domain import Venue
from arbot.engine.board import VENUE_INDEX
from arbot.engine.pairs import PairCost, PairRules
from arbot.exchanges.coins import CoinBook
from arbot.exchanges.symbols import parse_canonical
from arbot.inventory.routes import cheapest, same_coin


def pair_rules(symbol: str, venues: list[Venue], book: CoinBook, settings: ArbotSettings
               ) -> PairRules:
    base, quote = parse_canonical(symbol)
    amortized = settings.strategy.rebalance_cost == "amortized"
    batch = settings.inventory.transfer_batch
    refused: dict[tuple[int, int], str] = {}
    costs: dict[tuple[int, int], PairCost] = {}
    for buy in venues:
        for sell in venues:
            if buy == sell:
                continue
            key = (VENUE_INDEX[buy], VENUE_INDEX[sell])
            why = same_coin(book, base, buy, sell)
            if why:
                refused[key] = why
                continue
            if not amortized:
                continue
            # Base bought on `buy` goes back to `sell`; quote received on `sell` to `buy`.
            base_route = cheapest(book, base, buy, sell)
            quote_route = cheapest(book, quote, sell, buy)
            if base_route is not None and quote_route is not None:
                costs[key] = PairCost(base_route.fee, quote_route.fee, batch)
    return PairRules(refused, costs)


def refusals(rules: dict[str, PairRules]) -> dict[Venue, list[str]]:
    """Per venue, the reasons its pairs are refused (for the venue status)."""
    venues = list(VENUE_INDEX)
    out: dict[Venue, list[str]] = {}
    for symbol, r in sorted(rules.items()):
        for (b, s), why in sorted(r.refused.items()):
            if b > s:  # each pair once
                continue
            for venue in (venues[b], venues[s]):
                note = f"{symbol} vs {venues[s if venue == venues[b] else b]} refused: {why}"
                if note not in out.setdefault(venue, []):
                    out[venue].append(note)
    return out
