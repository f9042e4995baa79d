"""Simulator tests: real sockets on 127.0.0.1 through aiohttp's client.

Helpers shared by the modules live here. Every wait is event-based with a generous
timeout; nothing asserts on speed.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from decimal import Decimal
from typing import Any

import aiohttp

from arbot.domain import Venue
from arbot.sim import SimConfig, SimServer
from arbot.sim.instruments import decimal_text, spec_for

TIMEOUT = 5.0
CLOSED = (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.CLOSING,
          aiohttp.WSMsgType.ERROR)


@asynccontextmanager
async def running(config: SimConfig | None = None, **kw: Any
                  ) -> AsyncIterator[tuple[SimServer, aiohttp.ClientSession]]:
    """A started server and a client session, both closed on exit."""
    server = SimServer(config or SimConfig(**kw))
    await server.start()
    try:
        async with aiohttp.ClientSession() as session:
            yield server, session
    finally:
        await server.stop()


async def recv_json(ws: aiohttp.ClientWebSocketResponse, wait_s: float = TIMEOUT) -> Any:
    """The next text frame, decoded; fails on close or timeout."""
    msg = await ws.receive(timeout=wait_s)
    assert msg.type == aiohttp.WSMsgType.TEXT, f"expected text, got {msg.type} {msg.data!r}"
    return json.loads(msg.data)


async def recv_until(ws: aiohttp.ClientWebSocketResponse, pred: Callable[[Any], bool],
                     wait_s: float = TIMEOUT) -> Any:
    """Skip frames until one satisfies `pred`; return it."""
    loop = asyncio.get_running_loop()
    end = loop.time() + wait_s
    while True:
        frame = await recv_json(ws, max(0.01, end - loop.time()))
        if pred(frame):
            return frame


async def wait_closed(ws: aiohttp.ClientWebSocketResponse, wait_s: float = TIMEOUT
                      ) -> list[aiohttp.WSMessage]:
    """Read until the server ends the connection; return what came before the end."""
    seen: list[aiohttp.WSMessage] = []
    loop = asyncio.get_running_loop()
    end = loop.time() + wait_s
    while True:
        msg = await ws.receive(timeout=max(0.01, end - loop.time()))
        if msg.type in CLOSED:
            return seen
        seen.append(msg)


async def stays_open(ws: aiohttp.ClientWebSocketResponse, seconds: float,
                     ping: str | None = None, every: float = 0.15) -> int:
    """Read (and optionally send `ping` every `every` s) for `seconds`; assert the socket
    stayed open and return how many text frames arrived."""
    loop = asyncio.get_running_loop()
    end = loop.time() + seconds
    next_ping = loop.time()
    frames = 0
    while (now := loop.time()) < end:
        if ping is not None and now >= next_ping:
            await ws.send_str(ping)
            next_ping = now + every
        try:
            msg = await ws.receive(timeout=min(every, end - now))
        except TimeoutError:
            continue
        assert msg.type not in CLOSED, f"connection closed: {msg.type} {msg.data!r}"
        frames += msg.type == aiohttp.WSMsgType.TEXT
    return frames


def on_tick(price: str, symbol: str, venue: Venue) -> bool:
    """The price is a whole number of the instrument's ticks."""
    tick = Decimal(decimal_text(spec_for(symbol).rules[venue].price_dp, "trim"))
    return Decimal(price) % tick == 0


def decimals(text: str) -> int:
    return len(text.partition(".")[2])
