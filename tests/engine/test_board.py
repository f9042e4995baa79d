"""The board's slot as readers off the hot path see it: one entry per venue, no more."""

from __future__ import annotations

from arbot.config import ArbotSettings
from arbot.domain import EpisodeEvent, Quote, Venue
from arbot.engine.board import VENUES
from arbot.engine.engine import Engine
from arbot.engine.freshness import Liveness


class Ignore:
    def on_episode(self, event: EpisodeEvent) -> None:
        pass


def test_a_slot_reads_as_one_entry_per_venue_and_the_market_view_sees_them() -> None:
    e = Engine(ArbotSettings(), Ignore(), clock=None, liveness=Liveness.ALWAYS)
    q = Quote(venue=Venue.OKX, symbol="BTC-USDT", bid=100.0, bid_size=1.0, ask=100.1,
              ask_size=1.0, ts_exchange_ms=None, ts_recv_ns=1_000)
    e.on_quote(q)
    entries = e.board.books["BTC-USDT"].entries()
    assert len(entries) == len(VENUES)
    assert [x for x in entries if x is not None] == [(100.0, 100.1, 1_000, q)]
    assert e.board.quote(Venue.OKX, "BTC-USDT") is q
    assert e.market_view()["BTC-USDT"].fresh == frozenset({Venue.OKX})
