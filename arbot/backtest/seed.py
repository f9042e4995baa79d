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

import bisect
from collections.abc import Collection
from typing import Final

from arbot.backtest.history import History, Pages
from arbot.backtest.source import Window
from arbot.domain import Quote, Venue

FIRST_REACH_NS: Final = 1_000_000_000  # the first look-back; each next one is 8x longer
REACH_GROWTH: Final = 8


def seeded_pages(history: History, window: Window, floor_ns: int,
                 expected: Collection[tuple[str, str]], bucket_ns: int | None,
                 page_rows: int) -> Pages:
    """The window's pages (its `since_ns` is the warm-up's start), after the quotes to
    replay before it, in (receive time, id) order: the last of each (venue, symbol) since
    `floor_ns`, and with `bucket_ns` (liveness from quotes) each venue's first and last
    of every bucket. The first look-back is read with the window, in one stream; only
    when it misses an expected pair is a longer one read apart."""
    start = window.since_ns
    assert start is not None
    lo = max(floor_ns, start - FIRST_REACH_NS)
    pages = history.quote_pages(Window(lo, window.until_ns, window.symbols), page_rows)
    found = _Found(bucket_ns)
    rest: list[Quote] = []
    while page := pages.next_page():
        i = bisect.bisect_left(page, start, key=lambda q: q.ts_recv_ns)
        found.add(page[:i])
        if i < len(page):
            rest = page[i:]
            break
    reach = FIRST_REACH_NS
    while lo > floor_ns and not found.has(expected):
        reach *= REACH_GROWTH
        lo = max(floor_ns, start - reach)
        found = _Found(bucket_ns)
        before = history.quote_pages(Window(lo, start, window.symbols), page_rows)
        while page := before.next_page():
            found.add(page)
    return Seeded([*found.quotes(), *rest], pages)


class _Found:
    """Quotes kept from a look-back, each under its position in the read order."""

    def __init__(self, bucket_ns: int | None) -> None:
        self._bucket_ns = bucket_ns
        self._n = 0
        self.last: dict[tuple[Venue, str], tuple[int, Quote]] = {}
        self.buckets: dict[tuple[Venue, int], list[tuple[int, Quote]]] = {}

    def add(self, quotes: list[Quote]) -> None:
        last, buckets, bucket_ns = self.last, self.buckets, self._bucket_ns
        n = self._n
        for q in quotes:
            last[(q.venue, q.symbol)] = (n, q)
            if bucket_ns is not None:
                key = (q.venue, q.ts_recv_ns // bucket_ns)
                ends = buckets.get(key)
                if ends is None:
                    buckets[key] = [(n, q), (n, q)]
                else:
                    ends[1] = (n, q)
            n += 1
        self._n = n

    def has(self, expected: Collection[tuple[str, str]]) -> bool:
        pairs = {(v.value, s) for v, s in self.last}
        return all(pair in pairs for pair in expected)

    def quotes(self) -> list[Quote]:
        kept = dict(self.last.values())
        for ends in self.buckets.values():
            kept.update(ends)
        return [kept[i] for i in sorted(kept)]


class Seeded:
    """Pages: the seeds (and the first of the window's own quotes) first, then the rest."""

    def __init__(self, first: list[Quote], pages: Pages) -> None:
        self._first = first
        self._pages = pages

    def next_page(self) -> list[Quote]:
        if self._first:
            first, self._first = self._first, []
            return first
        return self._pages.next_page()
