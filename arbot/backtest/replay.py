"""The replay: recorded quotes through the live engine and paper trader on a replay clock.

Time is the recorded receive time. The engine runs with `clock=None`, so freshness,
trend samples and episode times come from each quote's `ts_recv_ns`; the trader's
monotonic and wall clocks read the same replay time, so cool-downs, trade rates, the
trading day and trade ids are reproducible. Between quotes, in time order, the replay
does what the live runtime did between frames:

* the engine's sweep on every 100 ms boundary (`engine.SWEEP_S`), so episodes whose
  quotes went stale without a new quote close as they did live;
* the recorded feed events (venue states): live, a venue's quotes count only while all of
  its connections are LIVE, and a venue going down closes its episodes as `venue_down`;
  quotes with no feed events (imports) say it themselves: a venue none of whose symbols
  quoted for `[feeds] stale_after_s` is stale (`engine.freshness.QuoteActivity`);
* run boundaries (`segments`): a fresh engine per recorded run, with that run's settings,
  and its open episodes closed as `shutdown` when the run ended.

and, when the recording holds order books, their snapshots (`books`): the engine walks
them and the paper executor fills against them, as live at `[market] depth` > 1;

and the paper trader's sleeps (`timers`): an order sent at replay time T to a venue with
latency L fills against the books as they are at T + L, after every quote received by
then, as the live paper executor's would after sleeping L. A quote that starts a trade is
followed by `settle()`, so its orders leave (and start their latency) at that quote's time.
"""

from __future__ import annotations

import bisect
import random
from collections.abc import Callable

from arbot.backtest.books import ReplayBooks
from arbot.backtest.history import Events, Pages
from arbot.backtest.report import Collector
from arbot.backtest.segments import Segment, containing
from arbot.backtest.store import EpisodeStore
from arbot.backtest.timers import ReplayTimers
from arbot.config import ArbotSettings
from arbot.domain import Quote, Venue
from arbot.engine.engine import SWEEP_S, Engine
from arbot.engine.freshness import Liveness
from arbot.engine.funnel import Funnel
from arbot.events import FanOut
from arbot.trading.ledger import Ledger
from arbot.trading.paper import PaperExecutor
from arbot.trading.preflight import Instruments
from arbot.trading.trader import Trader

SWEEP_NS = round(SWEEP_S * 1e9)
NEVER = 2**63  # a time after every recorded one
FLUSH_QUOTES = 50_000  # commit the buffered episodes about this often

Progress = Callable[[int, int], None]  # (replay time, quotes so far)


class Replay:
    """One backtest's moving parts. `trader` is None when trading is off; the store and
    the report's collector hear every episode event."""

    def __init__(self, segments: list[Segment], first: int, pages: Pages,
                 events: Events, collector: Collector, store: EpisodeStore,
                 trader: Trader | None, ledger: Ledger | None, rng: random.Random,
                 instruments: Instruments, timers: ReplayTimers,
                 books: ReplayBooks | None = None,
                 on_engine: Callable[[Engine, ArbotSettings], None] | None = None, *,
                 own: tuple[int | None, int | None] = (None, None),
                 anchor_ns: int | None = None, last_ns: int | None = None) -> None:
        """`on_engine` hears each segment's fresh engine (the inventory puts its pair
        rules on it).
        `own`: the time window this replay owns, when it is one partition of a split
        backtest (`arbot.backtest.split`): the funnel is counted from its start to its end,
        and the replay stops once past its end with none of its episodes open.
        `anchor_ns`: the whole backtest's first quote, where a free segment with no start
        begins its sweeps (a partition that starts later keeps the same 100 ms grid).
        `last_ns`: the whole backtest's last quote, where a partition's replay ends as the
        whole one does, whenever its own quotes end."""
        self.segments = segments
        self._own_since, self._own_until = own
        self._anchor_ns = anchor_ns
        self._marks: list[int] = [b for b in own if b is not None]
        self._funnel_at: dict[int, Funnel] = {}
        self._owning = self._own_since is None
        self._last_ns = last_ns
        self._stopped = False  # a partition past its own window, with nothing of it open
        self.owned_quotes = 0
        self._next_seg = first
        self.pages = pages
        self.events = events
        self.trader = trader
        self.ledger = ledger
        self.rng = rng
        self.instruments = instruments
        self.store = store
        self.timers = timers
        self._sink = FanOut([store, *([trader] if trader is not None else []), collector])
        self.books = books
        self._on_engine = on_engine
        self.engine: Engine | None = None
        self._on_quote: Callable[[Quote], None] = _no_engine
        self.segment: Segment | None = None
        self.funnels: list[Funnel] = []
        self.started: list[Segment] = []  # in order, each with its funnel in `funnels`
        self.quotes = 0
        self.last_quote_ns: int | None = None
        self._event_time = 0  # the latest timeline event handled
        self._sweep_ns = NEVER
        self._event_ns = NEVER
        self._seg_ns = NEVER
        self.next_ns = NEVER  # the earliest of the three
        self._reschedule()

    # -- clocks and books for the trader ----------------------------------------------

    def clock(self) -> int:
        """The replay clock, for the trader's monotonic and wall clocks alike: the latest
        quote the engine took (it acts on those) or timeline event."""
        engine = self.engine
        tick = engine.last_tick_ns if engine is not None else 0
        return max(tick, self._event_time)

    def book(self, venue: Venue, symbol: str) -> Quote | None:
        return self.engine.board.quote(venue, symbol) if self.engine is not None else None

    # -- the timeline -------------------------------------------------------------------

    def _reschedule(self) -> None:
        if self._next_seg >= len(self.segments):
            self._seg_ns = NEVER
        else:  # a segment starts just before its first instant, so quotes then are in it
            start = self.segments[self._next_seg].start_ns
            self._seg_ns = -NEVER if start is None else start - 1
        nxt = self.events.peek_ns()
        self._event_ns = NEVER if nxt is None else nxt
        self.next_ns = min(self._sweep_ns, self._event_ns, self._seg_ns)

    def advance(self, t: int) -> bool:
        """Handle every timeline event before `t`, in time order: segment switches,
        recorded venue states, the engine's sweeps. Returns True, early, after a sweep
        that handed the trader an episode (time made a waiting gap pass): the trader
        takes it then, as its loop turn would live."""
        while self.next_ns < t:
            at = self.next_ns
            if at == self._seg_ns:
                self._switch(at, t)
            elif at == self._event_ns:
                self._event_time = max(self._event_time, at)
                status = self.events.pop()
                if self.engine is not None:
                    self.engine.on_feed_status(status)
            elif self.engine is not None and self.engine.episodes.open:
                self._event_time = max(self._event_time, at)
                self.engine.sweep(at)
                self._sweep_ns = at + SWEEP_NS
                if self.trader is not None and self.trader.inbox.waiting:
                    self._reschedule()
                    return True
            else:  # nothing open to sweep: skip to the first boundary at or after t
                self._sweep_ns = at + -(-(t - at) // SWEEP_NS) * SWEEP_NS
            self._reschedule()
        return False

    def _switch(self, at: int, t: int) -> None:
        """End the current segment (a run that ended closes its episodes as `shutdown`
        at its recorded end) and start the next, with a fresh engine."""
        seg = self.segments[self._next_seg]
        self._next_seg += 1
        old = self.segment
        if old is not None and self.engine is not None:
            start = at + 1
            stop = old.stop_ns
            if stop is not None and stop <= start:
                self._close_all(stop, "shutdown")
            else:
                self._close_all(start, "end_of_data")
        self.segment = seg
        depth = self.books.start(seg.settings.market.depth) if self.books is not None else None
        # Without recorded feed events, liveness comes from the quotes themselves; a
        # recording or an import keeps changed tops only, not the venues' re-sends.
        self.engine = Engine(seg.settings, self._sink, clock=None, resends=False,
                             liveness=Liveness.FEED if seg.venue_states else Liveness.QUOTES,
                             depth=depth)
        self._on_quote = (self.books.follow(self.engine.on_quote) if self.books is not None
                          else self.engine.on_quote)
        self.funnels.append(self.engine.funnel)
        self.started.append(seg)
        if self._on_engine is not None:
            self._on_engine(self.engine, seg.settings)
        # Live, the sweep ticks every 100 ms from the run's start; a free segment from its
        # first quote (the whole backtest's, in a partition).
        if seg.start_ns is not None:
            self._sweep_ns = at + 1 + SWEEP_NS
        elif self._anchor_ns is not None and self._anchor_ns < t:
            self._sweep_ns = self._anchor_ns + -(-(t - self._anchor_ns) // SWEEP_NS) * SWEEP_NS
        else:
            self._sweep_ns = t + SWEEP_NS
        if self.trader is not None and self.ledger is not None:
            fees = {v: seg.settings.exchanges.for_venue(v).taker_fee_bps / 10_000 for v in Venue}
            self.trader.executor = PaperExecutor(self.trader.settings.paper, self.book,
                                                 self.instruments, fees, self.ledger,
                                                 sleep=self.timers.sleep, rng=self.rng,
                                                 depth=depth)

    def _close_all(self, at: int, reason: str) -> None:
        engine = self.engine
        assert engine is not None
        self._event_time = max(self._event_time, at)
        for key in list(engine.episodes.open):
            engine.episodes.close(key, at, reason)

    # -- the hot loop ---------------------------------------------------------------------

    async def run(self, progress: Progress | None = None, until_ns: int | None = None) -> None:
        """Replay every page, then the timeline to the end (a run's recorded end closes
        its episodes as it did live), then close what is still open as `end_of_data`."""
        read = self.pages.next_page
        flushed = 0
        while page := read():
            if self._marks and page[-1].ts_recv_ns >= self._marks[0]:
                if not await self._owned_page(page):
                    self._stopped = True
                    break
            else:
                await self._page(page)
                self.owned_quotes += len(page) if self._owning else 0
                if self._past_own_end():
                    self.last_quote_ns = page[-1].ts_recv_ns
                    self._stopped = True
                    break
            self.last_quote_ns = page[-1].ts_recv_ns
            if progress is not None:
                progress(self.last_quote_ns, self.quotes)
            if self.quotes - flushed >= FLUSH_QUOTES:
                self.store.flush()
                flushed = self.quotes
        await self._finish(until_ns)

    async def _page(self, page: list[Quote]) -> None:
        trader = self.trader
        flight = trader.risk.in_flight if trader is not None else set()
        # The trader's inbox, taken after each quote as the live trader's loop turn would.
        waiting = trader.inbox.waiting if trader is not None else ()
        drain = trader.drain if trader is not None else _no_trader
        on_quote = self._on_quote  # the engine's, behind the books' when there are any
        next_ns = self.next_ns
        for q in page:
            t = q.ts_recv_ns
            if t > next_ns or (flight and self._due_before(t)):
                await self._catch_up(t)
                next_ns = self.next_ns
                on_quote = self._on_quote
            trading = len(flight)
            on_quote(q)
            if waiting:
                drain()
            if len(flight) > trading:  # a trade started: its orders leave now
                await self._settle()
        self.quotes += len(page)

    # -- a partition's own window ---------------------------------------------------------

    async def _owned_page(self, page: list[Quote]) -> bool:
        """A page that crosses the start or end of the own window: the funnel is noted at
        each, with everything before it done. False once past the end with no episode of
        the window still open: the rest belongs to the next partition."""
        while self._marks and page and page[-1].ts_recv_ns >= self._marks[0]:
            mark = self._marks.pop(0)
            i = bisect.bisect_left(page, mark, key=lambda q: q.ts_recv_ns)
            if i:
                await self._page(page[:i])
                self.owned_quotes += i if self._owning else 0
                self.last_quote_ns = page[i - 1].ts_recv_ns
            await self._catch_up(mark)
            self._funnel_at[mark] = self._funnel_sum()
            self._owning = mark == self._own_since
            page = page[i:]
        if page:
            await self._page(page)
            self.owned_quotes += len(page) if self._owning else 0
        return not self._past_own_end()

    def _past_own_end(self) -> bool:
        until = self._own_until
        if until is None or until not in self._funnel_at or self.engine is None:
            return False
        return all(live.opened_ns >= until for live in self.engine.episodes.open.values())

    def _funnel_sum(self) -> Funnel:
        total = Funnel()
        for f in self.funnels:
            total.add(f)
        return total

    # -- the paper trader's time ------------------------------------------------------------

    def _due_before(self, t: int) -> bool:
        due = self.timers.due_ns()
        return due is not None and due < t

    async def _catch_up(self, t: int) -> None:
        """The timeline and the trader's sleepers before `t`, in time order; a sleeper due
        when a quote arrives wakes after it (the book then includes it)."""
        while True:
            due = self.timers.due_ns()
            until = due if due is not None and due < t else t
            if self.advance(until):  # a sweep handed the trader an episode
                await self._take()
            elif until < t:
                await self._wake(until)
            else:
                return

    async def _take(self) -> None:
        """The trader takes what waits in its inbox; a trade it starts sends its orders."""
        assert self.trader is not None
        flight = self.trader.risk.in_flight
        trading = len(flight)
        self.trader.drain()
        if len(flight) > trading:
            await self._settle()

    async def _wake(self, due: int) -> None:
        self._event_time = max(self._event_time, due)
        if self.books is not None:  # the order meets the books as they are at `due`
            self.books.until(due)
        self.timers.wake_next()
        await self._settle()

    async def _settle(self) -> None:
        if self.trader is not None:
            flight = self.trader.risk.in_flight
            await self.timers.settle(lambda: len(flight))

    async def _finish(self, until_ns: int | None) -> None:
        if self.last_quote_ns is None:
            return  # no quotes: no engine ever started
        last = self.last_quote_ns if self._last_ns is None else self._last_ns
        end = until_ns
        if end is None:
            end = last + 1
            segment = (self.segment if self._last_ns is None
                       else self.segments[containing(self.segments, last)])
            stop = segment.stop_ns if segment is not None else None
            if stop is not None and stop >= last:
                end = stop + 1  # the run's recorded end is part of the replay
        if not self._stopped:  # orders due before the end fill then, as they did live
            await self._catch_up(end)
        if self._last_ns is not None and not self._stopped:  # the whole replay's clock
            self._event_time = max(self._event_time, self._last_ns)
        if self.engine is not None:
            self._close_all(self.clock(), "end_of_data")
        while (due := self.timers.due_ns()) is not None:  # trades still in flight settle
            await self._wake(due)
        if self.trader is not None:
            await self.trader.wait_idle()
        self.store.flush()

    def replayed_segments(self) -> list[Segment]:
        """The segments that had quotes in the window."""
        return [s for s, f in zip(self.started, self.funnels, strict=True) if f.quotes]

    def funnel(self) -> dict[str, object]:
        """The engine's funnel summed over segments; in a partition, what was counted
        within its own window."""
        since, until = self._own_since, self._own_until
        if since is not None and since not in self._funnel_at:
            return Funnel().as_dict()  # the replay never reached its own window
        total = self._funnel_sum() if until is None else self._funnel_at.get(
            until, self._funnel_sum())
        return (total if since is None else total.minus(self._funnel_at[since])).as_dict()


def _no_engine(q: Quote) -> None:
    raise AssertionError("a quote before the first segment started")


def _no_trader() -> None:
    """Trading is off: nothing ever waits."""
