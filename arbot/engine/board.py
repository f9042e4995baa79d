"""The latest quote per (venue, symbol), stamped with the engine's receive time.

Laid out for the hot path: one `Slot` per symbol, holding per venue index the latest
quote and its receive time, in one list written in place (few cache lines per symbol,
however many symbols there are); and the best bid and ask across
venues, kept as bounds as quotes arrive. So one update is two list stores, the cross
check is two comparisons, and no object is built per quote. A venue that stops being live is wiped
from every symbol at once, so its quotes can never take part in anything until it is
live again.

Readers off the hot path (the API, the market view) see a slot as a sequence of
`(bid, ask, t_ns, quote)` entries per venue index, None where a venue has no quote.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, overload

from arbot.domain import Quote, Venue
from arbot.engine.pairs import NO_RULES

Entry = tuple[float, float, int, Quote]  # bid, ask, receive time (ns, engine clock), quote
Book = Sequence[Entry | None]  # indexed by venue index

VENUES: tuple[Venue, ...] = tuple(Venue)
VENUE_INDEX: dict[Venue, int] = {v: i for i, v in enumerate(VENUES)}
N = len(VENUES)
T = N  # where receive times start in `Slot.v`
NO_BID = float("-inf")  # an absent venue's bid: above nothing
NO_ASK = float("inf")  # an absent venue's ask: below nothing
EARLIEST = -(2**62)  # a time before every real one: a first trend sample is due at once


class Slot(Sequence[Entry | None]):
    """One symbol's latest top of book on every venue, written in place.

    `v` holds, for venue index i, the quote at `v[i]` (None while it has none) and when
    it arrived (engine clock) at `v[T + i]`: no other per-venue object, since replacing
    one means touching the memory of a quote that arrived long ago. `best_bid` is at
    least the largest bid and `best_ask` at most the smallest ask: bounds that a new quote
    only widens, made exact only when they say a quote may cross the book
    (`best_bid > ask or bid > best_ask`),
    which is rare; a quote crosses when the exact ones say so. `sample_at` is when the
    trend filter next samples this symbol's fair price.
    """

    __slots__ = ("best_ask", "best_bid", "rules", "sample_at", "symbol", "v")

    def __init__(self, symbol: str) -> None:
        self.symbol = symbol
        self.v: list[Any] = [None] * N + [0] * N
        self.best_bid = NO_BID
        self.best_ask = NO_ASK
        self.sample_at = EARLIEST
        self.rules = NO_RULES  # refused pairs and transfer costs (`arbot.engine.pairs`)

    @classmethod
    def of(cls, symbol: str, book: Book) -> Slot:
        """A slot holding `book`'s entries (a plain book, e.g. built by hand)."""
        slot = cls(symbol)
        v = slot.v
        for i, entry in enumerate(book):
            if entry is not None:
                v[T + i], v[i] = entry[2], entry[3]
        slot.best_bid = slot.exact_bid()
        slot.best_ask = slot.exact_ask()
        return slot

    def exact_bid(self) -> float:
        """The largest bid now (the bound made exact)."""
        return max((q.bid for q in self.v[:N] if q is not None), default=NO_BID)

    def exact_ask(self) -> float:
        """The smallest ask now (the bound made exact)."""
        return min((q.ask for q in self.v[:N] if q is not None), default=NO_ASK)

    def quote(self, i: int) -> Quote | None:
        """Venue i's latest quote."""
        q: Quote | None = self.v[i]
        return q

    def t(self, i: int) -> int:
        """When venue i's quote arrived (engine clock)."""
        t: int = self.v[T + i]
        return t

    def fair(self) -> float:
        """The mean of the quoting venues' mids: the trend filter's fair price."""
        mids: list[float] = [(q.bid + q.ask) * 0.5 for q in self.v[:N] if q is not None]
        return sum(mids) / len(mids)

    def clear(self, i: int) -> bool:
        """Drop venue i's quote (the bounds stay bounds); True if there was one."""
        v = self.v
        if v[i] is None:
            return False
        v[i] = None
        return True

    def __len__(self) -> int:
        return N

    @overload
    def __getitem__(self, i: int) -> Entry | None: ...

    @overload
    def __getitem__(self, i: slice) -> list[Entry | None]: ...

    def __getitem__(self, i: int | slice) -> Entry | list[Entry | None] | None:
        if isinstance(i, slice):
            return [self[j] for j in range(N)[i]]
        j = range(N)[i]  # an IndexError past the venues, as a sequence must raise
        q: Quote | None = self.v[j]
        return None if q is None else (q.bid, q.ask, self.v[T + j], q)

    def __iter__(self) -> Iterator[Entry | None]:
        return (self[i] for i in range(N))


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
        for i, entry in enumerate(slot):
            if entry is not None and now_ns - entry[2] <= max_age_ns[i]:
                yield i, entry

    def quote(self, venue: Venue, symbol: str) -> Quote | None:
        """The venue's latest quote for `symbol` (None while the venue is not live): what
        the paper executor fills against and what follow-up orders are priced from."""
        slot = self.books.get(symbol)
        return slot.quote(VENUE_INDEX[venue]) if slot is not None else None
