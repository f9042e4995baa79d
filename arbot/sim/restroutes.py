"""The venues' REST endpoints as aiohttp handlers: public (books, instruments, coins)
and signed (to the trading desk), each request counted and put through the venue's
armed REST fault first.

A signed request's stream pushes (an order's fills) and its answer leave together, in an
order drawn per request: either may come first, as the two leave a real venue by
separate gateways. An answer the venue holds back (`RestFault.answer_late_s`) leaves
after the pushes."""

from __future__ import annotations

import asyncio

import numpy as np
from aiohttp import web
from aiohttp.typedefs import Handler

from arbot.domain import Venue
from arbot.sim.coins import SimCoins
from arbot.sim.depthbook import BookView
from arbot.sim.desk import TradingDesk
from arbot.sim.instruments import SymbolSpec
from arbot.sim.private import Handler as PrivateHandler
from arbot.sim.restfault import ANSWER_LATE, ArmedRestFault
from arbot.sim.shared import Shared
from arbot.sim.streamhub import StreamHub
from arbot.sim.wire import RestHandler, RestRequest, dumps

JSON = "application/json"


class RestRoutes:
    """Wraps each venue's REST handlers; `faults` holds the armed REST fault per venue."""

    def __init__(self, shared: Shared, coins: SimCoins, desk: TradingDesk,
                 streams: StreamHub) -> None:
        self._shared = shared
        self._coins = coins
        self._desk = desk
        self._streams = streams
        self._order_rng = np.random.default_rng([shared.config.seed, 2])  # push or answer first
        self.faults: dict[Venue, ArmedRestFault] = {}

    def public(self, venue: Venue, handler: RestHandler) -> Handler:
        def book(spec: SymbolSpec, limit: int) -> BookView:
            return self._shared.books.view(venue, spec.symbol, limit)

        async def inner(request: web.Request) -> web.StreamResponse:
            req = RestRequest(request.query, self._shared.catalog.specs,
                              self._shared.now_ms(), book=book,
                              coins=self._coins.table(venue))
            status, body = handler(req)
            return web.Response(body=dumps(body), status=status, content_type=JSON)

        return self._with_faults(venue, inner)

    def private(self, venue: Venue, handler: PrivateHandler) -> Handler:
        """Signed endpoints: the request goes to the desk exactly as received."""
        prefix = f"/{venue.value}"

        async def inner(request: web.Request) -> web.StreamResponse:
            body = await request.read()
            path, _, raw_query = request.raw_path.partition("?")
            req = RestRequest(request.query, self._shared.catalog.specs,
                              self._shared.now_ms(), request.method, path.removeprefix(prefix),
                              raw_query, request.headers, body,
                              coins=self._coins.table(venue))
            with self._streams.held(venue) as pushes:
                reply = self._desk.handle(venue, handler, req)
            response = web.Response(body=dumps(reply.body), status=reply.status,
                                    headers=reply.headers, content_type=JSON)
            late = request.get(ANSWER_LATE, 0.0)
            try:
                if pushes and not late and self._order_rng.random() < 0.5:
                    await response.prepare(request)  # the answer first
                    await response.write_eof()
            finally:
                pushes.send()
            if late:
                await asyncio.sleep(late)
            return response

        return self._with_faults(venue, inner)

    def _with_faults(self, venue: Venue, inner: Handler) -> Handler:
        """Count the request and apply the venue's armed REST fault before `inner`."""
        prefix = f"/{venue.value}"

        async def handle(request: web.Request) -> web.StreamResponse:
            stats = self._shared.stats[venue]
            stats.rest_requests += 1
            armed = self.faults.get(venue)
            fault = armed.take(request.path.removeprefix(prefix)) if armed else None
            if fault is not None:
                stats.rest_faults += 1
                await request.read()  # the venue has the whole request; only its answer
                await asyncio.sleep(fault.delay_s)  # is late (and comes if the caller died)
                if fault.status is not None:
                    return fault.response()
                request[ANSWER_LATE] = fault.answer_late_s
            return await inner(request)

        return handle
