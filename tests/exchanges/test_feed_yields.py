"""A socket whose frames are already buffered must not hold the event loop.

aiohttp's `receive()` returns without suspending while frames wait in its buffer, so a
venue that sends faster than ArBot parses (or a machine starved of CPU) would keep the
receive loop running for as long as the buffer lasts: the UI, the timers and the other
venues would wait. The stand-in below is aiohttp's socket with every frame buffered.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiohttp
import pytest

from arbot.domain import Venue
from arbot.exchanges import adapter_for
from arbot.exchanges.feed import Feed
from arbot.exchanges.symbols import SymbolMap
from tests.exchanges.test_feed import FAST, Recorder

BURST = 20_000
# Binance's raw /ws bookTicker payload (docs/venues/binance.md), for the one symbol subscribed.
FRAME = '{"u":400900217,"s":"BTCUSDT","b":"64000.10","B":"1.5","a":"64000.20","A":"2.0"}'


class BufferedSocket:
    """Stands in for `aiohttp.ClientWebSocketResponse` when every frame is buffered."""

    close_code = 1000

    def __init__(self) -> None:
        self.received = 0

    async def receive(self) -> aiohttp.WSMessage:
        self.received += 1
        if self.received == 1:
            return aiohttp.WSMessage(aiohttp.WSMsgType.TEXT, '{"result":null,"id":1}', None)
        if self.received > BURST:
            return aiohttp.WSMessage(aiohttp.WSMsgType.CLOSE, 1000, None)
        return aiohttp.WSMessage(aiohttp.WSMsgType.TEXT, FRAME, None)

    async def send_str(self, data: str) -> None:
        pass

    async def close(self) -> bool:
        return True

    def exception(self) -> BaseException | None:
        return None


async def test_a_buffered_burst_gives_the_loop_turns_while_it_is_parsed() -> None:
    adapter = adapter_for(Venue.BINANCE)
    symbols = SymbolMap.from_symbols(Venue.BINANCE, ["BTC-USDT"], adapter.venue_id)
    socket = BufferedSocket()

    @asynccontextmanager
    async def connect(url: str) -> AsyncIterator[BufferedSocket]:
        yield socket

    sink = Recorder()
    feed = Feed(adapter, "ws://buffered", [symbols.to_venue("BTC-USDT")], symbols.lookup,
                sink, connect, timing=FAST)  # type: ignore[arg-type]
    task = asyncio.create_task(feed.run())
    seen: list[int] = []  # frames parsed, each time this task got a turn
    try:
        while socket.received <= BURST:
            seen.append(feed.frames)
            await asyncio.sleep(0)
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    during = [n for n in seen if 0 < n < BURST - 1]
    assert len(during) >= BURST // 1000, f"the loop had {len(during)} turns during the burst"
    assert len(sink.quotes) == BURST - 1  # and nothing was lost on the way
