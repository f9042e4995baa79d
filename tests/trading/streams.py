"""A live executor with its venue's private stream, against the simulator on 127.0.0.1:
the real signed client, the real private feed and the simulator's stream over sockets."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from decimal import Decimal

import aiohttp
import msgspec

from arbot.domain import Instrument, OrderRequest, Side, Venue
from arbot.exchanges import adapter_for, stream_for
from arbot.exchanges.feedbase import aiohttp_connect
from arbot.exchanges.private import PrivateClient
from arbot.exchanges.privatefeed import PRIVATE_TIMING, PrivateFeed
from arbot.exchanges.reconnect import FeedTiming
from arbot.exchanges.signing import Credentials
from arbot.sim import SimServer
from arbot.trading.ledger import Ledger
from arbot.trading.live import LiveExecutor
from tests.conftest import until

TIMING = msgspec.structs.replace(PRIVATE_TIMING, tick_s=0.05, backoff_base_s=0.05,
                                 backoff_cap_s=0.2, connect_timeout_s=2.0, ack_timeout_s=2.0)
SYMBOL = "BTC-USDT"


@dataclass
class Streamed:
    executor: LiveExecutor
    feed: PrivateFeed
    client: PrivateClient


def instrument(sim: SimServer, venue: Venue, symbol: str = SYMBOL) -> Instrument:
    """The symbol's rules on the venue as the simulator serves them."""
    spec = next(s for s in sim.catalog.specs if s.symbol == symbol)
    r = spec.rules[venue]
    step = lambda dp: str(Decimal(1).scaleb(-dp))  # noqa: E731
    return Instrument(venue=venue, symbol=symbol, venue_id=sim.protocols[venue].venue_id(spec),
                      base=spec.base, quote=spec.quote, tick_size=step(r.price_dp),
                      lot_size=step(r.qty_dp), min_qty=r.min_qty, min_notional=r.min_notional,
                      status="live", trading=True)


def crossing(sim: SimServer, venue: Venue, client_id: str, side: Side = Side.BUY,
             symbol: str = SYMBOL) -> OrderRequest:
    """An IOC order that takes the venue's displayed top of book (a 1% limit through it)."""
    spec = next(s for s in sim.catalog.specs if s.symbol == symbol)
    r = spec.rules[venue]
    top = sim.desk.top(venue, spec)
    px = top.ask * Decimal("1.01") if side is Side.BUY else top.bid * Decimal("0.99")
    qty = max(Decimal(r.min_qty), Decimal(r.min_notional) * 2 / px)
    return OrderRequest(client_id=client_id, venue=venue, symbol=symbol,
                        venue_symbol=sim.protocols[venue].venue_id(spec), side=side,
                        price=str(px.quantize(Decimal(1).scaleb(-r.price_dp))),
                        qty=str(qty.quantize(Decimal(1).scaleb(-r.qty_dp)) +
                                Decimal(1).scaleb(-r.qty_dp)))


@asynccontextmanager
async def streamed(sim: SimServer, venue: Venue, session: aiohttp.ClientSession, *,
                   live: bool = True, timing: FeedTiming = TIMING, unified: bool = False
                   ) -> AsyncIterator[Streamed]:
    """The venue's executor with its stream running (and, with `live`, logged in), for a
    unified account's stream with `unified`."""
    keys = sim.credentials(venue)
    creds = Credentials(keys.key, keys.secret, keys.passphrase)
    client = PrivateClient(adapter_for(venue), sim.urls(venue).rest_url, creds, session)
    await client.sync_clock()
    await client.detect_account_mode()  # as the runtime's first balance read does (Bitget)
    inst = instrument(sim, venue)
    executor = LiveExecutor({venue: client}, {(venue, SYMBOL): inst}, Ledger())
    stream = stream_for(venue, lambda: "uta" if unified else None)
    feed = PrivateFeed(stream, sim.private_ws_url(venue), creds, executor.inbox,
                       aiohttp_connect(session, timing), timestamp_ms=client.timestamp_ms,
                       sync_clock=client.sync_clock, timing=timing)
    task = asyncio.create_task(feed.run(), name=f"test-private-{venue}")
    try:
        if live:
            await until(lambda: executor.stream_epoch(venue) is not None,
                        f"{venue}'s private stream to go live")
        yield Streamed(executor, feed, client)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
