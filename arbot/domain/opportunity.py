"""Cross-venue gaps net of fees, the filters' verdict on them, and the episodes that
follow one gap from open to close."""

from __future__ import annotations

import enum

import msgspec

from arbot.domain.market import Quote
from arbot.domain.venue import Venue


class Opportunity(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """A cross-venue gap net of both taker fees: sized to what both top levels can fill
    (`size`, `profit`, `net_bps`) and to what a walk of both books fills (`walk_*`).

    It carries the two quotes and the fees it was built from, so anyone can recompute it:
    net_per_unit = sell.bid * (1 - sell_fee) - buy.ask * (1 + buy_fee);
    net_bps = net_per_unit / buy.ask * 1e4; profit = net_per_unit * size.
    """

    symbol: str
    buy: Quote  # bought at buy.ask on buy.venue
    sell: Quote  # sold at sell.bid on sell.venue
    buy_fee_bps: float
    sell_fee_bps: float
    net_per_unit: float
    net_bps: float
    size: float  # base units: min(ask size, bid size, max_notional / ask)
    profit: float  # quote currency, net of both fees
    # The same gap sized by walking both books (`arbot.depth.walk`): up the buy venue's
    # asks and down the sell venue's bids while each added unit still nets the threshold,
    # capped by max_notional (and balances when trading). With depth 1 the walk covers the
    # top levels only and these equal the top-of-book figures above.
    walk_size: float = 0.0  # base units both books fill at the threshold
    buy_vwap: float = 0.0  # mean price paid over the walked asks
    sell_vwap: float = 0.0  # mean price got over the walked bids
    buy_worst: float = 0.0  # the last (highest) ask walked: the buy leg's IOC limit
    sell_worst: float = 0.0  # the last (lowest) bid walked: the sell leg's IOC limit
    walk_profit: float = 0.0  # quote currency, net of both fees, over walk_size
    walk_net_bps: float = 0.0  # walk_profit over the cost of walk_size at buy_vwap, in bps
    buy_levels: int = 0  # ask levels walked (1: the top level only)
    sell_levels: int = 0  # bid levels walked
    # `[strategy] rebalance_cost = "amortized"`: the per-unit cost of moving the traded
    # inventory back, in bps of the ask (`arbot.engine.pairs.PairCost`); 0 when off or
    # while the venues' coin information is unknown.
    transfer_bps: float = 0.0

    @property
    def net_after_transfer_bps(self) -> float:
        """Net after both fees and the amortized transfer cost (the figure the threshold
        is applied to)."""
        return self.net_bps - self.transfer_bps


class Verdict(msgspec.Struct, frozen=True, kw_only=True):
    """What the filters said: `passed`, or the first filter that rejected and why."""

    passed: bool
    filter: str = ""
    reason: str = ""

    def __str__(self) -> str:
        return "passed" if self.passed else f"filtered:{self.filter}: {self.reason}"


PASSED = Verdict(passed=True)


class EpisodeKind(enum.StrEnum):
    OPEN = "open"
    UPDATE = "update"
    CLOSE = "close"


class Episode(msgspec.Struct, frozen=True, kw_only=True):
    """One opportunity's life for (symbol, buy venue, sell venue), from open to close.

    `passed` is whether it ever passed every filter (it was tradeable at some point);
    `verdict` is the latest filter verdict. Times are wall-clock ns at receipt.
    """

    id: str
    symbol: str
    buy_venue: Venue
    sell_venue: Venue
    opened_ns: int
    first: Opportunity
    peak: Opportunity
    last: Opportunity
    verdict: Verdict
    passed: bool
    updates: int  # consecutive quotes the gap has been seen on
    closed_ns: int | None = None
    close_reason: str | None = None


class EpisodeEvent(msgspec.Struct, frozen=True, kw_only=True):
    """Sent to sinks when an episode opens, changes materially (throttled) or closes."""

    kind: EpisodeKind
    episode: Episode
