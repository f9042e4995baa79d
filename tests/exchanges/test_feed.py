"""The shared feed loop against the simulator, over real sockets on 127.0.0.1, per venue.

Every wait is for an event (a state, a counter) with a generous deadline; nothing
asserts on speed.
"""

from __future__ import annotations

import asyncio
import dataclasses
import random
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import aiohttp
import msgspec
import pytest

from arbot.domain import FeedState, FeedStatus, Quote, Venue
from arbot.exchanges import adapter_for
from arbot.exchanges.feed import Feed, aiohttp_connect
from arbot.exchanges.reconnect import FeedTiming, backoff_delay
from arbot.exchanges.symbols import SymbolMap
from arbot.sim import SimConfig, SimServer
from arbot.sim.config import DEFAULT_HEARTBEATS
from tests.conftest import until

SYMBOLS = ["BTC-USDT", "ETH-USDT"]
FAST = FeedTiming(connect_timeout_s=2.0, ack_timeout_s=1.0, stale_after_s=0.4, silence_s=1.0,
                  backoff_base_s=0.05, backoff_cap_s=0.2, healthy_s=30.0, quarantine_after=3,
                  quarantine_s=0.5, status_s=0.2, tick_s=0.05, heartbeat_s=0.2)


class Recorder:
    """A sink that keeps everything, so tests can wait for what they expect."""

    def __init__(self) -> None:
        self.quotes: list[Quote] = []
        self.statuses: list[FeedStatus] = []

    def on_quote(self, quote: Quote) -> None:
        self.quotes.append(quote)

    def on_feed_status(self, status: FeedStatus) -> None:
        self.statuses.append(status)

    def states(self) -> list[FeedState]:
        return [s.state for s in self.statuses]


@asynccontextmanager
async def feed_on(venue: Venue, config: SimConfig, timing: FeedTiming = FAST,
                  url: str | None = None, sink: Recorder | None = None,
                  ) -> AsyncIterator[tuple[Feed, Recorder, SimServer]]:
    """A simulator, and one feed connection to it running in the background."""
    adapter = adapter_for(venue)
    async with SimServer(config) as server, aiohttp.ClientSession() as session:
        symbols = SymbolMap.from_symbols(venue, SYMBOLS, adapter.venue_id)
        sink = sink or Recorder()
        feed = Feed(adapter, url or server.urls(venue).ws_url,
                    [symbols.to_venue(s) for s in SYMBOLS], symbols.lookup, sink,
                    aiohttp_connect(session, timing), timing=timing)
        task = asyncio.create_task(feed.run())
        try:
            yield feed, sink, server
        finally:
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task


def quotes_after(sink: Recorder, n: int) -> Callable[[], bool]:
    return lambda: len({q.symbol for q in sink.quotes[n:]}) == len(SYMBOLS)


@pytest.mark.parametrize("venue", list(Venue))
async def test_subscribes_and_quotes_flow(venue: Venue) -> None:
    async with feed_on(venue, SimConfig(rate=200)) as (feed, sink, server):
        await until(quotes_after(sink, 0), "quotes for every symbol")
        await until(lambda: feed.state is FeedState.LIVE, "live")
        await until(lambda: feed.link is not None and feed.link.acked, "every ack")
        assert feed.last_error is None
        assert all(q.venue is venue and 0 < q.bid < q.ask for q in sink.quotes)
        changes = [s for i, s in enumerate(sink.states()) if i == 0 or s != sink.states()[i - 1]]
        assert [s for s in changes if s is not FeedState.CONNECTING][:2] == [
            FeedState.SUBSCRIBING, FeedState.LIVE]
        await until(lambda: any(s.quotes_per_s > 0 for s in sink.statuses), "a rate in status")
        assert server.stats[venue].subscriptions >= 1


@pytest.mark.parametrize("venue", list(Venue))
async def test_dropped_connection_reconnects_resubscribes_and_resumes(venue: Venue) -> None:
    async with feed_on(venue, SimConfig(rate=200)) as (feed, sink, server):
        await until(quotes_after(sink, 0), "first quotes")
        subscribed = server.stats[venue].subscriptions
        seen = len(sink.quotes)
        assert server.drop_all(venue) >= 1
        await until(lambda: feed.reconnects >= 1, "a reconnect")
        await until(quotes_after(sink, seen), "quotes after the reconnect")
        assert server.stats[venue].subscriptions > subscribed
        assert FeedState.RECONNECTING in sink.states()
        assert feed.state is FeedState.LIVE


@pytest.mark.parametrize("venue", list(Venue))
async def test_stalled_server_is_caught_by_the_watchdog(venue: Venue) -> None:
    async with feed_on(venue, SimConfig(rate=200)) as (feed, sink, server):
        await until(quotes_after(sink, 0), "first quotes")
        server.set_faults(venue, stall_every_s=0.01, stall_for_s=60.0)
        await until(lambda: FeedState.STALE in sink.states(), "stale")
        await until(lambda: feed.reconnects >= 1, "the watchdog's reconnect")
        assert feed.last_error is not None and feed.last_error.startswith("no data for")
        server.set_faults(venue, stall_every_s=None)
        seen = len(sink.quotes)
        await until(quotes_after(sink, seen), "quotes after the stall")


@pytest.mark.parametrize("venue", list(Venue))
async def test_malformed_frames_are_counted_and_the_feed_carries_on(venue: Venue) -> None:
    async with feed_on(venue, SimConfig(rate=400)) as (feed, sink, server):
        await until(quotes_after(sink, 0), "first quotes")
        server.set_faults(venue, garbage_rate=0.3)
        await until(lambda: feed.drops.total() >= 20, "counted drops")
        seen = len(sink.quotes)
        await until(quotes_after(sink, seen), "quotes among the garbage")
        assert feed.reconnects == 0
        assert all(0 < q.bid < q.ask and q.bid_size > 0 and q.ask_size > 0 for q in sink.quotes)
        await until(lambda: sum(sink.statuses[-1].drops.values()) >= 20, "drops in the status")


@pytest.mark.parametrize("venue", list(Venue))
async def test_absurd_quotes_are_dropped_by_the_gate_and_counted(venue: Venue) -> None:
    """Well-formed frames with absurd magnitudes (`Faults.absurd_rate`) parse cleanly; the
    feed's gate drops them before the sink, counted as `out_of_band` in the status."""
    async with feed_on(venue, SimConfig(rate=400)) as (feed, sink, server):
        await until(quotes_after(sink, 0), "first quotes")
        server.set_faults(venue, absurd_rate=0.3)
        await until(lambda: server.stats[venue].absurd >= 20, "absurd frames sent")
        await until(lambda: sink.statuses[-1].drops.get("out_of_band", 0) >= 10,
                    "out_of_band drops in the status")
        assert feed.gate.reanchors == 0
        assert all(1e-3 < q.bid < q.ask < 1e6 for q in sink.quotes)


# OKX documents that pushed data keeps a line alive, and ArBot pings it only when idle, so
# its case is a quiet line; the others must ping whatever data flows.
HEARTBEAT_CASES = [(Venue.BINANCE, 50.0, False), (Venue.BYBIT, 50.0, False),
                   (Venue.BITGET, 50.0, False), (Venue.OKX, 1.0, True)]


@pytest.mark.parametrize(("venue", "rate", "data_keeps_alive"), HEARTBEAT_CASES)
async def test_our_heartbeat_keeps_the_connection(
    venue: Venue, rate: float, data_keeps_alive: bool
) -> None:
    """The simulator drops clients that miss heartbeats (tests/sim proves it); ours never."""
    strict = {v: dataclasses.replace(h, idle_timeout_s=0.6, data_keeps_alive=data_keeps_alive,
                                     ping_interval_s=0.1, pong_timeout_s=0.6)
              for v, h in DEFAULT_HEARTBEATS.items()}
    async with feed_on(venue, SimConfig(rate=rate, heartbeats=strict)) as (feed, sink, server):
        await until(quotes_after(sink, 0), "first quotes")
        heartbeats = server.stats[venue]
        await until(lambda: heartbeats.pings + heartbeats.ws_pongs >= 10, "heartbeats")
        assert heartbeats.heartbeat_drops == 0
        assert feed.reconnects == 0


async def test_refused_subscription_reports_the_venues_code_and_message() -> None:
    config = SimConfig(rate=50)
    async with feed_on(Venue.OKX, config) as (feed, _, server):
        server.set_faults(Venue.OKX, refuse_subscriptions=True)
        server.drop_all(Venue.OKX)
        await until(lambda: feed.last_error is not None and "60014" in feed.last_error,
                    "the error ack")
        assert "Requests too frequent" in (feed.last_error or "")


async def test_missing_acks_are_reported() -> None:
    timing = msgspec.structs.replace(FAST, ack_timeout_s=0.3)  # before the silence watchdog
    async with feed_on(Venue.BYBIT, SimConfig(rate=50), timing) as (_, sink, server):
        await until(quotes_after(sink, 0), "first quotes")
        server.set_faults(Venue.BYBIT, ignore_subscriptions=True)
        server.drop_all(Venue.BYBIT)  # the new connection's subscription is never answered
        await until(lambda: any("1 of 1 subscriptions not acknowledged" in (s.last_error or "")
                                for s in sink.statuses), "the ack timeout")


async def test_quarantine_engages_after_repeated_failures_and_releases() -> None:
    """A venue that refuses connections goes quiet for the cool-down, then is tried again."""
    async with feed_on(Venue.BITGET, SimConfig(rate=50), url="ws://127.0.0.1:9/nothing") as (
        feed, sink, _,
    ):
        await until(lambda: FeedState.QUARANTINED in sink.states(), "quarantine")
        status = next(s for s in sink.statuses if s.state is FeedState.QUARANTINED)
        assert "3 failures in a row" in (status.last_error or "")
        assert "connect failed" in (status.last_error or "")
        at = sink.states().index(FeedState.QUARANTINED)
        await until(lambda: FeedState.CONNECTING in sink.states()[at:], "release")
        assert feed.reconnects >= 3


def test_backoff_is_capped_full_jitter() -> None:
    rng = random.Random(7)
    draws = [backoff_delay(n, FAST, rng) for n in range(1, 10) for _ in range(200)]
    assert all(0.0 <= d <= FAST.backoff_cap_s for d in draws)
    assert max(draws) > FAST.backoff_cap_s * 0.9  # the cap is reached, not just respected
    first = [backoff_delay(1, FAST, rng) for _ in range(500)]
    assert max(first) <= FAST.backoff_base_s
    assert min(first) < FAST.backoff_base_s / 4  # full jitter reaches down towards zero
