"""The engine on hand-made quote streams: episodes, venue health, staleness, filters."""

from __future__ import annotations

from typing import Any

import pytest

from arbot.config import ArbotSettings
from arbot.depth.board import DepthBoard
from arbot.domain import EpisodeEvent, EpisodeKind, FeedState, FeedStatus, Quote, Venue
from arbot.engine.engine import Engine
from arbot.engine.freshness import Liveness

B, OK, Y = Venue.BINANCE, Venue.OKX, Venue.BYBIT
MS = 1_000_000
T0 = 1_700_000_000_000 * MS


class Events:
    def __init__(self) -> None:
        self.events: list[EpisodeEvent] = []

    def on_episode(self, event: EpisodeEvent) -> None:
        self.events.append(event)

    def kinds(self) -> list[EpisodeKind]:
        return [e.kind for e in self.events]


def engine(filters: dict[str, Any] | None = None, liveness: Liveness = Liveness.ALWAYS,
           depth: DepthBoard | None = None, **strategy: Any) -> tuple[Engine, Events]:
    settings = ArbotSettings.model_validate({
        "strategy": {"min_net_profit_bps": 5.0, "max_quote_age_ms": 1000, "max_notional": 1000.0,
                     "min_notional": 10.0, **strategy},
        "filters": filters or {"trend": {"enabled": False}},
        "feeds": {"stale_after_s": 5.0},
    })
    events = Events()
    return Engine(settings, events, clock=None, liveness=liveness, depth=depth), events


def quote(venue: Venue, bid: float, ask: float, t_ms: float, size: float = 5.0) -> Quote:
    return Quote(venue=venue, symbol="BTC-USDT", bid=bid, bid_size=size, ask=ask, ask_size=size,
                 ts_exchange_ms=None, ts_recv_ns=T0 + int(t_ms * MS))


def status(venue: Venue, state: FeedState, t_ms: float = 0) -> FeedStatus:
    return FeedStatus(venue=venue, connection=0, state=state, frames_per_s=0.0, quotes_per_s=0.0,
                      last_frame_age_s=None, reconnects=0, drops={}, last_error=None,
                      ts_ns=T0 + int(t_ms * MS))


def test_episode_opens_on_a_net_gap_and_closes_when_it_is_gone() -> None:
    e, ev = engine()
    e.on_quote(quote(B, 99.9, 100.0, 0))
    e.on_quote(quote(OK, 100.5, 100.6, 10))  # sell 100.5 vs buy 100.0: ~29.9 bps net
    e.on_quote(quote(OK, 100.0, 100.1, 20))  # gone
    assert ev.kinds() == [EpisodeKind.OPEN, EpisodeKind.CLOSE]
    opened, closed = ev.events[0].episode, ev.events[1].episode
    assert (opened.buy_venue, opened.sell_venue) == (B, OK)
    assert opened.opened_ns == T0 + 10 * MS and opened.verdict.passed
    assert opened.first.net_bps == pytest.approx((100.5 * 0.999 - 100.0 * 1.001) / 100.0 * 1e4)
    assert closed.closed_ns == T0 + 20 * MS and closed.close_reason == "below_min"
    assert e.funnel.crossed == 1 and e.funnel.passed == 1 and e.funnel.quotes == 3


def test_fees_eat_a_small_gross_gap() -> None:
    e, ev = engine()
    e.on_quote(quote(B, 99.9, 100.0, 0))
    e.on_quote(quote(OK, 100.15, 100.3, 1))  # gross 15 bps, net about -5 bps
    assert ev.events == []
    assert e.funnel.crossed == 1 and e.funnel.below_min == 1


def test_a_gap_too_small_to_fill_is_counted_not_reported() -> None:
    e, ev = engine()
    e.on_quote(quote(B, 99.9, 100.0, 0, size=0.05))  # 5 USDT on top, min_notional 10
    e.on_quote(quote(OK, 100.5, 100.6, 1))
    assert ev.events == [] and e.funnel.too_small == 1


def test_a_venue_that_is_not_live_takes_no_part_and_its_drop_closes_episodes() -> None:
    e, ev = engine(liveness=Liveness.FEED)
    e.on_quote(quote(B, 99.9, 100.0, 0))
    assert e.funnel.not_live == 1  # nothing is live yet
    e.on_feed_status(status(B, FeedState.LIVE))
    e.on_feed_status(status(OK, FeedState.LIVE))
    e.on_quote(quote(B, 99.9, 100.0, 1))
    e.on_quote(quote(OK, 100.5, 100.6, 2))
    assert ev.kinds() == [EpisodeKind.OPEN]
    e.on_feed_status(status(OK, FeedState.RECONNECTING, t_ms=5))
    assert ev.kinds() == [EpisodeKind.OPEN, EpisodeKind.CLOSE]
    assert ev.events[1].episode.close_reason == "venue_down"
    assert ev.events[1].episode.closed_ns == T0 + 5 * MS
    e.on_quote(quote(B, 99.9, 100.0, 6))  # OKX's old quote is gone from the board
    e.on_quote(quote(OK, 100.5, 100.6, 7))  # and new ones are ignored until it is live
    assert len(ev.events) == 2 and e.funnel.not_live == 2


def test_a_quote_going_stale_closes_at_its_deadline() -> None:
    e, ev = engine(quote_freshness="age")
    e.on_quote(quote(OK, 100.5, 100.6, 0))
    e.on_quote(quote(B, 99.9, 100.0, 100))
    e.on_quote(quote(B, 99.9, 100.0, 1500))  # OKX's quote is now 1500 ms old
    closed = ev.events[-1].episode
    assert closed.close_reason == "stale" and closed.closed_ns == T0 + 1000 * MS
    assert e.funnel.stale >= 1


def test_sweep_closes_a_stale_episode_without_new_quotes() -> None:
    e, ev = engine(quote_freshness="age")
    e.on_quote(quote(OK, 100.5, 100.6, 0))
    e.on_quote(quote(B, 99.9, 100.0, 200))
    e.sweep(now=T0 + 900 * MS)
    assert ev.kinds() == [EpisodeKind.OPEN]
    e.sweep(now=T0 + 1001 * MS)
    assert ev.kinds() == [EpisodeKind.OPEN, EpisodeKind.CLOSE]
    assert ev.events[1].episode.closed_ns == T0 + 1000 * MS  # the deadline, not sweep time


def test_updates_are_throttled_and_the_peak_is_kept() -> None:
    e, ev = engine()
    e.on_quote(quote(B, 99.9, 100.0, 0))
    for i in range(50):  # tiny wiggles every ms: no update events
        e.on_quote(quote(OK, 100.5 + (i % 2) * 0.001, 100.6, 1 + i))
    assert ev.kinds() == [EpisodeKind.OPEN]
    e.on_quote(quote(OK, 100.7, 100.8, 400))  # +20 bps, 400 ms later: one update
    assert ev.kinds() == [EpisodeKind.OPEN, EpisodeKind.UPDATE]
    e.on_quote(quote(OK, 100.55, 100.65, 401))
    e.on_quote(quote(OK, 100.0, 100.1, 402))
    closed = ev.events[-1].episode
    assert closed.peak.sell.bid == 100.7 and closed.last.sell.bid == 100.55


def test_each_pair_has_its_own_episode() -> None:
    e, ev = engine()
    e.on_quote(quote(B, 99.9, 100.0, 0))
    e.on_quote(quote(Y, 99.9, 100.0, 1))
    e.on_quote(quote(OK, 100.5, 100.6, 2))
    assert {(x.episode.buy_venue, x.episode.sell_venue) for x in ev.events} == {(B, OK), (Y, OK)}


@pytest.mark.parametrize(("filters", "first", "second", "rejected_by"), [
    ({"sanity": {"enabled": True}}, quote(B, 89.9, 90.0, 0), quote(OK, 100.5, 100.6, 1),
     "sanity"),  # ~1100 bps: a broken feed, not free money
    ({"volume": {"min_top_notional": 1000.0}}, quote(B, 99.9, 100.0, 0, size=5.0),
     quote(OK, 100.5, 100.6, 1, size=5.0), "volume"),
    ({"freshness": {"max_skew_ms": 100}}, quote(B, 99.9, 100.0, 0), quote(OK, 100.5, 100.6, 500),
     "freshness"),
])
def test_filters_reject_with_their_reason(filters: dict[str, Any], first: Quote, second: Quote,
                                          rejected_by: str) -> None:
    e, ev = engine({"trend": {"enabled": False}, **filters}, max_net_profit_bps=200.0,
                   quote_freshness="age")  # the skew is judged under the old rule only
    e.on_quote(first)
    e.on_quote(second)
    (event,) = ev.events
    assert not event.episode.verdict.passed and event.episode.verdict.filter == rejected_by
    assert e.funnel.filtered == {rejected_by: 1} and e.funnel.passed == 0


def test_switching_a_filter_off_lets_the_opportunity_through() -> None:
    e, ev = engine({"trend": {"enabled": False}, "volume": {"enabled": False}})
    e.on_quote(quote(B, 99.9, 100.0, 0, size=0.2))  # 20 USDT on top: under the volume minimum
    e.on_quote(quote(OK, 100.5, 100.6, 1, size=0.2))
    assert ev.events[0].episode.verdict.passed


def test_trend_filter_needs_persistence_then_passes() -> None:
    e, ev = engine({"trend": {"min_persist_ms": 100, "min_updates": 3, "max_move_bps": 1000}})
    e.on_quote(quote(B, 99.9, 100.0, 0))
    e.on_quote(quote(OK, 100.5, 100.6, 1))
    assert ev.events[0].episode.verdict.filter == "trend"
    e.on_quote(quote(OK, 100.5, 100.6, 2))
    assert not ev.events[-1].episode.passed
    e.on_quote(quote(OK, 100.5, 100.6, 3))  # third consecutive sighting
    assert ev.kinds() == [EpisodeKind.OPEN, EpisodeKind.UPDATE]  # the verdict flipped
    assert ev.events[-1].episode.verdict.passed and ev.events[-1].episode.passed


def test_trend_filter_rejects_a_running_fair_price() -> None:
    e, ev = engine({"trend": {"min_persist_ms": 0, "min_updates": 1, "max_move_bps": 20,
                              "window_ms": 5000}})
    for i in range(20):  # the market climbs 1% in a second, all venues together
        price = 100.0 * (1 + 0.0005 * i)
        e.on_quote(quote(B, price - 0.05, price, i * 50))
        e.on_quote(quote(OK, price - 0.05, price, i * 50 + 1))
    e.on_quote(quote(OK, 101.5, 101.6, 1000))
    verdict = ev.events[-1].episode.verdict
    assert verdict.filter == "trend" and "fair price moved" in verdict.reason


def test_stop_closes_every_open_episode() -> None:
    e, ev = engine()
    e.on_quote(quote(B, 99.9, 100.0, 0))
    e.on_quote(quote(OK, 100.5, 100.6, 1))
    e.stop(T0 + 50 * MS)
    assert ev.events[-1].episode.close_reason == "shutdown" and not e.episodes.open


def test_a_quiet_quote_on_a_live_connection_takes_part_until_the_connection_goes_stale() -> None:
    e, ev = engine(liveness=Liveness.FEED)  # max_quote_age_ms = 1000
    e.on_feed_status(status(B, FeedState.LIVE))
    e.on_feed_status(status(OK, FeedState.LIVE))
    e.on_quote(quote(B, 99.9, 100.0, 0))  # Binance pushes on change: this stays its top
    e.on_quote(quote(OK, 100.5, 100.6, 3000))  # 3 s later, against the quiet ask
    assert ev.kinds() == [EpisodeKind.OPEN] and e.funnel.stale == 0
    e.sweep(now=T0 + 10_000 * MS)  # no age limit on an on-change channel
    e.on_quote(quote(OK, 100.6, 100.7, 10_000))
    assert EpisodeKind.CLOSE not in ev.kinds()
    e.on_feed_status(status(B, FeedState.STALE, t_ms=10_500))  # no frame for stale_after_s
    assert ev.events[-1].episode.close_reason == "venue_down"
    assert ev.events[-1].episode.closed_ns == T0 + 10_500 * MS
    seen = len(ev.events)
    e.on_quote(quote(OK, 100.5, 100.6, 11_000))
    assert len(ev.events) == seen  # Binance's quote left the board with its connection


def test_a_re_sending_channel_ages_out_when_its_re_send_is_overdue() -> None:
    e, ev = engine()  # Bybit re-sends an unchanged book every 3 s (VenueSpec.quote_resend_s)
    e.on_quote(quote(Y, 99.9, 100.0, 0))
    e.on_quote(quote(OK, 100.5, 100.6, 3500))  # 3.5 s: still within 3 s + 1000 ms
    assert ev.kinds() == [EpisodeKind.OPEN]
    e.sweep(now=T0 + 4001 * MS)
    closed = ev.events[-1].episode
    assert closed.close_reason == "stale" and closed.closed_ns == T0 + 4000 * MS


def test_without_feed_events_a_venue_is_live_while_its_quotes_keep_coming() -> None:
    e, ev = engine(liveness=Liveness.QUOTES)  # stale_after_s = 5
    e.on_quote(quote(B, 99.9, 100.0, 0))
    e.on_quote(quote(OK, 100.5, 100.6, 1000))
    assert ev.kinds() == [EpisodeKind.OPEN]
    e.on_quote(quote(OK, 100.5, 100.6, 6000))  # Binance silent since 0 ms: stale at 5 s
    closed = ev.events[-1].episode
    assert closed.close_reason == "venue_down" and closed.closed_ns == T0 + 5000 * MS
    e.on_quote(quote(OK, 100.5, 100.6, 6100))
    assert len(ev.events) == 2  # its quote left the board
    e.on_quote(quote(B, 99.9, 100.0, 6200))  # a quote makes the venue live again
    assert ev.kinds()[-1] is EpisodeKind.OPEN and e.funnel.not_live == 0
