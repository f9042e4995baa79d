"""The engine's market view: the freshness and spreads a screen shows, judged by the
engine's own clock, board and fees (one copy of each rule)."""

from __future__ import annotations

import pytest

from arbot.config import ArbotSettings
from arbot.domain import EpisodeEvent, FeedState, FeedStatus, Quote, Venue
from arbot.engine.engine import Engine

B, OK, Y = Venue.BINANCE, Venue.OKX, Venue.BYBIT
MS = 1_000_000
WALL = 1_700_000_000_000 * MS


class Clock:
    def __init__(self) -> None:
        self.ns = 10_000 * MS

    def __call__(self) -> int:
        return self.ns


class Episodes:
    def __init__(self) -> None:
        self.events: list[EpisodeEvent] = []

    def on_episode(self, event: EpisodeEvent) -> None:
        self.events.append(event)


def live_engine() -> tuple[Engine, Clock, Episodes]:
    clock, episodes = Clock(), Episodes()
    settings = ArbotSettings.model_validate({"strategy": {"max_quote_age_ms": 1000,
                                                          "min_net_profit_bps": 5.0}})
    e = Engine(settings, episodes, clock=clock)
    for v in (B, OK, Y):
        e.on_feed_status(FeedStatus(venue=v, connection=0, state=FeedState.LIVE, frames_per_s=0.0,
                                    quotes_per_s=0.0, last_frame_age_s=None, reconnects=0, drops={},
                                    last_error=None, ts_ns=WALL))
    return e, clock, episodes


def quote(venue: Venue, bid: float, ask: float, wall_ms: int = 0) -> Quote:
    return Quote(venue=venue, symbol="BTC-USDT", bid=bid, bid_size=5.0, ask=ask, ask_size=5.0,
                 ts_exchange_ms=None, ts_recv_ns=WALL + wall_ms * MS)


def test_freshness_is_judged_on_the_engine_clock_not_the_quote_stamp() -> None:
    e, clock, _ = live_engine()
    e.on_quote(quote(Y, 99.9, 100.0, wall_ms=-60_000))  # wall stamp a minute old: irrelevant
    clock.ns += 900 * MS
    e.on_quote(quote(OK, 100.0, 100.1))
    assert e.market_view()["BTC-USDT"].fresh == {Y, OK}
    # Bybit re-sends an unchanged book every 3 s: its quote, now 4100 ms old on the engine's
    # clock, is 1100 ms overdue. OKX pushes on change only: its quiet quote still counts.
    clock.ns += 3200 * MS
    view = e.market_view()["BTC-USDT"]
    assert view.fresh == {OK}
    assert view.gross_bps is None and view.net_bps is None  # fewer than two venues


def test_a_venue_that_stops_being_live_stops_counting() -> None:
    e, _, _ = live_engine()
    e.on_quote(quote(B, 99.9, 100.0))
    e.on_quote(quote(OK, 100.0, 100.1))
    e.on_feed_status(FeedStatus(venue=B, connection=0, state=FeedState.RECONNECTING,
                                frames_per_s=0.0, quotes_per_s=0.0, last_frame_age_s=None,
                                reconnects=0, drops={}, last_error=None, ts_ns=WALL))
    assert e.market_view()["BTC-USDT"].fresh == {OK}


def test_spreads_pay_the_fees_the_engine_pays_and_match_the_detector() -> None:
    e, _, episodes = live_engine()
    e.set_taker_fee(OK, 2.0)  # the account's real rate replaces the configured 10 bps
    e.on_quote(quote(B, 99.9, 100.0))
    e.on_quote(quote(OK, 100.5, 100.6))
    view = e.market_view()["BTC-USDT"]
    assert view.gross_bps == pytest.approx(50.0)
    assert view.net_bps == pytest.approx((100.5 * 0.9998 - 100.0 * 1.001) / 100.0 * 1e4)
    assert episodes.events and episodes.events[0].episode.first.net_bps == view.net_bps


def test_uncrossed_books_still_have_a_best_spread_below_zero() -> None:
    e, _, _ = live_engine()
    e.on_quote(quote(B, 99.9, 100.0))
    e.on_quote(quote(OK, 99.95, 100.05))
    view = e.market_view()["BTC-USDT"]
    assert view.gross_bps == pytest.approx((99.95 - 100.0) / 100.0 * 1e4)
    assert view.net_bps is not None and view.net_bps < view.gross_bps - 19.9
