"""The why-no-trade funnel: every candidate is counted at the step where it stopped.

quotes -> (not_live) -> crossed spread seen -> (stale) -> (resyncing) -> (not_same_coin)
-> after fees
(below_min) -> after size (too_small, too_thin) -> after filters (filtered, by filter) ->
passed. Counts are per evaluated candidate pair, so a gap that stays open adds to
`passed` on each update.

The size steps compare notional with `[strategy] min_notional`: the top-of-book notional
is `min(ask size, bid size, max_notional / ask) * ask`, the walked one `walk_size *
buy_vwap` (`arbot.depth.walk`: both books walked while the marginal unit nets
min_net_profit_bps). A candidate goes on when the walked notional reaches min_notional.
`too_small`: neither does (without depth books the walk sees only the top levels, so this
is the top-of-book test). `too_thin`: the top levels reach min_notional but the walk does
not, i.e. the books the walk sees are thinner at the threshold than the quotes said (a book
that moved since its quote, a top level the quote's channel showed larger).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from arbot.domain import Verdict


@dataclass
class Funnel:
    quotes: int = 0  # every quote the engine received
    not_live: int = 0  # from a venue that was not live: ignored
    stale: int = 0  # crosses seen only against a stale quote
    resyncing: int = 0  # crosses seen only against a venue whose depth book is resyncing
    crossed: int = 0  # crossed spreads among fresh quotes (candidates)
    not_same_coin: int = 0  # ... between venues whose base asset is not the same coin
    below_min: int = 0  # ... whose net after both fees is under min_net_profit_bps
    too_small: int = 0  # ... whose notional, top or walked, is under min_notional
    too_thin: int = 0  # ... whose top notional clears min_notional but walked does not
    filtered: dict[str, int] = field(default_factory=dict)  # ... rejected, by filter
    passed: int = 0  # ... that passed every enabled filter

    def judged(self, verdict: Verdict) -> None:
        if verdict.passed:
            self.passed += 1
        else:
            self.filtered[verdict.filter] = self.filtered.get(verdict.filter, 0) + 1

    def add(self, other: Funnel) -> None:
        """Add another funnel's counts (a backtest sums its segments' engines)."""
        for name in COUNTS:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for name, n in other.filtered.items():
            self.filtered[name] = self.filtered.get(name, 0) + n

    def minus(self, earlier: Funnel) -> Funnel:
        """The counts added since `earlier`, a copy of this funnel taken before."""
        out = Funnel()
        for name in COUNTS:
            setattr(out, name, getattr(self, name) - getattr(earlier, name))
        for name, n in self.filtered.items():
            left = n - earlier.filtered.get(name, 0)
            if left:
                out.filtered[name] = left
        return out

    def as_dict(self) -> dict[str, object]:
        return {"quotes": self.quotes, "not_live": self.not_live, "stale": self.stale,
                "resyncing": self.resyncing, "crossed": self.crossed,
                "not_same_coin": self.not_same_coin,
                "below_min": self.below_min, "too_small": self.too_small,
                "too_thin": self.too_thin, "filtered": dict(sorted(self.filtered.items())),
                "passed": self.passed}


COUNTS = ("quotes", "not_live", "stale", "resyncing", "crossed", "not_same_coin", "below_min",
          "too_small", "too_thin", "passed")
