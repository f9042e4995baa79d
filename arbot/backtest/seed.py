"""What the board held when a later time window of a split backtest starts its warm-up.

A quote stays on the engine's board, however old, while its venue stands behind it (the
channels push on change: a quiet symbol's last quote is still its top of book). A time
window replays from a warm-up before its own start, so a symbol that last quoted before
the warm-up would be missing from its board until it quotes again, and the window would
miss the opportunities the whole replay finds against that quote. So the window first
replays, in time order, each venue's last quote of each symbol before the warm-up (the
seeds), found by looking back from the warm-up's start until every (venue, symbol) that
quoted earlier in the backtest is found, or the recorded run's start is reached (a new
run starts with an empty board).

The seeds go through the engine like any quote, with the recorded venue states replayed
from the run's start around them, so a quote whose venue went down after it is wiped as
it was live. A history without venue states (imports) judges a venue by its quotes: it
goes stale after `[feeds] stale_after_s` without one, on any symbol. Seeds alone would
leave gaps the venue never had, so each venue's first and last quote of every
`stale_after_s` of the look-back are replayed too: between them every silence of the
venue is kept exactly as long as it was, and none is made longer.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Final

from arbot.backtest.history import History, Pages
from arbot.backtest.source import Window
from arbot.domain import Quote, Venue

FIRST_REACH_NS: Final = 60 * 1_000_000_000  # the first look-back; each next one is 8x longer
REACH_GROWTH: Final = 8


def seed_quotes(history: History, window: Window, floor_ns: int, expected: Collection[
        tuple[str, str]], bucket_ns: int | None, page_rows: int) -> list[Quote]:
    """The quotes to replay before `window` (whose `since_ns` is the warm-up's start), in
    (receive time, id) order: the last of each (venue, symbol) since `floor_ns`, and with
    `bucket_ns` (liveness from quotes) each venue's first and last of every bucket."""
    start = window.since_ns
    assert start is not None
    reach = FIRST_REACH_NS
    while True:
        lo = max(floor_ns, start - reach)
        found = _look_back(history.quote_pages(Window(lo, start, window.symbols), page_rows),
                           bucket_ns)
        if lo <= floor_ns or all(pair in found.pairs for pair in expected):
            return found.quotes()
        reach *= REACH_GROWTH


class _Found:
    """Quotes kept from a look-back, each under its position in the read order."""

    def __init__(self) -> None:
        self.last: dict[tuple[Venue, str], tuple[int, Quote]] = {}
        self.buckets: dict[tuple[Venue, int], list[tuple[int, Quote]]] = {}
        self.pairs: set[tuple[str, str]] = set()

    def quotes(self) -> list[Quote]:
        kept = dict(self.last.values())
        for ends in self.buckets.values():
            kept.update(ends)
        return [kept[i] for i in sorted(kept)]


def _look_back(pages: Pages, bucket_ns: int | None) -> _Found:
    found = _Found()
    last, buckets = found.last, found.buckets
    n = 0
    while page := pages.next_page():
        for q in page:
            last[(q.venue, q.symbol)] = (n, q)
            if bucket_ns is not None:
                ends = buckets.get((q.venue, q.ts_recv_ns // bucket_ns))
                if ends is None:
                    buckets[(q.venue, q.ts_recv_ns // bucket_ns)] = [(n, q), (n, q)]
                else:
                    ends[1] = (n, q)
            n += 1
    found.pairs = {(v.value, s) for v, s in last}
    return found


class Seeded:
    """Pages: the seeds first, then the window's own."""

    def __init__(self, seeds: list[Quote], pages: Pages) -> None:
        self._seeds = seeds
        self._pages = pages

    def next_page(self) -> list[Quote]:
        if self._seeds:
            seeds, self._seeds = self._seeds, []
            return seeds
        return self._pages.next_page()
