"""The latest quote per (venue, symbol), stamped with the engine's receive time.

Laid out for the hot path, whose cost at 1000 symbols is the memory it touches that no
quote touched lately (bench/engine.py, docs in `Slot`): one `Slot` per symbol, holding
per venue index the latest quote and, on a clocked engine, its receive time, in one list
written in place; and the best bid and ask across venues, kept as bounds in a small
array of doubles as quotes arrive. So one update is one or two list stores, the cross
check is two comparisons, and no object is built per quote. A venue that stops being
live is wiped from every symbol at once, so its quotes can never take part in anything
until it is live again.

Readers off the hot path (the API, the market view) see a slot as a sequence of
`(bid, ask, t_ns, quote)` entries per venue index, None where a venue has no quote.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any, cast

from arbot.domain import Quote, Venue
from arbot.engine.pairs import NO_RULES, PairRules

Entry = tuple[float, float, int, Quote]  # bid, ask, receive time (ns, engine clock), quote
Book = Sequence[Entry | None]  # indexed by venue index

VENUES: tuple[Venue, ...] = tuple(Venue)
VENUE_INDEX: dict[Venue, int] = {v: i for i, v in enumerate(VENUES)}
N = len(VENUES)
VENUE_INDEXES = tuple(range(N))
T = N  # where receive times start in `Slot.v`
NO_BID = float("-inf")  # an absent venue's bid: above nothing
NO_ASK = float("inf")  # an absent venue's ask: below nothing
EARLIEST = -(2**62)  # a time before every real one: a first trend sample is due at once


# The slot is an array of doubles; typeshed's `array` is generic, the runtime's is not.
if TYPE_CHECKING:
    _Doubles = array[float]
else:
    _Doubles = array


class Slot(_Doubles):
    """One symbol's latest top of book on every venue, written in place.

    `v` holds, for venue index i, the quote at `v[i]` (None while it has none) and when
    it arrived (engine clock) at `v[T + i]`. An engine with no clock of its own (a
    replay: its clock is each quote's receive time) leaves `v[T + i]` None and the
    quote's `ts_recv_ns` is its time. Nothing else per venue: each object a quote
    replaces is one that arrived about (symbols x venues) quotes ago, out of the caches
    at 1000 symbols, and dropping it costs a cache miss (measured: a time stored beside
    each quote costs 34 ns a quote at 1000 symbols and nothing at 10).

    The slot itself is the array `[best_bid, best_ask]` of doubles: the bid at least the
    largest bid, the ask at most the smallest ask, bounds that a new quote only widens,
    made exact only when they say a quote may cross the book
    (`best_bid > ask or bid > best_ask`), which is rare; a quote crosses when the exact
    ones say so. Doubles, not float objects, and in the slot's own array rather than
    one beside it: each object the hot path reads through is a cache miss at 1000
    symbols (measured, bench/engine.py: 40 ns a quote less than float attributes).
    `sample_at` is when the trend filter next samples this symbol's fair price.
    Readers off the hot path see the quotes as `entries()`.
    """

    __slots__ = ("rules", "sample_at", "symbol", "v")

    def __new__(cls, symbol: str) -> Slot:
        slot = cast(Slot, super().__new__(cls, "d", (NO_BID, NO_ASK)))
        slot.symbol = symbol
        slot.v = [None] * (2 * N)
        slot.sample_at = EARLIEST
        slot.rules = NO_RULES  # refused pairs and transfer costs (`arbot.engine.pairs`)
        return slot

    symbol: str
    v: list[Any]
    sample_at: int
    rules: PairRules

    @classmethod
    def of(cls, symbol: str, book: Book) -> Slot:
        """A slot holding `book`'s entries (a plain book, e.g. built by hand)."""
        slot = cls(symbol)
        v = slot.v
        for i, entry in enumerate(book):
            if entry is not None:
                v[T + i], v[i] = entry[2], entry[3]
        slot[0] = slot.exact_bid()
        slot[1] = slot.exact_ask()
        return slot

    def exact_bid(self) -> float:
        """The largest bid now (the bound made exact), on every twentieth quote or so.
        A plain loop over the venue indexes: a generator and `max` cost three times as
        much, and a slice of `v` is a list the garbage collector counts (so collects
        more often) that touches every quote twice more (measured with cachegrind)."""
        v = self.v
        best = NO_BID
        for i in VENUE_INDEXES:
            q = v[i]
            if q is not None and q.bid > best:
                best = q.bid
        return best

    def exact_ask(self) -> float:
        """The smallest ask now (the bound made exact)."""
        v = self.v
        best = NO_ASK
        for i in VENUE_INDEXES:
            q = v[i]
            if q is not None and q.ask < best:
                best = q.ask
        return best

    def quote(self, i: int) -> Quote | None:
        """Venue i's latest quote."""
        q: Quote | None = self.v[i]
        return q

    def t(self, i: int) -> int:
        """When venue i's quote arrived (engine clock); venue i has a quote."""
        return times(self.v, i)

    def fair(self) -> float:
        """The mean of the quoting venues' mids: the trend filter's fair price (summed
        in venue order, as `sum` of the mids would on this Python, without the list)."""
        v = self.v
        total = 0.0
        n = 0
        for i in VENUE_INDEXES:
            q = v[i]
            if q is not None:
                total += (q.bid + q.ask) * 0.5
                n += 1
        return total / n

    def drop(self, i: int) -> bool:
        """Drop venue i's quote (the bounds stay bounds); True if there was one."""
        v = self.v
        if v[i] is None:
            return False
        v[i] = None
        return True

    def entries(self) -> list[Entry | None]:
        """`(bid, ask, receive time, quote)` per venue index, None where a venue has none."""
        v = self.v
        return [None if q is None else (q.bid, q.ask, times(v, i), q)
                for i, q in enumerate(v[:N])]


def times(v: list[Any], i: int) -> int:
    """When venue i's quote in a slot's `v` arrived (engine clock): its stored time, or,
    on an engine without a clock, the quote's own receive time."""
    t: int | None = v[T + i]
    if t is None:
        received: int = v[i].ts_recv_ns
        return received
    return t


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
        return [symbol for symbol, slot in self.books.items() if slot.drop(i)]

    def fresh(self, symbol: str, now_ns: int,
              max_age_ns: Sequence[int]) -> Iterator[tuple[int, Entry]]:
        """(venue index, entry) for every quote of `symbol` within its venue's age limit."""
        slot = self.books.get(symbol)
        if slot is None:
            return
        for i, entry in enumerate(slot.entries()):
            if entry is not None and now_ns - entry[2] <= max_age_ns[i]:
                yield i, entry

    def quote(self, venue: Venue, symbol: str) -> Quote | None:
        """The venue's latest quote for `symbol` (None while the venue is not live): what
        the paper executor fills against and what follow-up orders are priced from."""
        slot = self.books.get(symbol)
        return slot.quote(VENUE_INDEX[venue]) if slot is not None else None
