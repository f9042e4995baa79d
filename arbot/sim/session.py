"""One client connection: receive loop, push loop, heartbeat rules and faults.

The same code serves every venue; what differs (frames, heartbeat style, close codes)
is data on the venue's protocol object. Two tasks share the socket: the handler's
receive loop answers the client, a named push task sends data, pings and faults.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Awaitable

import numpy as np
from aiohttp import WSCloseCode, WSMsgType, web

from arbot.sim.depthsession import DepthSubscriber
from arbot.sim.faults import absurd_book, frame_lag_ms, garbage_frame
from arbot.sim.flood import Ring
from arbot.sim.prices import VenueQuote, jiggle
from arbot.sim.shared import Shared
from arbot.sim.wire import Ctx, Sub, VenueProtocol, dumps, make_book

log = logging.getLogger("arbot.sim")

PACED_BATCH = 256
FLOOD_HIGH_WATER = 1 << 20
RING_MAX_AGE_S = 1.0
MAX_TIMER_SLEEP_S = 0.02


class Session(DepthSubscriber):
    """A connected client. `run()` returns when the connection is over."""

    def __init__(self, shared: Shared, proto: VenueProtocol, ws: web.WebSocketResponse,
                 request: web.Request, ctx: Ctx, rng: np.random.Generator, name: str) -> None:
        self.shared, self.proto, self.ws, self.ctx, self.name = shared, proto, ws, ctx, name
        self.venue = proto.venue
        self.stats = shared.stats[proto.venue]
        self._transport = request.transport
        self._rng = rng
        self._loop = asyncio.get_running_loop()
        now = self._loop.time()
        self._last_ping = self._last_push = now
        self._next: dict[str, float | None] = {}
        self._stalled_until = 0.0
        self._close_at: float | None = None
        self._shutdown_now: float | None = None
        self._pending_pings: dict[bytes, float] = {}
        self._next_ws_ping = now + shared.config.heartbeat_for(self.venue).ping_interval_s
        self._version = 0
        self._live: tuple[int, list[Sub]] = (-1, [])
        self._ring = Ring(-1, 0.0, [], [], [])
        self._ring_pos = 0
        self._rr = 0
        self._depth_out: deque[tuple[str, bytes]] = deque()  # (sub key, frame), steady
        self._t0 = now
        self._sent = 0
        max_age = shared.config.max_age_for(self.venue)
        self._cut_at = None if max_age is None else now + max_age

    # --- lifecycle ---------------------------------------------------------------

    async def run(self) -> None:
        for sub, snapshot in self._start_depth(self.ctx.subs.values()):  # named in the URL
            self._queue_depth(sub, snapshot)
        pusher = asyncio.create_task(self._push_loop(), name=f"{self.name}-push")
        try:
            await self._receive_loop()
        finally:
            pusher.cancel()
            await asyncio.wait([pusher])

    def abort(self) -> None:
        """Cut the TCP connection without a close frame, as a network failure would."""
        if self._transport is not None:
            self._transport.abort()

    def request_shutdown(self, grace_s: float) -> None:
        """Send the venue's shutdown notice now and close after `grace_s`."""
        self._shutdown_now = grace_s

    @property
    def stalled(self) -> bool:
        return self._loop.time() < self._stalled_until

    # --- receiving ---------------------------------------------------------------

    async def _receive_loop(self) -> None:
        async for msg in self.ws:
            if msg.type == WSMsgType.TEXT:
                await self._on_text(msg.data)
            elif msg.type == WSMsgType.PING:  # only seen when autoping is off (server pings)
                if not self.stalled:
                    await self._send_ctrl(self.ws.pong(msg.data))
            elif msg.type == WSMsgType.PONG:
                if bytes(msg.data) in self._pending_pings:
                    self._pending_pings.clear()
                    self.stats.ws_pongs += 1
            elif msg.type == WSMsgType.ERROR:
                break
            # Binary frames are ignored: no venue documents an answer to them.

    async def _on_text(self, text: str) -> None:
        faults = self.shared.faults[self.venue]
        self.ctx.refuse = faults.refuse_subscriptions
        try:
            out = self.proto.handle(text, self.ctx)
        except asyncio.CancelledError:
            raise
        except Exception:  # a protocol bug must not take the server down
            log.exception("%s: handling %.200r failed", self.name, text)
            return
        if out.ping:
            self._last_ping = self._loop.time()
            self.stats.pings += 1
        self.stats.sub_errors += out.errors
        if faults.ignore_subscriptions and out.add:
            return  # lost by the venue: no ack, no data
        if out.remove:  # stop before the ack goes out, start only after it
            for key in out.remove:
                self.ctx.subs.pop(key, None)
            self._version += 1
            self._drop_depth(set(out.remove))
        if not self.stalled:
            for reply in out.replies:
                await self._send_ctrl(self.ws.send_frame(reply, WSMsgType.TEXT))
        if out.add:
            snapshots = self._start_depth(out.add)
            for sub in out.add:
                self.ctx.subs[sub.key] = sub
            self.stats.subscriptions += sum(1 for sub in out.add if sub.symbol)
            self._version += 1
            for sub, snapshot in snapshots:
                self._queue_depth(sub, snapshot)

    async def _send_ctrl(self, send: Awaitable[None]) -> None:
        with contextlib.suppress(ConnectionError):  # the receive loop will see the close
            await send

    # --- pushing -----------------------------------------------------------------

    async def _push_loop(self) -> None:
        try:
            while not self.ws.closed:
                if self._transport is not None and self._transport.is_closing():
                    return  # the client left; the socket is going away (never spin on it)
                now = self._loop.time()
                if await self._faults(now) or await self._heartbeat(now):
                    return
                if now < self._stalled_until:
                    await asyncio.sleep(min(MAX_TIMER_SLEEP_S, self._stalled_until - now))
                else:
                    await self._push(now)
        except asyncio.CancelledError:
            raise
        except ConnectionError:
            return
        except Exception:  # never leave a half-dead connection behind a bug
            log.exception("%s: push loop failed; dropping the connection", self.name)
            self.abort()

    def _timer(self, name: str, period: float | None, now: float) -> bool:
        """A periodic timer armed while `period` is set; True when it fires."""
        if not period or period <= 0:
            self._next[name] = None
            return False
        at = self._next.get(name)
        if at is None:
            self._next[name] = now + period
            return False
        return now >= at

    async def _faults(self, now: float) -> bool:
        """Apply the venue's current faults; True when the connection was ended."""
        f = self.shared.faults[self.venue]
        if self._close_at is not None and now >= self._close_at:
            await self.ws.close(code=WSCloseCode.GOING_AWAY, message=b"server shutdown")
            return True
        if self._cut_at is not None and now >= self._cut_at:  # the age cut: no notice
            self.stats.age_cuts += 1
            await self.ws.close(code=WSCloseCode.GOING_AWAY, message=b"connection age limit")
            return True
        if self._timer("drop", f.drop_every_s, now):
            self.stats.fault_drops += 1
            self.abort()
            return True
        if self._timer("stall", f.stall_every_s, now) and now >= self._stalled_until:
            self._stalled_until = now + f.stall_for_s
            self._next["stall"] = self._stalled_until + (f.stall_every_s or 0.0)
            self.stats.stalls += 1
        timed = self._timer("shutdown", f.shutdown_every_s, now)
        if self._close_at is None and (timed or self._shutdown_now is not None):
            grace = f.shutdown_grace_s if self._shutdown_now is None else self._shutdown_now
            self._close_at = now + grace
            self.stats.shutdowns += 1
            notice = self.proto.shutdown_notice(self.ctx)
            if notice is not None and not self.stalled:
                await self.ws.send_frame(notice, WSMsgType.TEXT)
        return False

    async def _heartbeat(self, now: float) -> bool:
        """Enforce the venue's keep-alive rule; True when the client was dropped."""
        hb = self.shared.config.heartbeat_for(self.venue)
        if self.proto.server_pings:
            oldest = min(self._pending_pings.values(), default=now)
            if now - oldest <= hb.pong_timeout_s:
                if now >= self._next_ws_ping and not self.stalled:
                    payload = str(self.shared.now_ms()).encode()
                    self._pending_pings[payload] = now
                    self._next_ws_ping = now + hb.ping_interval_s
                    self.stats.ws_pings += 1
                    await self.ws.ping(payload)
                return False
        else:
            alive = max(self._last_ping, self._last_push) if hb.data_keeps_alive \
                else self._last_ping
            if now - alive <= hb.idle_timeout_s:
                return False
        self.stats.heartbeat_drops += 1
        code, reason = self.proto.idle_close
        await self.ws.close(code=code, message=reason.encode())
        return True

    def _live_subs(self) -> list[Sub]:
        """L1 subscriptions that push (a venue may keep silent ones for unknown symbols)."""
        if self._live[0] != self._version:
            self._live = (self._version, [s for s in self.ctx.subs.values()
                                          if s.symbol and not s.depth])
        return self._live[1]

    def _frame(self, sub: Sub, shift: int = 0, stamped: tuple[VenueQuote, int] | None = None
               ) -> tuple[bytes, bool]:
        """Encode `stamped` (a book and its stamp), else the current quote for `sub`
        stamped its lag ago (jiggled by `shift` for flood rings)."""
        faults = self.shared.faults[self.venue]
        if stamped is None:
            q = self.shared.model.quote(self.venue, sub.symbol)
            q = jiggle(q, self._rng, shift) if shift else q
            lag = frame_lag_ms(self.shared.config.lag_for(self.venue, faults), self._rng)
            stamped = q, self.shared.now_ms() - round(lag)
        spec = self.shared.catalog.by_symbol[sub.symbol]
        book = make_book(spec, self.venue, sub.venue_id, stamped[0], self.proto.numbers,
                         stamped[1])
        rate = faults.garbage_rate
        if rate > 0 and self._rng.random() < rate:
            kind, data = garbage_frame(self.proto, sub, book, self.ctx, self._rng)
            self.stats.garbage_kinds[kind] += 1
            return data, True
        if faults.absurd_rate > 0 and self._rng.random() < faults.absurd_rate:
            _, book = absurd_book(book, self._rng)
            self.stats.absurd += 1
        return dumps(self.proto.push(sub, book, self.ctx)), False

    async def _push(self, now: float) -> None:
        """One round of data: what the depth channels pushed, then steady re-sends at
        `rate`, or floods (`MarketSession` has its own)."""
        while self._depth_out and not self.ws.closed:
            await self._send(self._depth_out.popleft()[1], False)
        await (self._flood(now) if self.shared.config.flooding else self._paced(now))

    async def _send(self, data: bytes, bad: bool) -> None:
        """Send one data frame and count it."""
        await self.ws.send_frame(data, WSMsgType.TEXT)
        self.stats.frames += 1
        self.stats.garbage += bad
        self._last_push = self._loop.time()

    async def _paced(self, now: float) -> None:
        rate = self.shared.config.rate
        live = self._live_subs()
        if not live:
            self._t0, self._sent = now, 0
        else:
            due = int((now - self._t0) * rate) - self._sent
            cap = int(rate * 0.25) + 1  # after a stall, resume at pace instead of bursting
            if due > cap:
                self._sent += due - cap
                due = cap
            due = min(due, PACED_BATCH)  # stay responsive; the rest goes next round
            for _ in range(due):
                sub = live[self._rr % len(live)]
                self._rr += 1
                await self._send(*self._frame(sub))
            self._sent += due
            if due == PACED_BATCH:
                await asyncio.sleep(0)
                return
        await asyncio.sleep(min(1.0 / rate, MAX_TIMER_SLEEP_S))

    async def _flood(self, now: float) -> None:
        """Write one pre-framed chunk of the ring straight to the transport, then yield.

        Frames are pre-encoded as whole WebSocket text frames and written a chunk
        at a time: one syscall per chunk instead of one per frame keeps
        the server well ahead of any single client.
        """
        live = self._live_subs()
        if not live or self._transport is None:
            await asyncio.sleep(MAX_TIMER_SLEEP_S)
            return
        if self._transport.get_write_buffer_size() > FLOOD_HIGH_WATER:
            await asyncio.sleep(0.001)  # a slow reader: let the kernel drain first
            return
        ring = self._ring
        if ring.version != self._version or now - ring.built > RING_MAX_AGE_S:
            n = max(len(live), self.shared.config.flood_ring)
            ring = self._ring = Ring.build(
                self._version, now,
                [self._frame(live[k % len(live)], k // len(live) + 1) for k in range(n)])
        if self.ws.closed or self._transport.is_closing():
            return  # never write data after a close frame
        i = self._ring_pos % len(ring.chunks)
        self._ring_pos = i + 1
        self._transport.write(ring.chunks[i])
        self.stats.frames += ring.counts[i]
        self.stats.garbage += ring.garbage[i]
        self._last_push = self._loop.time()
        await asyncio.sleep(0)
