"""A live paper trade on its modelled clock, so it trades as its backtest does.

A paper order sent at T to a venue with latency L fills against the books as they were at
T + L: every quote received by then (`ts_recv_ns`), none after. The backtest replays
exactly that, on the recorded receive times. Live, the event loop decides when the
executor runs: it wakes late from its sleep when the machine is busy, and the trader's
journal writes (a thread, a lock) come between the legs' reports and an unwind, so a paper
run that read the books "now" traded on a moment its backtest could not know, and the two
parted under load.

So a live paper trade keeps its own time (`TradeTime`): its legs leave at the hand-over
(the receive time of the quote that passed the episode, the backtest's clock then), each
fills at its leave time plus its venue's latency, a follow-up (unwind, chase) leaves when
the later report came back and is priced on the books of that moment, and a retry gap
moves the trade's clock, not the wall's. The books of those moments come from the `Tape`:
from the hand-over on, every quote of the symbol (and the L2 levels the order would walk)
is kept with its receive time while the trade needs it. A trade waits on the wall clock
until its moment has passed, so every quote received by then is on the tape.
"""

from __future__ import annotations

import asyncio
import time
from bisect import bisect_right
from collections.abc import Awaitable, Callable

from arbot.depth.board import VENUE_ORDER, DepthBoard
from arbot.depth.book import Level
from arbot.domain import FeedStatus, Quote, Venue
from arbot.events import Sink
from arbot.trading.paper import BookLookup, Ladder, quote_top, top_levels

Sides = tuple[tuple[Level, ...], tuple[Level, ...]]  # bids, asks: the L2 top when synced
KEEP_NS = 10_000_000_000
"""How long after its latest hand-over a symbol stays on the tape with no trade holding
it: far longer than an episode waits in the trader's inbox on a busy loop."""
PAST_NS = 10_000_000_000
"""How far back a symbol kept on the tape for long (busy, trade after trade) is kept:
far more than a trade lags the market (its leg-risk policy has `leg_ttl_ms`)."""
HANDED_KEPT = 256  # hand-over times kept before those older than KEEP_NS are dropped
TRIM_EVERY = 256  # states appended between trims of one (venue, symbol)


class _Recorded:
    """One (venue, symbol)'s states in receive-time order."""

    __slots__ = ("quotes", "sides", "times")

    def __init__(self) -> None:
        self.times: list[int] = []
        self.quotes: list[Quote | None] = []
        self.sides: list[Sides | None] = []

    def trim(self, before_ns: int) -> None:
        """Forget the states before `before_ns`, keeping the one in force then."""
        i = bisect_right(self.times, before_ns) - 1
        if i > 0:
            del self.times[:i], self.quotes[:i], self.sides[:i]


class Now(Sink):
    """Hears each quote before the engine: a hand-over happens at the receive time of the
    quote the engine is acting on (the backtest's clock then)."""

    __slots__ = ("ns",)

    def __init__(self) -> None:
        self.ns = 0

    def on_quote(self, quote: Quote) -> None:
        self.ns = quote.ts_recv_ns


class Tape(Sink):
    """The books of the symbols paper trades need, by receive time (see module docstring).
    A quote sink after the engine, so it keeps the quotes the engine's board holds, which
    paper orders fill against; `before` is its clock, a sink before the engine."""

    def __init__(self, book: BookLookup, depth: DepthBoard | None, *,
                 wall_ns: Callable[[], int] = time.time_ns,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        self._book = book
        self._depth = depth
        self._wall = wall_ns
        self._sleep = sleep
        self._tapes: dict[str, dict[Venue, _Recorded]] = {}  # by symbol
        self._until: dict[str, int] = {}  # symbol -> kept on the tape until (receive time)
        self._held: dict[str, int] = {}  # symbol -> trades holding it
        self._handed: dict[str, int] = {}  # episode id -> when it was handed over
        self.before = Now()

    def watch(self, episode_id: str, symbol: str) -> None:
        """The episode was handed over to the trader now (on the tick path, while the
        engine acts on the latest quote): keep the symbol's books from now on."""
        at = self.before.ns
        if len(self._handed) >= HANDED_KEPT:  # episodes refused before they were taken
            self._handed = {e: t for e, t in self._handed.items() if t > at - KEEP_NS}
        self._handed[episode_id] = at
        if symbol not in self._tapes:
            self._tapes[symbol] = {}
            for venue in VENUE_ORDER:
                q = self._book(venue, symbol)
                if q is not None:
                    self._record(venue, symbol, at, q)
        self._until[symbol] = max(self._until.get(symbol, at), at + KEEP_NS)

    def handed(self, episode_id: str) -> int:
        """When the episode was handed over (receive time), as the trader takes it."""
        return self._handed.pop(episode_id, self.before.ns)

    def trade(self, symbol: str, start_ns: int) -> TradeTime:
        """A trade of `symbol` handed over at `start_ns`: its clock, holding the symbol on
        the tape until `TradeTime.release`."""
        self._held[symbol] = self._held.get(symbol, 0) + 1
        return TradeTime(self, symbol, start_ns)

    def release(self, symbol: str) -> None:
        held = self._held.get(symbol, 0) - 1
        if held > 0:
            self._held[symbol] = held
            return
        self._held.pop(symbol, None)

    def on_quote(self, quote: Quote) -> None:
        symbol = quote.symbol
        if symbol not in self._tapes:
            return
        t = quote.ts_recv_ns
        if t > self._until[symbol] and symbol not in self._held:
            del self._tapes[symbol], self._until[symbol]  # nobody needs its past now
            return
        venue = quote.venue  # what the engine took (not the quote of a venue it ignores)
        self._record(venue, symbol, t, self._book(venue, symbol))

    def on_feed_status(self, status: FeedStatus) -> None:
        """A venue the engine took down has no quotes on its board from then on."""
        for symbol in self._tapes:
            self._record(status.venue, symbol, status.ts_ns, self._book(status.venue, symbol))

    def _record(self, venue: Venue, symbol: str, t: int, quote: Quote | None) -> None:
        rec = self._tapes[symbol].get(venue)
        if rec is None:
            if quote is None:
                return
            rec = self._tapes[symbol][venue] = _Recorded()
        elif t < rec.times[-1]:  # a status stamped before the quote just kept
            t = rec.times[-1]
        rec.times.append(t)
        rec.quotes.append(quote)
        rec.sides.append(self._sides(venue, symbol))
        if len(rec.times) % TRIM_EVERY == 0:
            rec.trim(t - PAST_NS)

    def _sides(self, venue: Venue, symbol: str) -> Sides | None:
        """The L2 levels an order would walk (`[market] depth` of them a side) while the
        venue's book is synced, as `PaperExecutor` walks them; None: the quote's top."""
        if self._depth is None:
            return None
        book = self._depth.get(VENUE_ORDER.index(venue), symbol)
        if book is None or not book.synced:
            return None
        n = self._depth.levels
        return tuple(top_levels(book.bids, n)), tuple(top_levels(book.asks, n))

    def _at(self, venue: Venue, symbol: str, t: int) -> tuple[Quote | None, Sides | None]:
        tapes = self._tapes.get(symbol)
        if tapes is None:  # not on the tape: no trade of it is in flight
            return self._book(venue, symbol), None
        rec = tapes.get(venue)
        i = -1 if rec is None else bisect_right(rec.times, t) - 1
        if rec is None or i < 0:
            return None, None  # the venue had not quoted the symbol by then
        return rec.quotes[i], rec.sides[i]

    def quote(self, venue: Venue, symbol: str, t: int) -> Quote | None:
        """The venue's quote as of receive time `t`."""
        return self._at(venue, symbol, t)[0]

    def ladder(self, venue: Venue, symbol: str, buy: bool, t: int) -> Ladder:
        """The side a buy (asks) or sell (bids) meets at `t`: the L2 levels when the book
        was synced, else the quote's top level, else nothing."""
        q, sides = self._at(venue, symbol, t)
        if sides is not None:
            levels = sides[1] if buy else sides[0]
            return lambda: iter(levels)
        return quote_top(q, buy)

    async def reached(self, t: int) -> None:
        """Once the wall clock is past `t`: every quote received by then is on the tape
        (a quote is stamped and handed on in one step of the feed's loop)."""
        while (now := self._wall()) <= t:
            await self._sleep((t - now + 1) / 1e9)


class TradeTime:
    """One paper trade's clock and the market as of it: the `Market` its paper orders
    fill on, and the clock, sleep and books of its leg-risk policy."""

    def __init__(self, tape: Tape, symbol: str, start_ns: int) -> None:
        self._tape = tape
        self.symbol = symbol
        self.now_ns = start_ns
        self._answered_ns = start_ns  # when the latest report came back
        self._released = False

    def _caught_up(self) -> int:
        """The trade acts after its latest report came back."""
        self.now_ns = max(self.now_ns, self._answered_ns)
        return self.now_ns

    async def meet(self, venue: Venue, symbol: str, buy: bool, latency_s: float) -> Ladder:
        """An order leaving now reaches `venue` after `latency_s`; the side it meets then.
        Both opening legs leave at the same moment, whichever task runs first."""
        at = self.now_ns + round(latency_s * 1e9)
        await self._tape.reached(at)
        self._answered_ns = max(self._answered_ns, at)
        return self._tape.ladder(venue, symbol, buy, at)

    def clock_s(self) -> float:
        return self._caught_up() / 1e9

    def stamp(self) -> int:
        """The trade's time for its journal rows (ns, the receive-time clock)."""
        return self._caught_up()

    async def sleep(self, seconds: float) -> None:
        self.now_ns = self._caught_up() + round(seconds * 1e9)
        await self._tape.reached(self.now_ns)

    def book(self, venue: Venue, symbol: str) -> Quote | None:
        return self._tape.quote(venue, symbol, self._caught_up())

    def release(self) -> None:
        """The trade is booked: the tape may forget the symbol's past."""
        if not self._released:
            self._released = True
            self._tape.release(self.symbol)

