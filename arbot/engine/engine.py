"""The engine: board, detector and filters on every quote, episodes, and the funnel.

Hot path: one quote touches only its own symbol's board slot. It is written in place,
and its bid and ask are compared with the symbol's best bid and ask across venues, which
the slot keeps; only a crossed spread (or a symbol with an open episode) goes on to the
slow path, where the detector, fees, size, filters and episodes run. Cost per quote does
not grow with the number of symbols.

Time: the engine judges freshness on its own clock (monotonic ns, live) or on each
quote's receive time (clock=None, replay), so a backtest gives the same answers. Which
quotes take part, and who says a venue is live: `arbot.engine.freshness`.
Episode times are wall-clock ns taken from the quotes, so they are reproducible too.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from arbot.config import ArbotSettings
from arbot.depth.board import DepthBoard
from arbot.domain import PASSED, FeedState, FeedStatus, Quote, Venue
from arbot.engine.board import EARLIEST, VENUE_INDEX, VENUES, QuoteBoard, Slot, T, times
from arbot.engine.detector import Fee, scan
from arbot.engine.episodes import Episodes
from arbot.engine.filters import Filters
from arbot.engine.freshness import Liveness, QuoteActivity, age_limits_ns
from arbot.engine.funnel import Funnel
from arbot.engine.pairs import PairRules
from arbot.engine.view import SymbolView, market_view
from arbot.events import EpisodeSink, Sink

NS_PER_MS = 1_000_000
# How often whoever drives the engine calls `sweep()`: the runtime on its clock, the
# backtest on every boundary of recorded time, so both close stale episodes alike.
SWEEP_S = 0.1
NO_SAMPLE = 2**63  # a slot's next trend sample while there is no trend filter: never


class Engine(Sink):
    """A sink for quotes and feed statuses; emits episode events to `sink`.

    `liveness` says who tells the engine a venue is live; `resends` whether it sees every
    pushed quote (live) or changed tops only (a replay), see `freshness.age_limits_ns`.
    `depth`, when given, is the board of L2 books every candidate is sized on
    (docs/depth.md, "The walk"); without it the walk covers the two top levels.
    """

    def __init__(self, settings: ArbotSettings, sink: EpisodeSink, *,
                 clock: Callable[[], int] | None = time.monotonic_ns,
                 liveness: Liveness = Liveness.FEED, resends: bool = True,
                 depth: DepthBoard | None = None) -> None:
        self._resends = resends
        self.depth = depth  # the books a candidate is walked on; None: the top levels only
        self.board = QuoteBoard()
        self._books = self.board.books
        self.apply(settings)
        self.funnel = Funnel()
        self.episodes = Episodes(sink)
        self._open_symbols = self.episodes.open_symbols
        self._clock = clock
        self._liveness = liveness
        self._usable = self.board.usable
        if liveness is Liveness.ALWAYS:
            self._usable[:] = [True] * len(VENUES)
        self._activity = (QuoteActivity(round(settings.feeds.stale_after_s * 1e9))
                          if liveness is Liveness.QUOTES else None)
        self._connections: dict[tuple[Venue, int], FeedState] = {}
        self.last_tick_ns = 0  # engine clock of the latest quote
        self.last_sweep_ns = 0  # engine clock of the latest sweep, which runs without quotes

    def apply(self, settings: ArbotSettings) -> None:
        """Take new thresholds, fees and filters in place (the settings screen saved).

        Open episodes stay open and are judged by the new values from the next quote on;
        the trend filter starts sampling afresh, since its window may have changed.
        """
        s = settings.strategy
        self.min_bps = s.min_net_profit_bps
        self.min_notional = s.min_notional
        self.max_notional = s.max_notional
        self.max_age_ns = s.max_quote_age_ms * NS_PER_MS
        self.age_limits_ns = age_limits_ns(settings, resends=self._resends)
        self.fees = [Fee.from_bps(settings.exchanges.for_venue(v).taker_fee_bps) for v in VENUES]
        self.filters = Filters(s, settings.filters)
        self._trend = self.filters.trend
        for slot in self._books.values():
            slot.sample_at = EARLIEST

    def set_pair_rules(self, symbol: str, rules: PairRules) -> None:
        """A symbol's refused venue pairs and transfer costs (`arbot.engine.pairs`)."""
        self.board.book(symbol).rules = rules

    def set_taker_fee(self, venue: Venue, taker_bps: float) -> None:
        """One venue's taker fee, e.g. the account's real rate read from the venue."""
        self.fees[VENUE_INDEX[venue]] = Fee.from_bps(taker_bps)

    @property
    def heartbeat_ns(self) -> int:
        """The engine's latest tick on its own clock, quote or sweep: a UI that sees it
        stop moving knows the engine is stuck, whether or not market data arrives."""
        return max(self.last_tick_ns, self.last_sweep_ns)

    def market_view(self) -> dict[str, SymbolView]:
        """Per symbol, which venues' quotes take part now and the best spreads among them,
        judged on the engine's own clock and fees (what a screen must show)."""
        now = self._clock() if self._clock is not None else self.last_tick_ns
        return market_view(self.board, self.fees, now, self.age_limits_ns, self.depth,
                           self.min_bps, self.max_notional)

    # -- hot path -------------------------------------------------------------------

    def on_quote(self, q: Quote) -> None:
        funnel = self.funnel
        funnel.quotes += 1
        i = VENUE_INDEX[q.venue]
        now = self._clock() if self._clock is not None else q.ts_recv_ns
        activity = self._activity
        if activity is not None:  # the quote itself says its venue is live
            if now >= activity.deadline:
                self._expire_quiet(now)
            if activity.heard_from(i, now):
                self.board.set_usable(q.venue, True)
        elif not self._usable[i]:
            funnel.not_live += 1
            return
        self.last_tick_ns = now
        symbol = q.symbol
        slot = self._books.get(symbol)
        if slot is None:
            slot = self.board.book(symbol)
        bid = q.bid
        ask = q.ask
        v = slot.v
        v[i] = q
        if self._clock is not None:  # a replay's time is the quote's own: nothing to keep
            v[T + i] = now
        # The kept bounds: exact again only when they say the book may be crossed.
        best_bid = slot[0]
        if bid > best_bid:
            slot[0] = best_bid = bid
        best_ask = slot[1]
        if ask < best_ask:
            slot[1] = best_ask = ask
        if best_bid > ask:
            slot[0] = best_bid = slot.exact_bid()
        if bid > best_ask:
            slot[1] = best_ask = slot.exact_ask()
        if now >= slot.sample_at:
            self._sample(slot, now, q.ts_recv_ns)
        if best_bid > ask or bid > best_ask or symbol in self._open_symbols:
            self._evaluate(slot, now, q)

    # -- slow path ------------------------------------------------------------------

    def _sample(self, slot: Slot, now: int, wall_ns: int) -> None:
        """Give the trend filter the symbol's fair price, once per `sample_ns` interval of
        receive (wall-clock) time: the first quote at or after each multiple of it. Live
        (monotonic `now`) and replayed (`now` is the receive time) the samples fall on the
        same quotes, and a split backtest's partition samples as the whole replay does
        once past its warm-up, wherever each started."""
        trend = self._trend
        if trend is None:
            slot.sample_at = NO_SAMPLE
            return
        slot.sample_at = now + trend.sample_ns - wall_ns % trend.sample_ns
        trend.sample(slot.symbol, slot.fair(), now)

    def _evaluate(self, slot: Slot, now: int, trigger: Quote) -> None:
        """Detect, apply fees, size and filters, and move the symbol's episodes on: the
        symbol's episodes whose gap is gone close first, then each candidate, best net
        first, is judged and opens an episode or moves its open one on. One pass with
        nothing built per candidate but its key and what its episode keeps (the quote
        that opens episodes runs on cold caches: bench/engine.py, "episode open")."""
        funnel = self.funnel
        found = scan(slot, self.fees, now, self.age_limits_ns, self.max_notional, self.min_bps,
                     self.min_notional, funnel, self.depth)
        symbol = slot.symbol
        episodes = self.episodes
        at_ns = trigger.ts_recv_ns
        if symbol in self._open_symbols:
            gaps = {(symbol, o.buy.venue, o.sell.venue) for o in found}
            for key in episodes.keys_for(symbol):
                if key not in gaps:
                    self._close(key, slot, now, at_ns)
        if not found:
            return
        open_ = episodes.open
        filters = self.filters
        judge = filters.judge
        v = slot.v
        buy_t = sell_t = 0  # read only by the freshness filter
        stamp = ""
        for o in found:
            buy = o.buy.venue
            sell = o.sell.venue
            key = (symbol, buy, sell)
            if filters.freshness:
                buy_t, sell_t = times(v, VENUE_INDEX[buy]), times(v, VENUE_INDEX[sell])
            live = open_.get(key)  # the persistence the trend filter judges comes from it
            if live is None:
                verdict = judge(o, now, buy_t, sell_t, now, 1)
            else:
                verdict = judge(o, now, buy_t, sell_t, live.first_seen, live.seen + 1)
            if verdict is PASSED:
                funnel.passed += 1
            else:
                funnel.judged(verdict)
            if live is not None:
                episodes.seen_again(live, o, verdict, now)
                continue
            if not stamp:
                stamp = "|" + str(at_ns)
            episodes.open_new(key, o, verdict, now, at_ns, stamp)

    def _close(self, key: tuple[str, Venue, Venue], slot: Slot, now: int, at_ns: int) -> None:
        """Close an episode: at its stale deadline if a quote aged out, else now."""
        for venue in key[1:]:
            i = VENUE_INDEX[venue]
            q = slot.quote(i)
            if q is None:
                self.episodes.close(key, at_ns, "venue_down")
                return
            limit = self.age_limits_ns[i]
            if now - slot.t(i) > limit:
                self.episodes.close(key, q.ts_recv_ns + limit, "stale")
                return
        if self._resyncing(key):
            self.episodes.close(key, at_ns, "book_resync")
            return
        self.episodes.close(key, at_ns, "below_min")

    def _resyncing(self, key: tuple[str, Venue, Venue]) -> bool:
        """Whether the buy or sell venue's depth book for the symbol is being resynced."""
        depth = self.depth
        if depth is None:
            return False
        for venue in key[1:]:
            book = depth.get(VENUE_INDEX[venue], key[0])
            if book is not None and not book.synced:
                return True
        return False

    def sweep(self, now: int | None = None) -> None:
        """Close episodes whose quotes went stale, or whose books began resyncing, with no
        new quote to notice it (a book that resyncs sends no quote until it is whole)."""
        now = now if now is not None else (self._clock() if self._clock else self.last_tick_ns)
        self.last_sweep_ns = now
        if self._activity is not None and now >= self._activity.deadline:
            self._expire_quiet(now)
        limits = self.age_limits_ns
        for key in list(self.episodes.open):
            slot = self.board.books[key[0]]
            for venue in key[1:]:
                i = VENUE_INDEX[venue]
                q = slot.quote(i)
                if q is not None and now - slot.t(i) > limits[i]:
                    self.episodes.close(key, q.ts_recv_ns + limits[i], "stale")
                    break
            else:
                if self._resyncing(key):
                    self.episodes.close(key, self._last_seen_ns(slot, key), "book_resync")
        self._rejudge_waiting(now)

    @staticmethod
    def _last_seen_ns(slot: Slot, key: tuple[str, Venue, Venue]) -> int:
        """The latest wall-clock time the pair's quotes tell of: when a book that broke
        without a quote to say so was last known whole (no later time is known)."""
        return max((q.ts_recv_ns for q in map(slot.quote, (VENUE_INDEX[v] for v in key[1:]))
                    if q is not None), default=0)

    def _rejudge_waiting(self, now: int) -> None:
        """Judge again, as of `now`, the open episodes the filters have not let through.

        A quiet book sends no quote while its gap lasts, so a gap judged "not persistent
        yet" on its only quote would never be judged again; time alone can make it pass.
        The same opportunity on the same quotes: no new sighting; the funnel counts the
        candidate once more only when it passes, so its `passed` covers every trade."""
        episodes = self.episodes
        for key, live in list(episodes.open.items()):
            if live.verdict.passed:
                continue
            slot = self.board.books[key[0]]
            verdict = self.filters.judge(live.last, now, slot.t(VENUE_INDEX[key[1]]),
                                         slot.t(VENUE_INDEX[key[2]]), live.first_seen, live.seen)
            if verdict.passed:
                self.funnel.judged(verdict)
            episodes.rejudged(key, verdict, now)

    # -- venue health ---------------------------------------------------------------

    def on_feed_status(self, status: FeedStatus) -> None:
        """A venue is usable only while every one of its active connections is live (a
        connection reported DISABLED was stopped by a restart and no longer counts)."""
        if self._liveness is not Liveness.FEED:
            return
        self._connections[(status.venue, status.connection)] = status.state
        states = [state for (venue, _), state in self._connections.items()
                  if venue is status.venue and state is not FeedState.DISABLED]
        usable = bool(states) and all(state is FeedState.LIVE for state in states)
        i = VENUE_INDEX[status.venue]
        if usable == self._usable[i]:
            return
        if usable:
            self.board.set_usable(status.venue, True)
        else:
            self._venue_down(status.venue, status.ts_ns)

    def _expire_quiet(self, now: int) -> None:
        """Venues none of whose symbols quoted for `stale_after_s` are stale (QUOTES)."""
        assert self._activity is not None
        for i, stale_at in self._activity.expire(now):
            self._venue_down(VENUES[i], stale_at)

    def _venue_down(self, venue: Venue, at_ns: int) -> None:
        """Wipe a venue's quotes from the board and close its episodes as `venue_down`."""
        self.board.set_usable(venue, False)
        for key in [k for k in self.episodes.open if venue in k[1:]]:
            self.episodes.close(key, at_ns, "venue_down")

    def stop(self, at_ns: int) -> None:
        """Close every open episode (the engine is shutting down)."""
        for key in list(self.episodes.open):
            self.episodes.close(key, at_ns, "shutdown")
