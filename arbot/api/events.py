"""GET /api/stream: server-sent events from the hub, with a periodic status event and
comment pings so a client can tell a quiet run from a dead one."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable

import msgspec
from aiohttp import web

from arbot.api import params
from arbot.api.convert import iso
from arbot.api.hub import STATUS_S, EventHub
from arbot.api.schemas import Event, Status
from arbot.view import RuntimeView

PING_S = 15.0


class EventStream:
    """One long response per client; `status_now` is the same body as GET /api/status."""

    def __init__(self, runtime: RuntimeView, hub: EventHub,
                 status_now: Callable[[], Status]) -> None:
        self.rt = runtime
        self.hub = hub
        self._status_now = status_now

    async def stream(self, request: web.Request) -> web.StreamResponse:
        """Server-sent events: episode, trade and status as they happen, and a status
        event with the whole of GET /api/status (`"periodic": true`) on connecting and
        every STATUS_S seconds, so a client sees the run is alive while nothing happens."""
        params.check_known(request.query, frozenset())
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream",
                                               "Cache-Control": "no-cache"})
        await response.prepare(request)
        sub = self.hub.subscribe()
        try:
            await response.write(b": ArBot event stream\n\n")
            quiet_since = time.monotonic()
            status_at = -STATUS_S
            while True:
                self._poll_trading_state()
                if time.monotonic() - status_at >= STATUS_S:
                    status_at = quiet_since = time.monotonic()
                    body = {"periodic": True, **msgspec.to_builtins(self._status_now())}
                    await _send(response, Event("status", iso(time.time_ns()), body))
                try:
                    event = await asyncio.wait_for(sub.queue.get(), 1.0)
                except TimeoutError:
                    if time.monotonic() - quiet_since >= PING_S:
                        await response.write(b": ping\n\n")
                        quiet_since = time.monotonic()
                    continue
                if sub.lost:
                    await response.write(f": {sub.lost} events lost (slow reader)\n\n".encode())
                    sub.lost = 0
                await _send(response, event)
                quiet_since = time.monotonic()
        except (ConnectionResetError, asyncio.CancelledError):
            pass
        finally:
            self.hub.unsubscribe(sub)
        with contextlib.suppress(ConnectionResetError):
            await response.write_eof()
        return response

    def _poll_trading_state(self) -> None:
        trader = self.rt.trader
        if trader is not None:  # a halt by the loss limit happens without the API
            self.hub.trading_state(trader.state, trader.risk.reason)


async def _send(response: web.StreamResponse, event: Event) -> None:
    data = msgspec.json.encode(event)
    await response.write(b"event: " + event.kind.encode() + b"\ndata: " + data + b"\n\n")
