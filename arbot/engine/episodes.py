"""Opportunity episodes: one per (symbol, buy venue, sell venue) from open to close.

The peak is the sighting with the largest walked profit (`Opportunity.walk_profit`: what
both books could fill at the threshold), not the widest top-of-book gap.
Sinks hear of an episode when it opens, when it changes materially (the verdict flips,
or net bps moved by at least `MOVE_BPS`, at most every `UPDATE_NS`), and when it closes:
never once per tick.
"""

from __future__ import annotations

import msgspec

from arbot.domain import Episode, EpisodeEvent, EpisodeKind, Opportunity, Venue, Verdict
from arbot.events import EpisodeSink

Key = tuple[str, Venue, Venue]
MOVE_BPS = 1.0
OPEN = EpisodeKind.OPEN
UPDATE_NS = 250_000_000


class _Live(msgspec.Struct, gc=False):
    """An open episode's mutable state; frozen `Episode`s are cut from it for sinks.

    A Struct, not a dataclass: built in C from positional fields, where a dataclass runs
    a Python `__init__` (the cost of opening an episode). Untracked by the garbage
    collector: its fields hold only frozen values, so it can be in no cycle."""

    id: str
    opened_ns: int  # wall clock
    first_seen: int  # engine clock
    seen: int
    first: Opportunity
    peak: Opportunity
    last: Opportunity
    verdict: Verdict
    passed: bool
    emitted_at: int  # engine clock of the last event sent
    emitted_bps: float
    emitted_verdict: Verdict

    def freeze(self, closed_ns: int | None = None, reason: str | None = None) -> Episode:
        o = self.first
        return Episode(id=self.id, symbol=o.symbol, buy_venue=o.buy.venue, sell_venue=o.sell.venue,
                       opened_ns=self.opened_ns, first=o, peak=self.peak, last=self.last,
                       verdict=self.verdict, passed=self.passed, updates=self.seen,
                       closed_ns=closed_ns, close_reason=reason)


class Episodes:
    """The open episodes, indexed by key and by symbol (in the order they opened)."""

    def __init__(self, sink: EpisodeSink) -> None:
        self.sink = sink
        self.open: dict[Key, _Live] = {}
        self.open_symbols: dict[str, dict[Key, _Live]] = {}  # symbol -> its open episodes
        self.opened = 0
        self.closed = 0

    def keys_for(self, symbol: str) -> list[Key]:
        """The symbol's open episodes, oldest first; found by key, not by a scan."""
        by_key = self.open_symbols.get(symbol)
        return list(by_key) if by_key is not None else []

    def open_new(self, key: Key, o: Opportunity, verdict: Verdict, now: int, at_ns: int,
                 stamp: str) -> None:
        """A gap with no open episode: open one. Its id is the key and the wall-clock
        open time (`stamp`: "|" and `at_ns` in decimal, made once for all the episodes
        one quote opens), built by concatenation, the cheapest way CPython has; its
        first `Episode` is built here from what is at hand, not cut from the `_Live`."""
        symbol, buy, sell = key
        passed = verdict.passed
        id_ = symbol + "|" + buy + "|" + sell + stamp
        live = _Live(id_, at_ns, now, 1, o, o, o, verdict, passed, now, o.net_bps, verdict)
        self.open[key] = live
        by_key = self.open_symbols.get(symbol)
        if by_key is None:
            self.open_symbols[symbol] = {key: live}
        else:
            by_key[key] = live
        self.opened += 1
        self.sink.on_episode(EpisodeEvent(kind=OPEN, episode=Episode(
            id=id_, symbol=symbol, buy_venue=buy, sell_venue=sell, opened_ns=at_ns, first=o,
            peak=o, last=o, verdict=verdict, passed=passed, updates=1)))

    def seen_again(self, live: _Live, o: Opportunity, verdict: Verdict, now: int) -> None:
        """An open episode's gap is still there: move it on."""
        live.seen += 1
        live.last = o
        if o.walk_profit > live.peak.walk_profit:
            live.peak = o
        moved = abs(o.net_bps - live.emitted_bps) >= MOVE_BPS and now - live.emitted_at >= UPDATE_NS
        self._verdict(live, verdict, now, moved)

    def rejudged(self, key: Key, verdict: Verdict, now: int) -> None:
        """The filters' new verdict on an open episode's unchanged gap (time passed)."""
        live = self.open.get(key)
        if live is not None:
            self._verdict(live, verdict, now, False)

    def _verdict(self, live: _Live, verdict: Verdict, now: int, moved: bool) -> None:
        live.verdict = verdict
        live.passed = live.passed or verdict.passed
        # A flip is a change of outcome or of the rejecting filter; the reason text moves
        # on every tick ("not persistent yet (3 ms)") and must not cause an event.
        was = live.emitted_verdict
        if moved or verdict.passed != was.passed or verdict.filter != was.filter:
            live.emitted_at, live.emitted_verdict = now, verdict
            live.emitted_bps = live.last.net_bps
            self.sink.on_episode(EpisodeEvent(kind=EpisodeKind.UPDATE, episode=live.freeze()))

    def close(self, key: Key, at_ns: int, reason: str) -> None:
        live = self.open.pop(key)
        by_key = self.open_symbols[key[0]]
        del by_key[key]
        if not by_key:
            del self.open_symbols[key[0]]
        self.closed += 1
        self.sink.on_episode(EpisodeEvent(kind=EpisodeKind.CLOSE,
                                          episode=live.freeze(max(at_ns, live.opened_ns), reason)))
