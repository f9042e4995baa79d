"""Planned disconnects without a gap, over real sockets against the simulator.

Binance and Bitget cut every connection at a documented age; Binance (`serverShutdown`)
and OKX (`64008`) announce maintenance. For each, the feed opens a replacement, waits
for it to quote, and only then closes the old socket: the connection never leaves LIVE,
every symbol keeps a quote, and nothing counts as a reconnect or a failure. Waits are for
events with generous deadlines; nothing asserts on speed.
"""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack

import aiohttp
import msgspec
import pytest

from arbot.domain import FeedState, FeedStatus, Quote, Venue
from arbot.exchanges import adapter_for
from arbot.exchanges.feed import Feed, aiohttp_connect
from arbot.exchanges.link import Link
from arbot.exchanges.symbols import SymbolMap
from arbot.sim import SimConfig
from tests.conftest import until
from tests.exchanges.test_feed import FAST, SYMBOLS, Recorder, feed_on

AGE_S = 1.5  # the simulated venues' cut, far below the documented 24 h


class Timeline(Recorder):
    """Every quote and status in arrival order, to find a moment without a usable quote:
    once every symbol has quoted on a LIVE connection, any later status that is not LIVE
    is a gap (the engine stops using a venue that is not LIVE)."""

    def __init__(self) -> None:
        super().__init__()
        self.events: list[Quote | FeedStatus] = []

    def on_quote(self, quote: Quote) -> None:
        super().on_quote(quote)
        self.events.append(quote)

    def on_feed_status(self, status: FeedStatus) -> None:
        super().on_feed_status(status)
        self.events.append(status)

    def gaps(self) -> list[FeedState]:
        seen: set[str] = set()
        state: FeedState | None = None
        warm = False
        out = []
        for e in self.events:
            if isinstance(e, Quote):
                seen.add(e.symbol)
            else:
                state = e.state
                if warm and state is not FeedState.LIVE:
                    out.append(state)
            warm = warm or (state is FeedState.LIVE and len(seen) == len(SYMBOLS))
        return out

    def symbols_after(self, n: int) -> set[str]:
        return {e.symbol for e in self.events[n:] if isinstance(e, Quote)}

    def rotating_notes(self) -> list[str]:
        return [e.rotating for e in self.events if isinstance(e, FeedStatus) and e.rotating]


async def _rotate_without_a_gap(venue: Venue, config: SimConfig, *, announce: bool) -> None:
    timing = msgspec.structs.replace(FAST, max_connection_age_s=AGE_S, rotate_lead_s=AGE_S / 2,
                                 silence_s=5.0, stale_after_s=5.0)
    line = Timeline()
    async with feed_on(venue, config, timing, sink=line) as (feed, _, server):
        await until(lambda: line.symbols_after(0) == set(SYMBOLS), "first quotes")
        if announce:
            assert server.announce_shutdown(venue, grace_s=30.0) == 1
        await until(lambda: feed.rotations >= 2, "two planned rotations")
        mark = len(line.events)
        await until(lambda: line.symbols_after(mark) == set(SYMBOLS), "quotes after them")
        assert line.gaps() == []
        assert feed.state is FeedState.LIVE
        assert (feed.reconnects, feed.failures) == (0, 0)
        stats = server.stats[venue]
        assert stats.age_cuts == 0  # the feed always left first
        assert stats.connections == feed.rotations + 1
        assert server.connections(venue) == 1  # every old socket was closed after the new
        assert line.rotating_notes()
        assert max(s.rotations for s in line.statuses) == feed.rotations


@pytest.mark.parametrize("venue", [Venue.BINANCE, Venue.BITGET])
async def test_rotates_before_the_venue_cuts_by_age(venue: Venue) -> None:
    """The simulator cuts at AGE_S without a notice, as the venue does at 24 h."""
    config = SimConfig(rate=200, max_ages={venue: AGE_S})
    await _rotate_without_a_gap(venue, config, announce=False)


@pytest.mark.parametrize("venue", [Venue.BINANCE, Venue.OKX])
async def test_a_shutdown_notice_rotates_make_before_break(venue: Venue) -> None:
    """Binance's raw `/ws` `serverShutdown` and OKX's `64008`, each in its real form; the
    later rotations come from the age limit."""
    config = SimConfig(rate=200, max_ages={venue: AGE_S})
    await _rotate_without_a_gap(venue, config, announce=True)


async def test_the_notice_is_the_reason_shown() -> None:
    timing = msgspec.structs.replace(FAST, silence_s=5.0, stale_after_s=5.0)
    async with feed_on(Venue.OKX, SimConfig(rate=200), timing) as (feed, sink, server):
        await until(lambda: {q.symbol for q in sink.quotes} == set(SYMBOLS), "first quotes")
        server.announce_shutdown(Venue.OKX, grace_s=30.0)
        await until(lambda: feed.rotations == 1, "the rotation")
        notes = [s.rotating for s in sink.statuses if s.rotating]
        assert notes and "64008" in notes[0]
        assert sink.statuses[-1].rotating is None and sink.statuses[-1].rotations == 1
        assert FeedState.RECONNECTING not in sink.states()
        assert (feed.reconnects, feed.failures) == (0, 0)


async def test_a_close_right_after_the_notice_adopts_the_replacement_under_way() -> None:
    """No lead time at all (Binance documents none): the old socket is gone before the
    replacement quotes, so the connection reports SUBSCRIBING meanwhile (the engine
    must not use it), and the replacement is still taken without a reconnect."""
    timing = msgspec.structs.replace(FAST, silence_s=5.0, stale_after_s=5.0)
    async with feed_on(Venue.BINANCE, SimConfig(rate=200), timing) as (feed, sink, server):
        await until(lambda: {q.symbol for q in sink.quotes} == set(SYMBOLS), "first quotes")
        server.announce_shutdown(Venue.BINANCE, grace_s=0.0)
        await until(lambda: feed.rotations == 1, "the rotation")
        seen = len(sink.quotes)
        await until(lambda: {q.symbol for q in sink.quotes[seen:]} == set(SYMBOLS),
                    "quotes on the replacement")
        assert (feed.reconnects, feed.failures) == (0, 0)
        assert feed.state is FeedState.LIVE
        assert FeedState.SUBSCRIBING in sink.states()[sink.states().index(FeedState.LIVE):]


async def test_without_rotation_the_age_cut_is_a_gap() -> None:
    """The control: a feed that does not know the venue's age limit is cut and
    reconnects, so the tests above see the rotation, not a lenient simulator."""
    timing = msgspec.structs.replace(FAST, max_connection_age_s=1e9, silence_s=5.0,
                                 stale_after_s=5.0)
    async with feed_on(Venue.BITGET, SimConfig(rate=200, max_ages={Venue.BITGET: AGE_S}),
                       timing) as (feed, sink, server):
        await until(lambda: feed.reconnects >= 1, "the cut")
        assert server.stats[Venue.BITGET].age_cuts >= 1
        assert FeedState.RECONNECTING in sink.states()
        assert feed.rotations == 0


def test_documented_ages_are_venue_data() -> None:
    ages = {v: adapter_for(v).max_connection_age_s for v in Venue}
    assert ages == {Venue.BINANCE: 86400.0, Venue.BITGET: 86400.0, Venue.BYBIT: None,
                    Venue.OKX: None}
    assert SimConfig().max_age_for(Venue.BINANCE) == 86400.0


class _Socket:
    """Hands the receive loop queued frames: two sockets whose timing a test controls."""

    def __init__(self) -> None:
        self.frames: asyncio.Queue[aiohttp.WSMessage] = asyncio.Queue()

    def push(self, symbol: str, bid: float) -> None:
        data = (f'{{"u":1,"s":"{symbol}","b":"{bid}","B":"1","a":"{bid + 1}",'
                f'"A":"1"}}')
        self.frames.put_nowait(aiohttp.WSMessage(aiohttp.WSMsgType.TEXT, data, None))

    async def receive(self) -> aiohttp.WSMessage:
        return await self.frames.get()


async def test_each_symbol_moves_to_the_replacement_at_its_first_quote_there() -> None:
    """An older book arriving late on the old socket must not overwrite what the
    replacement already delivered (it would stay on the board of a quiet symbol)."""
    adapter = adapter_for(Venue.BINANCE)
    symbols = SymbolMap.from_symbols(Venue.BINANCE, SYMBOLS, adapter.venue_id)
    sink = Recorder()
    feed = Feed(adapter, "ws://unused", ["BTCUSDT", "ETHUSDT"], symbols.lookup, sink,
                aiohttp_connect(None, FAST), timing=FAST)  # type: ignore[arg-type]
    old_ws, new_ws = _Socket(), _Socket()
    old = Link(old_ws, AsyncExitStack(), adapter.new_parser(symbols.lookup, feed.drops), 0.0)  # type: ignore[arg-type]
    new = Link(new_ws, AsyncExitStack(), adapter.new_parser(symbols.lookup, feed.drops), 0.0)  # type: ignore[arg-type]
    new.claiming, old.successor = True, new
    old.rx = asyncio.create_task(feed._receive(old))
    new.rx = asyncio.create_task(feed._receive(new))
    try:
        new_ws.push("BTCUSDT", 101.0)  # the replacement is ahead for BTC
        await until(lambda: len(sink.quotes) == 1, "the replacement's BTC quote")
        old_ws.push("BTCUSDT", 100.0)  # the old socket, late: ignored
        old_ws.push("ETHUSDT", 50.0)  # not yet quoted on the replacement: still used
        await until(lambda: len(sink.quotes) == 2, "the old socket's ETH quote")
        await until(lambda: old_ws.frames.empty(), "the old socket's frames read")
        assert [(q.symbol, q.bid) for q in sink.quotes] == [("BTC-USDT", 101.0),
                                                            ("ETH-USDT", 50.0)]
        assert new.claimed == {"BTC-USDT"}
        assert feed.drops.as_dict() == {}  # a handed-over symbol is not a drop
    finally:
        await old.close()
        await new.close()
