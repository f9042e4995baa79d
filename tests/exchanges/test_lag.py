"""Venue lag: the tracker's figures and verdict, the clock offset that corrects them (from
the simulator's REST server time on 127.0.0.1), and the venues that stamp no time."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

from arbot.domain import Quote, Venue
from arbot.exchanges import adapter_for
from arbot.exchanges.lag import LagTracker
from arbot.exchanges.rest import RestClient
from arbot.exchanges.resttiming import RestTiming
from arbot.exchanges.venueclock import VenueClock
from arbot.sim import SimConfig, SimServer
from arbot.sim.config import Accounts
from tests.exchanges import instruments_map, lines, one_quote, parser

NS = 1_000_000
SKEW_MS = 2_500  # the simulated venues' clock runs this far ahead of ours


def quote(ts_exchange_ms: int | None, recv_ms: int, venue: Venue = Venue.OKX) -> Quote:
    return Quote(venue=venue, symbol="BTC-USDT", bid=1.0, bid_size=1.0, ask=2.0, ask_size=1.0,
                 ts_exchange_ms=ts_exchange_ms, ts_recv_ns=recv_ms * NS)


def fed(lags_ms: list[float], *, every_s: float = 0.25, max_lag_ms: float = 500.0,
        window_s: float = 60.0) -> tuple[LagTracker, float]:
    """A tracker fed one quote per `every_s` with these raw lags; and the last time."""
    tracker = LagTracker(Venue.OKX, lambda: 0.0, max_lag_ms=max_lag_ms, window_s=window_s)
    now = 0.0
    for i, lag in enumerate(lags_ms):
        now = i * every_s
        tracker.add(quote(1_000_000, round(1_000_000 + lag)), now)
    return tracker, now


# -- the tracker -------------------------------------------------------------------------

def test_figures_are_the_rolling_median_and_p99_with_the_sample_count() -> None:
    tracker, now = fed([float(i) for i in range(1, 101)])  # 25 s of samples, 1..100 ms
    f = tracker.figures(now)
    assert (f.p50_ms, f.p99_ms, f.samples, f.note, f.offset_ms) == (50.5, 99.0, 100, None, 0.0)


def test_samples_older_than_the_window_leave_the_figures() -> None:
    tracker, now = fed([900.0] * 20 + [10.0] * 20, every_s=1.0, window_s=15.0)
    f = tracker.figures(now)
    assert f.samples == 16 and f.p50_ms == 10.0 and f.p99_ms == 10.0


def test_the_judged_figure_is_the_median_of_the_last_5_s_and_names_the_threshold() -> None:
    # One very late frame does not condemn a venue; a late median does.
    tracker, now = fed([20.0] * 19 + [5_000.0])
    assert tracker.judged_ms(now) == 20.0 and tracker.verdict(now) is None
    tracker, now = fed([20.0] * 10 + [820.0] * 20)
    assert tracker.judged_ms(now) == 820.0
    assert tracker.verdict(now) == "lag 820 ms > max_lag_ms 500"
    tracker, now = fed([820.0] * 20, max_lag_ms=1000.0)
    assert tracker.verdict(now) is None


def test_too_few_recent_samples_are_not_judged() -> None:
    tracker, now = fed([900.0] * 4)
    assert tracker.judged_ms(now) is None and tracker.verdict(now) is None
    tracker, now = fed([900.0] * 10, every_s=2.0)  # 2 or 3 samples in any 5 s
    assert tracker.judged_ms(now) is None
    assert tracker.figures(now).p50_ms == 900.0  # still shown


def test_the_offset_corrects_every_sample_when_read() -> None:
    offset: list[float | None] = [None]
    tracker = LagTracker(Venue.OKX, lambda: offset[0])
    for i in range(10):  # venue clock 2.5 s ahead: stamped 2.5 s "after" we received
        tracker.add(quote(1_000_000 + SKEW_MS + i, 1_000_000 + i + 30), i * 0.25)
    f = tracker.figures(2.25)
    assert f.p50_ms is None and f.samples == 10 and "no clock offset" in (f.note or "")
    assert tracker.verdict(2.25) is None  # not judged on an uncorrected figure
    offset[0] = float(SKEW_MS)
    f = tracker.figures(2.25)
    assert (f.p50_ms, f.p99_ms, f.note, f.offset_ms) == (30.0, 30.0, None, 2500.0)


def test_binance_book_ticker_has_no_time_and_says_so() -> None:
    p = parser(Venue.BINANCE, instruments_map(
        Venue.BINANCE, "binance/rest_exchangeInfo_TRIMMED_2021-10-12.json"))
    q = one_quote(p, lines("binance/ws_bookTicker_2021-10-12.jsonl")[0], 123 * NS)
    assert q.ts_exchange_ms is None
    tracker = LagTracker(Venue.BINANCE, lambda: 0.0)
    for i in range(20):
        tracker.add(q, i * 0.25)
    f = tracker.figures(5.0)
    assert (f.p50_ms, f.p99_ms, f.samples) == (None, None, 0)
    assert f.note == "n/a (bookTicker has no time)"
    assert tracker.verdict(5.0) is None


def test_bybit_lag_is_taken_from_ts_not_the_matching_engines_cts() -> None:
    # Recorded: a quiet TUSDUSDT book re-pushed with ts ...473132 and cts ...453706.
    p = parser(Venue.BYBIT, [("TUSD-USDT", "TUSDUSDT"), ("OP-USDC", "OPUSDC")])
    frame = next(f for f in lines("bybit/ws_spot_orderbook1_2025-06-13.jsonl")
                 if b"TUSDUSDT" in f and b"topic" in f)
    q = one_quote(p, frame, (1749833473132 + 40) * NS)
    assert q.ts_exchange_ms == 1749833473132
    tracker = LagTracker(Venue.BYBIT, lambda: 0.0)
    for i in range(5):
        tracker.add(q, i * 0.25)
    assert tracker.judged_ms(1.0) == 40.0


# -- the venue's clock, from the simulator's REST server time ----------------------------

@pytest.fixture
async def sim() -> AsyncIterator[SimServer]:
    async with SimServer(SimConfig(rate=1.0, accounts=Accounts(clock_skew_ms=SKEW_MS))) as srv:
        yield srv


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


def offset(clock: VenueClock) -> float:
    value = clock.offset_ms
    assert value is not None, "no offset measured"
    return value


def rest(sim: SimServer, http: aiohttp.ClientSession, venue: Venue) -> RestClient:
    return RestClient(adapter_for(venue), sim.urls(venue).rest_url, http,
                      timing=RestTiming(timeout_s=5.0, retries=0))


@pytest.mark.parametrize("venue", list(Venue))
async def test_the_clock_offset_comes_from_each_venues_server_time(
        sim: SimServer, http: aiohttp.ClientSession, venue: Venue) -> None:
    clock = VenueClock(venue, rest(sim, http, venue).server_time_sample)
    assert clock.offset_ms is None
    assert await clock.refresh()
    assert abs(offset(clock) - SKEW_MS) < 250


async def test_the_reading_with_the_shortest_round_trip_is_trusted(
        sim: SimServer, http: aiohttp.ClientSession) -> None:
    # A reply held back 1 s is read at the end of its trip: half a second off.
    clock = VenueClock(Venue.OKX, rest(sim, http, Venue.OKX).server_time_sample, keep=5)

    async def slow_reading() -> None:
        sim.set_rest_fault(Venue.OKX, delay_s=1.0, times=1, path="/api/v5/public/time")
        assert await clock.refresh()

    await slow_reading()
    assert offset(clock) - SKEW_MS > 250
    assert await clock.refresh()
    assert abs(offset(clock) - SKEW_MS) < 250
    await slow_reading()  # the newest, but not the one trusted
    assert abs(offset(clock) - SKEW_MS) < 250


async def test_a_failed_reading_is_counted_and_never_raised(
        sim: SimServer, http: aiohttp.ClientSession) -> None:
    clock = VenueClock(Venue.BYBIT, rest(sim, http, Venue.BYBIT).server_time_sample)
    sim.set_rest_fault(Venue.BYBIT, status=503, times=2)
    assert not await clock.refresh() and not await clock.refresh()
    assert clock.failures == 2 and clock.offset_ms is None
    assert (clock.last_error or "").startswith("server time:")
    assert await clock.refresh()
    assert (clock.failures, clock.last_error) == (2, None)
    assert abs(offset(clock) - SKEW_MS) < 250
