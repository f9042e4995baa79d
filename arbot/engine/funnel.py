"""The why-no-trade funnel: every candidate is counted at the step where it stopped.

quotes -> (not_live) -> crossed spread seen -> (stale) -> after fees (below_min) ->
after size (too_small) -> after filters (filtered, by filter) -> passed. Counts are per
evaluated candidate pair, so a gap that stays open adds to `passed` on each update.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from arbot.domain import Verdict


@dataclass
class Funnel:
    quotes: int = 0  # every quote the engine received
    not_live: int = 0  # from a venue that was not live: ignored
    stale: int = 0  # crosses seen only against a stale quote
    crossed: int = 0  # crossed spreads among fresh quotes (candidates)
    below_min: int = 0  # ... whose net after both fees is under min_net_profit_bps
    too_small: int = 0  # ... whose fillable notional is under min_notional
    filtered: dict[str, int] = field(default_factory=dict)  # ... rejected, by filter
    passed: int = 0  # ... that passed every enabled filter

    def judged(self, verdict: Verdict) -> None:
        if verdict.passed:
            self.passed += 1
        else:
            self.filtered[verdict.filter] = self.filtered.get(verdict.filter, 0) + 1

    def as_dict(self) -> dict[str, object]:
        return {"quotes": self.quotes, "not_live": self.not_live, "stale": self.stale,
                "crossed": self.crossed, "below_min": self.below_min,
                "too_small": self.too_small, "filtered": dict(sorted(self.filtered.items())),
                "passed": self.passed}
