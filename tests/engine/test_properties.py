"""Properties of the engine over random quote streams (hypothesis).

Every claim is recomputed here from the opportunity's own quotes and the settings, not
from anything the engine computed: no stale quote (under either `quote_freshness` rule),
the reported net, the size rule, and every enabled filter's condition for each
opportunity reported as passed.
"""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings, target
from hypothesis import strategies as st

from arbot.config import ArbotSettings
from arbot.domain import EpisodeEvent, EpisodeKind, Quote, Venue
from arbot.engine.engine import Engine
from arbot.engine.freshness import Liveness
from arbot.venues import VENUES as SPECS

MS = 1_000_000
VENUES = list(Venue)
SYMBOLS = ["BTC-USDT", "ETH-USDT"]
FEES_BPS = {Venue.BINANCE: 10.0, Venue.BYBIT: 7.5, Venue.OKX: 8.0, Venue.BITGET: 12.0}

quote_steps = st.lists(
    st.tuples(
        st.integers(0, len(VENUES) - 1),  # venue
        st.integers(0, len(SYMBOLS) - 1),  # symbol
        st.integers(0, 400),  # ms since the previous quote
        st.floats(-100, 100),  # venue dislocation, bps
        st.floats(0.1, 10),  # half spread, bps
        st.floats(0.01, 5.0),  # bid size
        st.floats(0.01, 5.0),  # ask size
    ),
    min_size=2, max_size=300,
)

engine_settings = st.fixed_dictionaries({
    "min_bps": st.floats(0, 30),
    "max_age_ms": st.integers(20, 1500),
    "max_notional": st.floats(20, 2000),
    "min_notional": st.floats(0, 20),
    "skew_ms": st.integers(1, 1000),
    "top": st.floats(0, 300),
    "persist_ms": st.integers(0, 500),
    "updates": st.integers(1, 5),
    "trend": st.booleans(),
    "freshness": st.sampled_from(["connection", "age"]),
})


def age_limit_ns(p: dict[str, Any], venue: Venue) -> float:
    """The age rule, restated: "age" limits every quote; "connection" only quotes of a
    channel that re-sends unchanged books, by its period plus max_quote_age_ms."""
    if p["freshness"] == "age":
        return p["max_age_ms"] * MS
    resend_s = SPECS[venue].quote_resend_s
    return float("inf") if resend_s is None else resend_s * 1e9 + p["max_age_ms"] * MS


def build(p: dict[str, Any]) -> ArbotSettings:
    return ArbotSettings.model_validate({
        "exchanges": {v.value: {"taker_fee_bps": fee} for v, fee in FEES_BPS.items()},
        "market": {"symbols": SYMBOLS},
        "strategy": {"min_net_profit_bps": p["min_bps"], "max_net_profit_bps": 80.0,
                     "max_quote_age_ms": p["max_age_ms"], "max_notional": p["max_notional"],
                     "min_notional": p["min_notional"], "quote_freshness": p["freshness"]},
        "filters": {"freshness": {"max_skew_ms": p["skew_ms"]},
                    "volume": {"min_top_notional": p["top"]},
                    "trend": {"enabled": p["trend"], "min_persist_ms": p["persist_ms"],
                              "min_updates": p["updates"], "max_move_bps": 1e6}},
    })


class Checker:
    """Checks every event against the quote being processed when it was emitted."""

    def __init__(self, p: dict[str, Any]) -> None:
        self.p = p
        self.now_ns = 0
        self.reported = 0

    def on_episode(self, event: EpisodeEvent) -> None:
        e = event.episode
        if event.kind is EpisodeKind.CLOSE:
            assert e.closed_ns is not None and e.closed_ns >= e.opened_ns
            return
        o, p = e.last, self.p
        # No opportunity ever uses a quote older than its venue's limit.
        assert self.now_ns - o.buy.ts_recv_ns <= age_limit_ns(p, o.buy.venue)
        assert self.now_ns - o.sell.ts_recv_ns <= age_limit_ns(p, o.sell.venue)
        assert o.buy.venue is not o.sell.venue and o.buy.symbol == o.sell.symbol == e.symbol
        # The net, recomputed from its own quotes and the configured fees.
        buy_fee, sell_fee = FEES_BPS[o.buy.venue] / 1e4, FEES_BPS[o.sell.venue] / 1e4
        net = o.sell.bid * (1 - sell_fee) - o.buy.ask * (1 + buy_fee)
        assert abs(net / o.buy.ask * 1e4 - o.net_bps) <= 1e-9
        assert o.net_bps >= p["min_bps"]
        # The size rule.
        assert o.size == min(o.buy.ask_size, o.sell.bid_size, p["max_notional"] / o.buy.ask)
        assert o.size * o.buy.ask >= p["min_notional"]
        if e.verdict.passed:
            self.reported += 1
            assert o.net_bps <= 80.0 and o.sell.bid > o.buy.ask  # sanity
            if p["freshness"] == "age":  # the skew is judged under the old rule only
                assert abs(o.buy.ts_recv_ns - o.sell.ts_recv_ns) <= p["skew_ms"] * MS
            assert min(o.buy.ask * o.buy.ask_size, o.sell.bid * o.sell.bid_size) >= p["top"]
            if p["trend"]:
                lasted = self.now_ns - e.opened_ns
                assert lasted >= p["persist_ms"] * MS or e.updates >= p["updates"]


@settings(max_examples=200, deadline=None)
@given(engine_settings, quote_steps)
def test_every_reported_opportunity_is_honest(p: dict[str, Any], steps: list[Any]) -> None:
    checker = Checker(p)
    engine = Engine(build(p), checker, clock=None, liveness=Liveness.ALWAYS)
    t = 1_700_000_000_000 * MS
    for venue_i, symbol_i, dt_ms, disloc_bps, half_bps, bid_size, ask_size in steps:
        t += dt_ms * MS
        mid = 100.0 * (1 + disloc_bps / 1e4)
        half = mid * half_bps / 1e4
        quote = Quote(venue=VENUES[venue_i], symbol=SYMBOLS[symbol_i], bid=mid - half,
                      bid_size=bid_size, ask=mid + half, ask_size=ask_size, ts_exchange_ms=None,
                      ts_recv_ns=t)
        checker.now_ns = t
        engine.on_quote(quote)
    target(float(checker.reported))  # steer the search towards streams that report
    checker.now_ns = t
    engine.sweep(now=t)
    for key, live in engine.episodes.open.items():  # what stays open is still fresh
        assert t - live.last.buy.ts_recv_ns <= age_limit_ns(p, live.last.buy.venue), key
        assert t - live.last.sell.ts_recv_ns <= age_limit_ns(p, live.last.sell.venue), key
