"""Every L2 book ArBot keeps, by venue index and symbol: written by whoever keeps the books
true (the feed live, the replay in a backtest), read by the engine's depth walk and the
screens. One object shared by both sides, so a walk always sees the book as of the
latest quote it was handed (the quote is made from the book right after each update)."""

from __future__ import annotations

from arbot.depth.book import L2Book
from arbot.domain import Venue

VENUE_ORDER: tuple[Venue, ...] = tuple(Venue)


class DepthBoard:
    """`books[i][symbol]` is venue i's book (venue order as `Venue`); absent while that
    venue keeps no book for the symbol (depth 1, or not subscribed yet)."""

    __slots__ = ("books", "levels")

    def __init__(self, levels: int) -> None:
        self.levels = levels  # `[market] depth`: how deep a walk may go
        self.books: list[dict[str, L2Book]] = [{} for _ in VENUE_ORDER]

    def book(self, venue: Venue, symbol: str) -> L2Book:
        """The venue's book for `symbol`, made empty (not synced) on first use."""
        books = self.books[VENUE_ORDER.index(venue)]
        found = books.get(symbol)
        if found is None:
            found = books[symbol] = L2Book(symbol)
        return found

    def get(self, i: int, symbol: str) -> L2Book | None:
        """Venue index i's book for `symbol`, None if it keeps none."""
        return self.books[i].get(symbol)
