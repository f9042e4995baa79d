"""Both orders sent -> both fills known: by the private streams, and by today's REST
polling, in the same run against the simulator in its own process.

Each sample sends an IOC buy on one venue and an IOC sell on another through the real
signed clients (`final_report`, as the trader does) and times, on one monotonic clock,
from both orders sent (the later of the two requests handed to its socket, seen through
aiohttp's request tracing) to both final reports in hand: the client's work before the
bytes leave (signing, building the request) is not "sent -> known"; "stream, from both
started" keeps the span from both `final_report` calls starting, for comparison. A
final push may come before the order's REST answer; the answer is still awaited to the
end (as the trader does before closing a trade), and "stream, answers in" times that
too. The venues are the three that answer an order with ids only (Bybit, OKX,
Bitget), paired round-robin; Binance's answer carries its fills, so neither stream nor
polling has anything to do there. "stream": a live executor with every venue's private
stream logged in; "poll": the same clients with no stream, so the order is looked up
every `POLL_S` until final. The two alternate sample by sample, so both share the
machine's load. Limits are set far through the book, so every order fills.

Each venue is served from the port given for it: the bench runs each venue a trade uses
in a simulator process of its own, as the venues are separate machines (one simulator
for all is what `--one-sim` compares with).
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Mapping
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import aiohttp

from arbot.config import ArbotSettings
from arbot.config.run import with_endpoints
from arbot.domain import Instrument, OrderRequest, OrderStatus, Side, Venue
from arbot.exchanges import adapter_for
from arbot.exchanges.feedbase import aiohttp_connect
from arbot.exchanges.private import PrivateClient
from arbot.exchanges.privatefeed import PRIVATE_TIMING
from arbot.exchanges.signing import Credentials
from arbot.sim.config import DEMO_CREDENTIALS
from arbot.sim.server import PROTOCOLS
from arbot.trading.answers import Answers
from arbot.trading.execution import POLL_S, final_report
from arbot.trading.ledger import Ledger
from arbot.trading.live import LiveExecutor
from arbot.trading.setup import private_feed
from arbot.venues import VENUES

ACK_ONLY = (Venue.BYBIT, Venue.OKX, Venue.BITGET)
SYMBOL = "BTC-USDT"
PACE_S = 0.15  # between samples: Bitget takes 10 orders/s, and lookups count too
REFERENCE = Decimal(65000)  # the simulator's start price; limits are 50% through it
CLIENT_ID = re.compile(rb"ab[sp][0-9a-f]{11}[bs]")  # a bench order's id in its request body


class Written:
    """When each bench order's request was handed to its socket (monotonic ns), from
    aiohttp's request tracing: the body chunk is reported right before it is written."""

    def __init__(self) -> None:
        self.at: dict[str, int] = {}

    def trace(self) -> aiohttp.TraceConfig:
        config = aiohttp.TraceConfig()
        config.on_request_chunk_sent.append(self._chunk)
        config.freeze()
        return config

    async def _chunk(self, session: aiohttp.ClientSession, context: SimpleNamespace,
                     params: aiohttp.TraceRequestChunkSentParams) -> None:
        found = CLIENT_ID.search(params.chunk)
        if found:
            self.at[found.group().decode()] = time.monotonic_ns()


def _instrument(venue: Venue) -> Instrument:
    r = VENUES[venue].sim.rules[SYMBOL]
    return Instrument(venue=venue, symbol=SYMBOL, venue_id=_venue_id(venue), base="BTC",
                      quote="USDT", tick_size=str(Decimal(1).scaleb(-r.price_dp)),
                      lot_size=str(Decimal(1).scaleb(-r.qty_dp)), min_qty=r.min_qty,
                      min_notional=r.min_notional, status="live", trading=True)


def _venue_id(venue: Venue) -> str:
    return "BTC-USDT" if venue is Venue.OKX else "BTCUSDT"


def _order(venue: Venue, side: Side, client_id: str) -> OrderRequest:
    r = VENUES[venue].sim.rules[SYMBOL]
    px = REFERENCE * (Decimal("1.5") if side is Side.BUY else Decimal("0.5"))
    return OrderRequest(client_id=client_id, venue=venue, symbol=SYMBOL,
                        venue_symbol=_venue_id(venue), side=side,
                        price=str(px.quantize(Decimal(1).scaleb(-r.price_dp))),
                        qty="0.0002")


def _executor(settings: ArbotSettings, session: aiohttp.ClientSession, streamed: bool
              ) -> LiveExecutor:
    clients, creds = {}, {}
    for venue in ACK_ONLY:
        demo = DEMO_CREDENTIALS[venue]
        creds[venue] = Credentials(demo.key, demo.secret, demo.passphrase)
        clients[venue] = PrivateClient(adapter_for(venue),
                                       settings.exchanges.for_venue(venue).rest_url,
                                       creds[venue], session)
    ex = LiveExecutor(clients, {(v, SYMBOL): _instrument(v) for v in ACK_ONLY}, Ledger())
    if streamed:
        connect = aiohttp_connect(session, PRIVATE_TIMING)
        ex.feeds = [private_feed(v, settings, creds[v], ex, connect) for v in ACK_ONLY]
    return ex


async def _pair(ex: LiveExecutor, buy: OrderRequest, sell: OrderRequest, written: Written
                ) -> tuple[float, float, float]:
    """Milliseconds from both orders sent to both final reports in hand, to both REST
    answers in as well, and from both orders started to both final reports."""
    answers = Answers()
    started = time.monotonic_ns()
    reports = await asyncio.gather(final_report(ex, buy, True, answers=answers),
                                   final_report(ex, sell, True, answers=answers))
    known = time.monotonic_ns()
    await answers.wait()
    answered = time.monotonic_ns()
    if any(r.status is not OrderStatus.FILLED for r in reports):
        raise RuntimeError(f"a bench order did not fill: {reports}")
    sent = max(written.at.pop(buy.client_id), written.at.pop(sell.client_id))
    return (known - sent) / 1e6, (answered - sent) / 1e6, (known - started) / 1e6


async def measure(ports: Mapping[Venue, int], pairs: int) -> dict[str, Any]:
    """`pairs` samples of each way, alternated; each venue served on its port in
    `ports`."""
    urls = {v: (f"ws://127.0.0.1:{ports[v]}/{v.value}{PROTOCOLS[v].ws_paths[0]}",
                f"http://127.0.0.1:{ports[v]}/{v.value}") for v in ports}
    settings = with_endpoints(ArbotSettings(), urls)
    spans: dict[str, list[float]] = {"stream": [], "poll": [], "stream, answers in": [],
                                     "stream, from both started": []}
    written = Written()
    async with aiohttp.ClientSession(trace_configs=[written.trace()]) as session:
        stream, poll = _executor(settings, session, True), _executor(settings, session, False)
        for ex in (stream, poll):
            await ex.sync()
        tasks = [asyncio.create_task(f.run(), name=f"bench-private-{f.stream.venue}")
                 for f in stream.feeds]
        try:
            for _ in range(200):  # 10 s for the streams to log in
                if all(stream.stream_epoch(v) is not None for v in ACK_ONLY):
                    break
                await asyncio.sleep(0.05)
            else:
                raise RuntimeError(f"the private streams did not go live: "
                                   f"{stream.inbox.status}")
            for i in range(pairs):
                buy_venue = ACK_ONLY[i % 3]
                sell_venue = ACK_ONLY[(i + 1) % 3]
                for way, ex in (("stream", stream), ("poll", poll)):
                    tag = f"ab{way[0]}{i:011x}"
                    known, answered, from_start = await _pair(
                        ex, _order(buy_venue, Side.BUY, f"{tag}b"),
                        _order(sell_venue, Side.SELL, f"{tag}s"), written)
                    spans[way].append(known)
                    if way == "stream":
                        spans["stream, answers in"].append(answered)
                        spans["stream, from both started"].append(from_start)
                    await asyncio.sleep(PACE_S)  # within every venue's order-entry limit
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
    return {"spans": spans, "poll_s": POLL_S}
