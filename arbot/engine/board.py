"""The latest quote per (venue, symbol), stamped with the engine's receive time.

Laid out for the hot path: per symbol, a list indexed by venue holding
`(bid, ask, t_ns, quote)` tuples, so one update is one list store and the cross check
reads plain floats. A venue that stops being live is wiped from every symbol at once,
so its quotes can never take part in anything until it is live again.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from arbot.domain import Quote, Venue

Entry = tuple[float, float, int, Quote]  # bid, ask, receive time (ns, engine clock), quote
Book = list[Entry | None]  # indexed by venue index

VENUES: tuple[Venue, ...] = tuple(Venue)
VENUE_INDEX: dict[Venue, int] = {v: i for i, v in enumerate(VENUES)}


class QuoteBoard:
    """Latest entries per symbol; `usable[i]` is False while venue i is not live."""

    def __init__(self) -> None:
        self.books: dict[str, Book] = {}
        self.usable: list[bool] = [False] * len(VENUES)

    def book(self, symbol: str) -> Book:
        book = self.books.get(symbol)
        if book is None:
            book = self.books[symbol] = [None] * len(VENUES)
        return book

    def set_usable(self, venue: Venue, usable: bool) -> list[str]:
        """Mark a venue live or not; when not, drop its quotes and return the symbols hit."""
        i = VENUE_INDEX[venue]
        self.usable[i] = usable
        if usable:
            return []
        hit = []
        for symbol, book in self.books.items():
            if book[i] is not None:
                book[i] = None
                hit.append(symbol)
        return hit

    def fresh(self, symbol: str, now_ns: int,
              max_age_ns: Sequence[int]) -> Iterator[tuple[int, Entry]]:
        """(venue index, entry) for every quote of `symbol` within its venue's age limit."""
        for i, entry in enumerate(self.books.get(symbol, ())):
            if entry is not None and now_ns - entry[2] <= max_age_ns[i]:
                yield i, entry

    def quote(self, venue: Venue, symbol: str) -> Quote | None:
        """The venue's latest quote for `symbol` (None while the venue is not live): what
        the paper executor fills against and what follow-up orders are priced from."""
        book = self.books.get(symbol)
        entry = book[VENUE_INDEX[venue]] if book is not None else None
        return entry[3] if entry is not None else None
