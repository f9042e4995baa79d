"""The one check every top of book passes before it is a `Quote`: finite, positive, not
crossed. On the hot path, so the happy path is a single chained comparison."""

from __future__ import annotations

from arbot.domain import Quote, Venue
from arbot.exchanges.drops import Drop, DropCounter

INF = float("inf")


def make_quote(
    venue: Venue,
    symbol: str,
    bid: float,
    bid_size: float,
    ask: float,
    ask_size: float,
    ts_exchange_ms: int | None,
    recv_ns: int,
    drops: DropCounter,
) -> Quote | None:
    """The one gate every quote passes: finite, positive, not crossed; else a counted drop.

    The happy path is a single chained comparison (NaN fails every comparison); the
    reason is worked out only for frames that fail it.
    """
    if 0.0 < bid < ask < INF and 0.0 < bid_size < INF and 0.0 < ask_size < INF:
        return Quote(venue=venue, symbol=symbol, bid=bid, bid_size=bid_size, ask=ask,
                     ask_size=ask_size, ts_exchange_ms=ts_exchange_ms, ts_recv_ns=recv_ns)
    drops.add(quote_problem(bid, bid_size, ask, ask_size))
    return None


def quote_problem(bid: float, bid_size: float, ask: float, ask_size: float) -> Drop:
    """Why a top of book that failed `make_quote`'s one comparison is unusable."""
    values = (bid, bid_size, ask, ask_size)
    if any(v != v or v in (INF, -INF) for v in values):
        return Drop.NON_FINITE
    if any(v <= 0.0 for v in values):
        return Drop.NON_POSITIVE
    return Drop.CROSSED
