"""The filters an opportunity must pass to be tradeable (the strategy pattern of the
original architecture): each is a small class with `should_execute(candidate) -> Verdict`.

A disabled filter is simply not in the list. Filters only ever see candidates that are
already net-profitable and sized, so their cost is paid on the slow path alone.
"""

from __future__ import annotations

from collections import deque
from typing import Any, Protocol

import msgspec

from arbot.config.filters import FiltersSettings
from arbot.config.sections import StrategySettings
from arbot.domain import PASSED, Opportunity, Verdict

NS_PER_MS = 1_000_000


class Candidate(msgspec.Struct, frozen=True):
    """An opportunity with the context filters judge it by (engine-clock times in ns)."""

    opportunity: Opportunity
    now_ns: int
    buy_t_ns: int  # when the buy quote was received
    sell_t_ns: int
    first_seen_ns: int  # when this pair's gap was first seen in its current run
    seen: int  # consecutive updates the gap has been seen on


class Filter(Protocol):
    name: str

    def should_execute(self, c: Candidate) -> Verdict: ...


class SanityFilter:
    """A gap too good to be true is a mispriced or broken feed, not free money."""

    name = "sanity"

    def __init__(self, max_net_bps: float) -> None:
        self.max_net_bps = max_net_bps

    def should_execute(self, c: Candidate) -> Verdict:
        o = c.opportunity
        if not (o.buy.ask > 0 and o.sell.bid > 0):
            return Verdict(passed=False, filter=self.name, reason="non-positive price")
        if o.sell.bid <= o.buy.ask:
            return Verdict(passed=False, filter=self.name, reason="sell price not above buy price")
        if o.net_bps > self.max_net_bps:
            return Verdict(
                passed=False, filter=self.name,
                reason=f"net {o.net_bps:.1f} bps above the {self.max_net_bps:g} bps ceiling")
        return PASSED


class FreshnessFilter:
    """Both quotes young, and seen close together in time: the old rule, built only with
    `[strategy] quote_freshness = "age"`. With "connection" each quote is its venue's
    current top while its connection is live, and when each last changed says nothing
    about either being current (on a push-on-change channel a quiet book and a busy one
    are equally current), so there is no skew to judge; the age limits are the
    detector's (`freshness.age_limits_ns`)."""

    name = "freshness"

    def __init__(self, max_age_ms: int, max_skew_ms: int) -> None:
        self.max_age_ns = max_age_ms * NS_PER_MS
        self.max_skew_ns = max_skew_ms * NS_PER_MS

    def should_execute(self, c: Candidate) -> Verdict:
        oldest = c.now_ns - min(c.buy_t_ns, c.sell_t_ns)
        if oldest > self.max_age_ns:
            return Verdict(passed=False, filter=self.name,
                           reason=f"quote {oldest / NS_PER_MS:.0f} ms old")
        skew = abs(c.buy_t_ns - c.sell_t_ns)
        if skew > self.max_skew_ns:
            return Verdict(passed=False, filter=self.name,
                           reason=f"quotes {skew / NS_PER_MS:.0f} ms apart")
        return PASSED


class VolumeFilter:
    """Enough notional at the top of both books."""

    name = "volume"

    def __init__(self, min_top_notional: float) -> None:
        self.min_top_notional = min_top_notional

    def should_execute(self, c: Candidate) -> Verdict:
        o = c.opportunity
        top = min(o.buy.ask * o.buy.ask_size, o.sell.bid * o.sell.bid_size)
        if top < self.min_top_notional:
            return Verdict(passed=False, filter=self.name,
                           reason=f"top of book {top:.2f} < {self.min_top_notional:g} notional")
        return PASSED


class TrendFilter:
    """The gap must persist, and the fair price must not be running away.

    The engine has it sample a fair price per symbol (the mean of the venues' mids) at
    most every `sample_ms`, keeping when the next one is due in the symbol's board slot,
    so the hot path pays one comparison per quote. The move over the window ending at the
    latest sample is computed when a candidate is judged, at most once per new
    sample.
    """

    name = "trend"

    def __init__(self, min_persist_ms: int, min_updates: int, max_move_bps: float,
                 window_ms: int, sample_ms: int = 200) -> None:
        self.min_persist_ns = min_persist_ms * NS_PER_MS
        self.min_updates = min_updates
        self.max_move_bps = max_move_bps
        self.window_ns = window_ms * NS_PER_MS
        self.sample_ns = sample_ms * NS_PER_MS
        # symbol -> [sample times, fair prices, the move over the window until the next
        # sample (None: not computed)]: numbers only, so sampling gives the garbage
        # collector nothing to track
        self._history: dict[str, list[Any]] = {}
        self._maxlen = max(2, window_ms // sample_ms + 2)
        # A gap's first sighting (lasted 0 ns, seen once) gets the same verdict every
        # time: made once, since formatting it is most of what judging a new gap costs.
        self._first_sight = self._not_yet(0, 1)

    def _not_yet(self, lasted: int, seen: int) -> Verdict:
        return Verdict(passed=False, filter=self.name,
                       reason=f"not persistent yet ({lasted / NS_PER_MS:.0f} ms, {seen} updates)")

    def sample(self, symbol: str, fair: float, now_ns: int) -> None:
        """Record the symbol's fair price (the mean of every venue's mid) at `now_ns`."""
        history = self._history.get(symbol)
        if history is None:
            history = self._history[symbol] = [deque(maxlen=self._maxlen),
                                               deque(maxlen=self._maxlen), None]
        history[0].append(now_ns)
        history[1].append(fair)
        history[2] = None

    def move_bps(self, symbol: str) -> float:
        """Largest fair-price range within the window ending at the latest sample, in bps
        of the latest fair price; cached until the next sample. A plain loop over the
        few samples a window holds (window_ms / 200 ms): numpy's arrays cost more to
        build than the loop does. The window's start is compared in float64, as it was
        computed when this used numpy, so the same samples fall in it."""
        history = self._history.get(symbol)
        if history is None:
            return 0.0
        move: float | None = history[2]
        if move is not None:
            return move
        times, fairs = history[0], history[1]
        start = float(times[-1]) - self.window_ns
        low = high = fairs[-1]
        n = 0
        for t, fair in zip(times, fairs, strict=True):
            if float(t) >= start:
                n += 1
                if fair < low:
                    low = fair
                elif fair > high:
                    high = fair
        move = (high - low) / fairs[-1] * 10_000.0 if n >= 2 else 0.0
        history[2] = move
        return move

    def should_execute(self, c: Candidate) -> Verdict:
        lasted = c.now_ns - c.first_seen_ns
        seen = c.seen
        if lasted < self.min_persist_ns and seen < self.min_updates:
            return self._first_sight if lasted == 0 and seen == 1 else self._not_yet(lasted, seen)
        move = self.move_bps(c.opportunity.symbol)
        if move > self.max_move_bps:
            return Verdict(passed=False, filter=self.name,
                           reason=f"fair price moved {move:.1f} bps in the window")
        return PASSED


def build_filters(strategy: StrategySettings, settings: FiltersSettings) -> list[Filter]:
    """The enabled filters, cheapest first so most rejections cost the least."""
    out: list[Filter] = []
    if settings.sanity.enabled:
        out.append(SanityFilter(strategy.max_net_profit_bps))
    if settings.freshness.enabled and strategy.quote_freshness == "age":
        out.append(FreshnessFilter(strategy.max_quote_age_ms, settings.freshness.max_skew_ms))
    if settings.volume.enabled:
        out.append(VolumeFilter(settings.volume.min_top_notional))
    if settings.trend.enabled:
        t = settings.trend
        out.append(TrendFilter(t.min_persist_ms, t.min_updates, t.max_move_bps, t.window_ms))
    return out


def judge(filters: list[Filter], c: Candidate) -> Verdict:
    """The first rejection, or PASSED."""
    for f in filters:
        verdict = f.should_execute(c)
        if not verdict.passed:
            return verdict
    return PASSED
