"""The latest quote per (venue, symbol), stamped with the engine's receive time.

Laid out for the hot path: one `Slot` per symbol, holding per venue index the latest
quote, its bid and ask as plain floats, and its receive time, all in lists that are
written in place; and the best bid and ask across venues, kept as quotes arrive. So one
update is a few list stores, the cross check is two comparisons, and no object is built
per quote. A venue that stops being live is wiped from every symbol at once, so its
quotes can never take part in anything until it is live again.

Readers off the hot path (the API, the market view) see a slot as a sequence of
`(bid, ask, t_ns, quote)` entries per venue index, None where a venue has no quote.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import overload

from arbot.domain import Quote, Venue

Entry = tuple[float, float, int, Quote]  # bid, ask, receive time (ns, engine clock), quote
Book = Sequence[Entry | None]  # indexed by venue index

VENUES: tuple[Venue, ...] = tuple(Venue)
VENUE_INDEX: dict[Venue, int] = {v: i for i, v in enumerate(VENUES)}
NO_BID = float("-inf")  # an absent venue's bid: above nothing
NO_ASK = float("inf")  # an absent venue's ask: below nothing
EARLIEST = -(2**62)  # a time before every real one: a first trend sample is due at once


class Slot(Sequence[Entry | None]):
    """One symbol's latest top of book on every venue, written in place.

    `bids[i]`/`asks[i]` are venue i's prices (NO_BID/NO_ASK while it has none),
    `t[i]` when its quote arrived (engine clock), `quotes[i]` the quote itself.
    `best_bid` is max(bids) and `bids[bid_at]` holds it; `best_ask` likewise the minimum:
    a quote crosses its symbol's book when `best_bid > ask or bid > best_ask`.
    `sample_at` is when the trend filter next samples this symbol's fair price.
    """

    __slots__ = ("ask_at", "asks", "best_ask", "best_bid", "bid_at", "bids", "quotes",
                 "sample_at", "symbol", "t")

    def __init__(self, symbol: str) -> None:
        n = len(VENUES)
        self.symbol = symbol
        self.quotes: list[Quote | None] = [None] * n
        self.bids: list[float] = [NO_BID] * n
        self.asks: list[float] = [NO_ASK] * n
        self.t: list[int] = [0] * n
        self.best_bid = NO_BID
        self.best_ask = NO_ASK
        self.bid_at = 0
        self.ask_at = 0
        self.sample_at = EARLIEST

    @classmethod
    def of(cls, symbol: str, book: Book) -> Slot:
        """A slot holding `book`'s entries (a plain book, e.g. built by hand)."""
        slot = cls(symbol)
        for i, entry in enumerate(book):
            if entry is not None:
                slot.bids[i], slot.asks[i], slot.t[i], slot.quotes[i] = entry
        slot.rebest()
        return slot

    def rebest(self) -> None:
        """Find the best bid and ask again (a venue left)."""
        self.rebid()
        self.reask()

    def rebid(self) -> None:
        """Find the best bid again (the venue that held it moved down)."""
        bids = self.bids
        self.best_bid = best = max(bids)
        self.bid_at = bids.index(best)

    def reask(self) -> None:
        """Find the best ask again (the venue that held it moved up)."""
        asks = self.asks
        self.best_ask = best = min(asks)
        self.ask_at = asks.index(best)

    def fair(self) -> float:
        """The mean of the quoting venues' mids: the trend filter's fair price."""
        mids = [(b + a) * 0.5 for b, a, q in zip(self.bids, self.asks, self.quotes, strict=True)
                if q is not None]
        return sum(mids) / len(mids)

    def clear(self, i: int) -> bool:
        """Drop venue i's quote; True if there was one."""
        if self.quotes[i] is None:
            return False
        self.quotes[i] = None
        self.bids[i] = NO_BID
        self.asks[i] = NO_ASK
        self.rebest()
        return True

    def __len__(self) -> int:
        return len(self.quotes)

    @overload
    def __getitem__(self, i: int) -> Entry | None: ...

    @overload
    def __getitem__(self, i: slice) -> list[Entry | None]: ...

    def __getitem__(self, i: int | slice) -> Entry | list[Entry | None] | None:
        if isinstance(i, slice):
            return [self[j] for j in range(len(self))[i]]
        q = self.quotes[i]
        return None if q is None else (self.bids[i], self.asks[i], self.t[i], q)


class QuoteBoard:
    """Latest quotes per symbol (`books`); `usable[i]` is False while venue i is not live."""

    def __init__(self) -> None:
        self.books: dict[str, Slot] = {}
        self.usable: list[bool] = [False] * len(VENUES)

    def book(self, symbol: str) -> Slot:
        """The symbol's slot, made on its first quote."""
        slot = self.books.get(symbol)
        if slot is None:
            slot = self.books[symbol] = Slot(symbol)
        return slot

    def set_usable(self, venue: Venue, usable: bool) -> list[str]:
        """Mark a venue live or not; when not, drop its quotes and return the symbols hit."""
        i = VENUE_INDEX[venue]
        self.usable[i] = usable
        if usable:
            return []
        return [symbol for symbol, slot in self.books.items() if slot.clear(i)]

    def fresh(self, symbol: str, now_ns: int,
              max_age_ns: Sequence[int]) -> Iterator[tuple[int, Entry]]:
        """(venue index, entry) for every quote of `symbol` within its venue's age limit."""
        slot = self.books.get(symbol)
        if slot is None:
            return
        for i, q in enumerate(slot.quotes):
            if q is not None and now_ns - slot.t[i] <= max_age_ns[i]:
                yield i, (slot.bids[i], slot.asks[i], slot.t[i], q)

    def quote(self, venue: Venue, symbol: str) -> Quote | None:
        """The venue's latest quote for `symbol` (None while the venue is not live): what
        the paper executor fills against and what follow-up orders are priced from."""
        slot = self.books.get(symbol)
        return slot.quotes[VENUE_INDEX[venue]] if slot is not None else None
