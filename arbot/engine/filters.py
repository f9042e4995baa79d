"""The filters an opportunity must pass to be tradeable: sanity, freshness, volume and
trend, in that order (cheapest first, so most rejections cost the least), the first
rejection wins.

They are one chain judged by one call on plain arguments (`Filters.judge`), not an object
per filter called with a candidate object: the quote that opens an episode judges about
three candidates on cold caches, where every call and every object built costs cache
misses (bench/engine.py, "episode open"). A disabled filter is skipped, so turning one off
can only let more through. Filters only ever see candidates that are already
net-profitable and sized, so their cost is paid on the slow path alone.
"""

from __future__ import annotations

from collections import deque
from typing import Any

from arbot.config.filters import FiltersSettings
from arbot.config.sections import StrategySettings
from arbot.domain import PASSED, Opportunity, Verdict

NS_PER_MS = 1_000_000


class Trend:
    """What the trend filter judges by: a fair price per symbol (the mean of the venues'
    mids) sampled at most every `sample_ms`.

    The engine keeps when a symbol's next sample is due in its board slot, so the hot path
    pays one comparison per quote. The move over the window ending at the latest sample is
    computed when a candidate is judged, at most once per new sample.
    """

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


def _rejected(name: str, reason: str) -> Verdict:
    return Verdict(passed=False, filter=name, reason=reason)


def _not_yet(lasted: int, seen: int) -> Verdict:
    return _rejected("trend", f"not persistent yet ({lasted / NS_PER_MS:.0f} ms, {seen} updates)")


# A gap's first sighting (lasted 0 ns, seen once) gets the same verdict every time: made
# once, since formatting it is most of what judging a new gap costs.
FIRST_SIGHT = _not_yet(0, 1)


class Filters:
    """The enabled filters (`[filters.*]`), judged in order by `judge`.

    sanity: a gap too good to be true is a mispriced or broken feed, not free money.
    freshness: both quotes young and seen close together, built only with `[strategy]
    quote_freshness = "age"`; with "connection" each quote is its venue's current top
    while its connection is live, and when each last changed says nothing about either
    being current, so there is no skew to judge (the detector's age limits apply:
    `freshness.age_limits_ns`). volume: enough notional at the top of both books.
    trend: the gap must persist, and the fair price must not be running away (`Trend`).
    """

    def __init__(self, strategy: StrategySettings, settings: FiltersSettings) -> None:
        self.sanity = settings.sanity.enabled
        self.max_net_bps = strategy.max_net_profit_bps
        self.freshness = settings.freshness.enabled and strategy.quote_freshness == "age"
        self.max_age_ns = strategy.max_quote_age_ms * NS_PER_MS
        self.max_skew_ns = settings.freshness.max_skew_ms * NS_PER_MS
        self.volume = settings.volume.enabled
        self.min_top_notional = settings.volume.min_top_notional
        t = settings.trend
        self.trend = (Trend(t.min_persist_ms, t.min_updates, t.max_move_bps, t.window_ms)
                      if t.enabled else None)

    def judge(self, o: Opportunity, now_ns: int, buy_t_ns: int, sell_t_ns: int,
              first_seen_ns: int, seen: int) -> Verdict:
        """The first rejection of `o`, or PASSED. Times are engine-clock ns: when the buy
        and sell quotes were received (read only by the freshness filter), and when this
        pair's gap was first seen in its current run, over `seen` consecutive updates."""
        buy = o.buy
        sell = o.sell
        if self.sanity:
            if not (buy.ask > 0 and sell.bid > 0):
                return _rejected("sanity", "non-positive price")
            if sell.bid <= buy.ask:
                return _rejected("sanity", "sell price not above buy price")
            if o.net_bps > self.max_net_bps:
                return _rejected("sanity", f"net {o.net_bps:.1f} bps above the "
                                           f"{self.max_net_bps:g} bps ceiling")
        if self.freshness:
            oldest = now_ns - min(buy_t_ns, sell_t_ns)
            if oldest > self.max_age_ns:
                return _rejected("freshness", f"quote {oldest / NS_PER_MS:.0f} ms old")
            skew = abs(buy_t_ns - sell_t_ns)
            if skew > self.max_skew_ns:
                return _rejected("freshness", f"quotes {skew / NS_PER_MS:.0f} ms apart")
        if self.volume:
            top = min(buy.ask * buy.ask_size, sell.bid * sell.bid_size)
            if top < self.min_top_notional:
                return _rejected("volume",
                                 f"top of book {top:.2f} < {self.min_top_notional:g} notional")
        trend = self.trend
        if trend is not None:
            lasted = now_ns - first_seen_ns
            if lasted < trend.min_persist_ns and seen < trend.min_updates:
                return FIRST_SIGHT if lasted == 0 and seen == 1 else _not_yet(lasted, seen)
            move = trend.move_bps(o.symbol)
            if move > trend.max_move_bps:
                return _rejected("trend", f"fair price moved {move:.1f} bps in the window")
        return PASSED
