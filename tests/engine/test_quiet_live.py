"""A quiet symbol on a live connection, over real sockets to the simulator.

Binance's `bookTicker` pushes on change only, so a BTC-USDT quote that does not change
while the connection is live (its ETH-USDT keeps flowing) is still Binance's top of book.
The simulator re-sends every symbol, so the quiet symbol is made here, at the sink: of
Binance's BTC-USDT only the first quote taken while the venue is live reaches the engines
(one arriving before the connection reports LIVE is not taken). One engine runs the
default rule, one the old age rule, on the same quotes and feed statuses.
"""

from __future__ import annotations

import asyncio
import time

import aiohttp
import pytest

from arbot.config import ArbotSettings
from arbot.domain import EpisodeEvent, FeedState, FeedStatus, Quote, Venue
from arbot.engine.engine import Engine
from arbot.exchanges import adapter_for
from arbot.exchanges.feed import Feed, aiohttp_connect
from arbot.exchanges.reconnect import FeedTiming
from arbot.exchanges.symbols import SymbolMap
from arbot.sim import SimConfig, SimServer
from tests.conftest import until

B, OK = Venue.BINANCE, Venue.OKX
SYMBOLS = ["BTC-USDT", "ETH-USDT"]
AGE_MS = 50
TIMING = FeedTiming(connect_timeout_s=2.0, ack_timeout_s=1.0, stale_after_s=0.4, silence_s=3.0,
                    backoff_base_s=0.05, backoff_cap_s=0.2, status_s=0.2, tick_s=0.05,
                    heartbeat_s=0.2)


class Nothing:
    def on_episode(self, event: EpisodeEvent) -> None:
        pass


class QuietBtc:
    """Feeds both engines; of Binance's BTC-USDT only the first quote passes."""

    def __init__(self, venue: Venue, engines: list[Engine]) -> None:
        self.venue, self.engines = venue, engines
        self.btc_ns: int | None = None
        self.states: list[FeedState] = []

    def on_quote(self, q: Quote) -> None:
        if self.venue is B and q.symbol == "BTC-USDT":
            if self.btc_ns is not None:
                return
            if self.states and self.states[-1] is FeedState.LIVE:  # the engines take it
                self.btc_ns = time.monotonic_ns()
        for e in self.engines:
            e.on_quote(q)

    def on_feed_status(self, status: FeedStatus) -> None:
        self.states.append(status.state)
        for e in self.engines:
            e.on_feed_status(status)


def engine(freshness: str) -> Engine:
    settings = ArbotSettings.model_validate({
        "market": {"symbols": SYMBOLS},
        "strategy": {"quote_freshness": freshness, "max_quote_age_ms": AGE_MS}})
    return Engine(settings, Nothing())


def fresh(e: Engine) -> frozenset[Venue]:
    view = e.market_view().get("BTC-USDT")
    return view.fresh if view is not None else frozenset()


async def test_a_quiet_symbol_takes_part_while_its_connection_is_live() -> None:
    connection, age = engine("connection"), engine("age")
    sinks = {v: QuietBtc(v, [connection, age]) for v in (B, OK)}
    async with SimServer(SimConfig(symbols=tuple(SYMBOLS), rate=100)) as server, \
            aiohttp.ClientSession() as session:
        tasks = []
        for venue, sink in sinks.items():
            adapter = adapter_for(venue)
            symbols = SymbolMap.from_symbols(venue, SYMBOLS, adapter.venue_id)
            feed = Feed(adapter, server.urls(venue).ws_url,
                        [symbols.to_venue(s) for s in SYMBOLS], symbols.lookup, sink,
                        aiohttp_connect(session, TIMING), timing=TIMING)
            tasks.append(asyncio.create_task(feed.run(), name=f"feed-{venue}"))
        try:
            await until(lambda: fresh(connection) == {B, OK}, "both venues' BTC quotes")
            btc_ns = sinks[B].btc_ns
            assert btc_ns is not None
            # Well past max_quote_age_ms on the engines' clock, the connection still live.
            await until(lambda: time.monotonic_ns() - btc_ns > 6 * AGE_MS * 1_000_000,
                        "the quiet quote to pass the age limit several times")
            await until(lambda: len(sinks[B].states) > 0 and sinks[B].states[-1]
                        is FeedState.LIVE and fresh(age) == {OK}, "a status while live")
            assert fresh(connection) == {B, OK}  # quiet, live: still Binance's top of book
            assert fresh(age) == {OK}  # the old rule drops it
            # Binance stops sending anything: its connection goes stale, its quote leaves.
            server.set_faults(B, stall_every_s=0.01, stall_for_s=30.0)
            await until(lambda: FeedState.STALE in sinks[B].states, "Binance stale")
            assert fresh(connection) == {OK}
        finally:
            for task in tasks:
                task.cancel()
            for task in tasks:
                with pytest.raises(asyncio.CancelledError):
                    await task


