"""The engine's own judgement of the market, for front ends that show it.

A screen must show the numbers the engine acts on, never a re-derivation of its own: a
screen that judged freshness on the wall clock, or paid the configured fee where the
engine pays the account's real one, would disagree with the engine it reports on. So
the engine answers here, on its own clock, board and fees. A front end asks once per
refresh; the hot path pays nothing for it.
"""

from __future__ import annotations

from collections.abc import Sequence

import msgspec

from arbot.domain import Venue
from arbot.engine.board import VENUES, Entry, QuoteBoard
from arbot.engine.detector import Fee, net_per_unit


class SymbolView(msgspec.Struct, frozen=True, kw_only=True):
    """One symbol as the engine sees it now: the venues whose quotes take part (live and
    within their venue's age limit), and the best gross and net spread among those (None
    with fewer than two). Spreads are in bps of the buy price and may be negative (not crossed)."""

    fresh: frozenset[Venue]
    gross_bps: float | None
    net_bps: float | None


def best_spreads(fresh: Sequence[tuple[int, Entry]],
                 fees: Sequence[Fee]) -> tuple[float | None, float | None]:
    """Best (gross, net) bps of buying at one venue's ask and selling at another's bid,
    crossed or not; net pays both taker fees exactly as the detector does."""
    gross: float | None = None
    net: float | None = None
    for bi, (_, ask, _, _) in fresh:
        if ask <= 0:
            continue
        for si, (bid, _, _, _) in fresh:
            if si == bi:
                continue
            g = (bid - ask) / ask * 10_000.0
            n = net_per_unit(ask, bid, fees[bi], fees[si]) / ask * 10_000.0
            gross = g if gross is None or g > gross else gross
            net = n if net is None or n > net else net
    return gross, net


def market_view(board: QuoteBoard, fees: Sequence[Fee], now_ns: int,
                max_age_ns: Sequence[int]) -> dict[str, SymbolView]:
    """Every symbol on the board, judged at `now_ns` on the engine's clock (age limits
    per venue index)."""
    out: dict[str, SymbolView] = {}
    for symbol in board.books:
        fresh = list(board.fresh(symbol, now_ns, max_age_ns))
        gross, net = best_spreads(fresh, fees)
        out[symbol] = SymbolView(fresh=frozenset(VENUES[i] for i, _ in fresh),
                                 gross_bps=gross, net_bps=net)
    return out
