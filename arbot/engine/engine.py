"""The engine: board, detector and filters on every quote, episodes, and the funnel.

Hot path: one quote touches only its own symbol. It is stored, and its bid and ask are
compared with the other venues' latest prices; only a crossed spread (or a symbol with
an open episode) goes on to the slow path, where the detector, fees, size, filters and
episodes run. Cost per quote does not grow with the number of symbols.

Time: the engine judges freshness on its own clock (monotonic ns, live) or on each
quote's receive time (clock=None, replay), so a backtest gives the same answers. Which
quotes take part, and who says a venue is live: `arbot.engine.freshness`.
Episode times are wall-clock ns taken from the quotes, so they are reproducible too.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from arbot.config import ArbotSettings
from arbot.domain import FeedState, FeedStatus, Quote, Venue
from arbot.engine.board import VENUE_INDEX, VENUES, Book, QuoteBoard
from arbot.engine.detector import Fee, detect
from arbot.engine.episodes import Episodes
from arbot.engine.filters import NEVER, Candidate, TrendFilter, build_filters, judge
from arbot.engine.freshness import Liveness, QuoteActivity, age_limits_ns
from arbot.engine.funnel import Funnel
from arbot.engine.view import SymbolView, market_view
from arbot.events import EpisodeSink, Sink

NS_PER_MS = 1_000_000
# How often whoever drives the engine calls `sweep()`: the runtime on its clock, the
# backtest on every boundary of recorded time, so both close stale episodes alike.
SWEEP_S = 0.1


class Engine(Sink):
    """A sink for quotes and feed statuses; emits episode events to `sink`.

    `liveness` says who tells the engine a venue is live; `resends` whether it sees every
    pushed quote (live) or changed tops only (a replay), see `freshness.age_limits_ns`.
    """

    def __init__(self, settings: ArbotSettings, sink: EpisodeSink, *,
                 clock: Callable[[], int] | None = time.monotonic_ns,
                 liveness: Liveness = Liveness.FEED, resends: bool = True) -> None:
        self._resends = resends
        self.apply(settings)
        self.board = QuoteBoard()
        self.funnel = Funnel()
        self.episodes = Episodes(sink)
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
        self.filters = build_filters(s, settings.filters)
        trends = [f for f in self.filters if isinstance(f, TrendFilter)]
        self._trend = trends[0] if trends else None

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
        return market_view(self.board, self.fees, now, self.age_limits_ns)

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
        book = self.board.books.get(symbol) or self.board.book(symbol)
        bid = q.bid
        ask = q.ask
        book[i] = (bid, ask, now, q)
        trend = self._trend
        if trend is not None and now - trend.sampled.get(symbol, NEVER) >= trend.sample_ns:
            trend.sample(symbol, book, now)
        if symbol in self.episodes.open_symbols:
            self._evaluate(symbol, book, now, q)
            return
        for entry in book:
            if entry is not None and (entry[0] > ask or bid > entry[1]):
                self._evaluate(symbol, book, now, q)
                return

    # -- slow path ------------------------------------------------------------------

    def _evaluate(self, symbol: str, book: Book, now: int, trigger: Quote) -> None:
        """Detect, apply fees, size and filters, and move the symbol's episodes on."""
        funnel = self.funnel
        found = detect(symbol, book, self.fees, now, self.age_limits_ns, self.max_notional)
        funnel.stale += found.stale_crosses
        alive = {}
        for o in found.candidates:
            funnel.crossed += 1
            if o.net_bps < self.min_bps:
                funnel.below_min += 1
                continue
            if o.size * o.buy.ask < self.min_notional:
                funnel.too_small += 1
                continue
            key = (symbol, o.buy.venue, o.sell.venue)
            first_seen, seen = self.episodes.persistence(key, now)
            buy_t = book[VENUE_INDEX[o.buy.venue]][2]  # type: ignore[index]
            sell_t = book[VENUE_INDEX[o.sell.venue]][2]  # type: ignore[index]
            verdict = judge(self.filters, Candidate(o, now, buy_t, sell_t, first_seen, seen))
            funnel.judged(verdict)
            alive[key] = (o, verdict)
        for key in self.episodes.keys_for(symbol):
            if key not in alive:
                self._close(key, book, now, trigger.ts_recv_ns)
        for key, (o, verdict) in alive.items():
            self.episodes.seen(key, o, verdict, now, trigger.ts_recv_ns)

    def _close(self, key: tuple[str, Venue, Venue], book: Book, now: int, at_ns: int) -> None:
        """Close an episode: at its stale deadline if a quote aged out, else now."""
        for venue in key[1:]:
            i = VENUE_INDEX[venue]
            entry = book[i]
            if entry is None:
                self.episodes.close(key, at_ns, "venue_down")
                return
            limit = self.age_limits_ns[i]
            if now - entry[2] > limit:
                self.episodes.close(key, entry[3].ts_recv_ns + limit, "stale")
                return
        self.episodes.close(key, at_ns, "below_min")

    def sweep(self, now: int | None = None) -> None:
        """Close episodes whose quotes went stale with no new quote to notice it."""
        now = now if now is not None else (self._clock() if self._clock else self.last_tick_ns)
        self.last_sweep_ns = now
        if self._activity is not None and now >= self._activity.deadline:
            self._expire_quiet(now)
        limits = self.age_limits_ns
        for key in list(self.episodes.open):
            book = self.board.books[key[0]]
            for venue in key[1:]:
                i = VENUE_INDEX[venue]
                entry = book[i]
                if entry is not None and now - entry[2] > limits[i]:
                    self.episodes.close(key, entry[3].ts_recv_ns + limits[i], "stale")
                    break

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
