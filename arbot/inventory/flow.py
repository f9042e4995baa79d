"""How trades move inventory: per venue and asset, the change each settled trade made,
kept for `[inventory] rate_window_s`, from the trades' own fills.

Why from fills and not from balance snapshots: a live account's balance also moves with
deposits, withdrawals and other activity; the rate that says how long arbitrage can go on
is the one arbitrage itself causes.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable

import msgspec

from arbot.domain import Side, TradeOutcome, Venue

Changes = dict[tuple[Venue, str], float]  # (venue, asset) -> amount added (< 0: used)


class Moved(msgspec.Struct, frozen=True):
    """What one trade did to the inventory."""

    ts_ns: int
    symbol: str
    changes: Changes


def trade_changes(outcome: TradeOutcome, base: str, quote: str) -> Changes:
    """Every fill of the trade (opening legs, unwinds, chases) as asset changes per venue;
    a fee leaves the asset it was charged in (a third asset is left out)."""
    out: Changes = {}
    for leg in outcome.orders:
        r = leg.report
        if r.filled_qty <= 0:
            continue
        venue = leg.request.venue
        sign = 1.0 if leg.request.side is Side.BUY else -1.0
        value = r.filled_qty * r.avg_price
        out[(venue, base)] = out.get((venue, base), 0.0) + sign * r.filled_qty
        out[(venue, quote)] = out.get((venue, quote), 0.0) - sign * value
        if r.fee and r.fee_asset in ("", quote, base):
            charged_in = base if r.fee_asset == base else quote
            out[(venue, charged_in)] = out.get((venue, charged_in), 0.0) - r.fee
    return out


class Flows:
    """The trades of the last `window_s` seconds and what they moved."""

    def __init__(self, window_s: float, started_ns: int) -> None:
        self.window_ns = int(window_s * 1e9)
        self.started_ns = started_ns
        self._moves: deque[Moved] = deque()

    def add(self, moved: Moved) -> None:
        self._moves.append(moved)

    def recent(self, now_ns: int) -> Iterable[Moved]:
        cutoff = now_ns - self.window_ns
        while self._moves and self._moves[0].ts_ns < cutoff:
            self._moves.popleft()
        return tuple(self._moves)

    def totals(self, now_ns: int) -> Changes:
        """Net change of each (venue, asset) over the window."""
        totals: Changes = {}
        for moved in self.recent(now_ns):
            for key, amount in moved.changes.items():
                totals[key] = totals.get(key, 0.0) + amount
        return totals

    def rates_per_h(self, now_ns: int) -> Changes:
        """Net change per hour of each (venue, asset) over the window (or since the start,
        when that is shorter; at least a minute, so one trade is not an absurd rate)."""
        totals = self.totals(now_ns)
        span_s = max(60.0, min(self.window_ns, now_ns - self.started_ns) / 1e9)
        return {key: amount * 3600.0 / span_s for key, amount in totals.items()}
