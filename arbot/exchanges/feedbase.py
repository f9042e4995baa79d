"""What one venue connection does on each of its sockets: the receive hot loop (every
frame to the parser, every quote through the gate to the sink), control events, the
supervisor's clocks (heartbeats, the stale and silence watchdogs, the acknowledgement
timeout, the age limit) and the status it reports. The lifecycle around it (reconnects,
backoff, quarantine and planned rotations) is `arbot.exchanges.feed`.

The receive loop does as little as possible per frame (no timeouts: a timeout context
per receive costs as much as the parse); a supervisor task beside it owns the clocks.
With `--record-raw` each frame and its receive time also go to a raw sink that only
buffers.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any, NoReturn

import aiohttp

from arbot.domain import (
    BookResync,
    FeedState,
    FeedStatus,
    Quote,
    ShutdownNotice,
    SubscribeAck,
    VenueError,
)
from arbot.events import FeedSink
from arbot.exchanges.depthparser import NO_SNAPSHOT
from arbot.exchanges.drops import DropCounter
from arbot.exchanges.feedadapter import FeedAdapter
from arbot.exchanges.lag import LagTracker
from arbot.exchanges.link import Link
from arbot.exchanges.quotegate import QuoteGate
from arbot.exchanges.reconnect import (
    DEFAULT_TIMING,
    FeedTiming,
    Reconnect,
    rotate_at_age,
)
from arbot.exchanges.resync import DepthFeed
from arbot.exchanges.venueclock import VenueClock

_TEXT = aiohttp.WSMsgType.TEXT
_BINARY = aiohttp.WSMsgType.BINARY
_YIELD_MASK = 255  # the receive loop yields to the event loop every 256 frames


Connect = Callable[[str], AbstractAsyncContextManager[aiohttp.ClientWebSocketResponse]]
# Every received frame and its receive time (`--record-raw`); on the hot path: buffer only.
RawSink = Callable[[str | bytes, int], None]


def aiohttp_connect(session: aiohttp.ClientSession, timing: FeedTiming) -> Connect:
    """Open a WebSocket with aiohttp; pings from the server are answered automatically."""

    def connect(url: str) -> AbstractAsyncContextManager[aiohttp.ClientWebSocketResponse]:
        return session.ws_connect(
            url,
            autoping=True,
            heartbeat=None,
            timeout=aiohttp.ClientWSTimeout(ws_receive=None, ws_close=2.0),
            max_msg_size=16 * 1024 * 1024,
        )

    return connect


class FeedBase:
    """One venue connection's state and counters, and the work on each of its sockets."""

    def __init__(
        self,
        adapter: FeedAdapter,
        url: str,
        venue_ids: Sequence[str],
        symbols: Callable[[str], str | None],
        sink: FeedSink,
        connect: Connect,
        *,
        connection: int = 0,
        timing: FeedTiming = DEFAULT_TIMING,
        clock: Callable[[], float] = time.monotonic,
        wall_ns: Callable[[], int] = time.time_ns,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        rng: random.Random | None = None,
        raw: RawSink | None = None,
        gate: QuoteGate | None = None,
        lag: LagTracker | None = None,
        depth: DepthFeed | None = None,
    ) -> None:
        self.adapter = adapter
        self.url = url
        self.venue_ids = list(venue_ids)
        self.sink = sink
        self.connection = connection
        self.timing = timing
        self.drops = DropCounter()
        self._symbols = symbols
        # Without the venue's instruments (tests, tools), the gate checks the band only.
        self.gate = gate if gate is not None else QuoteGate(adapter.venue)
        self._check = self.gate.check
        self._on_quote = sink.on_quote
        self._connect = connect
        self._clock = clock
        self._wall_ns = wall_ns
        self._sleep = sleep
        self._rng = rng or random.Random()
        self._raw = raw
        self.state = FeedState.CONNECTING
        self.frames = 0
        self.quotes = 0
        self.reconnects = 0
        self.failures = 0  # consecutive
        self.last_error: str | None = None
        self.last_frame: float | None = None
        self.link: Link | None = None  # the current socket
        self.rotating: str | None = None  # why a replacement is being opened
        self.rotations = 0
        self._replacing = False  # a replacement socket is being opened right now
        self._since = clock()  # start of the current connection
        self._rotate_at = rotate_at_age(
            timing.max_connection_age_s if timing.max_connection_age_s is not None
            else adapter.max_connection_age_s, timing)
        self._rates_at = (clock(), 0, 0)
        # Lag: the venue's tracker (shared by its connections), sampled on the
        # supervisor's tick from the newest quote, so the hot loop only keeps a reference.
        self.lag = lag
        self.lag_stale: str | None = None  # why the venue is too late to use, if it is
        self._last_quote: Quote | None = None
        # The venue's clock, refreshed beside this connection's run (one connection per
        # venue carries it; the others share the tracker that reads it).
        self.venue_clock: VenueClock | None = None
        self._sampled: Quote | None = None
        self.depth = depth  # L2 books instead of the top-of-book channel, when set
        self.resyncs: dict[str, int] = {}

    # -- status ---------------------------------------------------------------------

    def status(self) -> FeedStatus:
        """Rates since the previous status; sets the baseline for the next one."""
        now = self._clock()
        then, frames, quotes = self._rates_at
        span = now - then
        self._rates_at = (now, self.frames, self.quotes)
        return FeedStatus(
            venue=self.adapter.venue,
            connection=self.connection,
            state=self.state,
            frames_per_s=(self.frames - frames) / span if span > 0 else 0.0,
            quotes_per_s=(self.quotes - quotes) / span if span > 0 else 0.0,
            last_frame_age_s=None if self.last_frame is None else now - self.last_frame,
            reconnects=self.reconnects,
            drops=self.drops.as_dict(),
            last_error=self.last_error,
            ts_ns=self._wall_ns(),
            rotating=self.rotating,
            rotations=self.rotations,
            resyncs=dict(self.resyncs),
            books_resyncing=0 if self.link is None or self.link.resyncer is None
            else self.link.resyncer.under_way,
            **self._lag_fields(now),
        )

    def _lag_fields(self, now: float) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.state is FeedState.STALE:
            out["stale_reason"] = self.lag_stale or (
                f"no frame for {now - self.last_frame:.1f} s" if self.last_frame is not None
                else "no frame yet")
        if self.lag is not None:
            f = self.lag.figures(now)
            out.update(lag_p50_ms=f.p50_ms, lag_p99_ms=f.p99_ms, lag_samples=f.samples,
                       lag_note=f.note, clock_offset_ms=f.offset_ms)
        return out

    def _set(self, state: FeedState) -> None:
        if state is FeedState.LIVE and self.lag_stale is not None:
            state = FeedState.STALE  # the venue's lag holds it out (`_judge_lag`)
        if state is not self.state:
            self.state = state
            self.sink.on_feed_status(self.status())

    async def _report(self) -> NoReturn:
        while True:
            await self._sleep(self.timing.status_s)
            self.sink.on_feed_status(self.status())

    # -- connection lifecycle -------------------------------------------------------

    async def _start(self, link: Link) -> None:
        """Receive on the link, then subscribe in the venue's batches and pace. The
        link's symbols are ordered afresh by the gate: its pushes are the venue's now."""
        self.gate.new_connection(s for v in self.venue_ids if (s := self._symbols(v)))
        link.rx = asyncio.create_task(self._receive(link), name=f"feed-rx-{self.adapter.venue}")
        frames = self.adapter.subscribe_frames(self.venue_ids, depth=self.depth is not None)
        link.expected_acks = len(self.venue_ids) if self.adapter.ack_per_arg else len(frames)
        gap = 1.0 / self.adapter.limits.sends_per_s
        for i, frame in enumerate(frames):
            if i:
                await self._sleep(gap)
            await link.ws.send_str(frame)

    async def _receive(self, link: Link) -> NoReturn:
        """The hot loop: every frame to the parser, its quote through the gate
        (`arbot.exchanges.quotegate`) to the sink, its other events to `_control`."""
        ws = link.ws
        parser = link.parser
        quote = parser.quote
        events = parser.events
        deliver = self._deliver
        clock, wall_ns = self._clock, self._wall_ns
        record = self._raw
        live = FeedState.LIVE
        while True:
            msg = await ws.receive()
            kind = msg.type
            if kind is _TEXT or kind is _BINARY:
                self.frames += 1
                self.last_frame = clock()
                now = wall_ns()
                data = msg.data
                if record is not None:
                    record(data, now)
                q = quote(data, now)
                if q is not None:
                    deliver(q, link)
                if events:  # acks, errors, notices; further quotes of a multi-row push
                    for event in events:
                        if type(event) is Quote:
                            deliver(event, link)
                        else:
                            self._control(event, link)
                    events.clear()
                if self.state is not live and link.quoted:
                    self._set(live)  # first quote on this socket, or frames resumed
                if not self.frames & _YIELD_MASK:
                    # While frames are buffered, receive() returns without suspending:
                    # give the loop a turn so the UI, timers and other venues keep up.
                    await asyncio.sleep(0)
            elif kind is aiohttp.WSMsgType.ERROR:
                raise Reconnect(f"socket error: {ws.exception()}")
            else:
                raise Reconnect(f"closed by the venue (code {ws.close_code})")

    def _deliver(self, q: Quote, link: Link) -> None:
        """One quote to the sink, the steady state in the fewest steps: skipped if the
        replacement socket speaks for its symbol, counted if the gate refuses it."""
        successor = link.successor
        if successor is not None and q.symbol in successor.claimed:
            return  # the replacement speaks for this symbol now
        why = self._check(q)
        if why is not None:
            self.drops.add(why)
            return
        if link.claiming:
            link.claimed.add(q.symbol)
        self.quotes += 1
        self._on_quote(q)
        self._last_quote = q  # for the lag sample, on the supervisor's tick
        if not link.quoted:
            link.first_quote()

    def _control(self, event: object, link: Link) -> None:
        if isinstance(event, SubscribeAck):
            link.ack()
        elif isinstance(event, VenueError):
            self.last_error = f"venue error {event.code}: {event.message}".rstrip(": ")
            self.sink.on_feed_status(self.status())
        elif isinstance(event, ShutdownNotice):
            link.ask_rotation(f"venue notice: {event.message}")
        elif isinstance(event, BookResync):
            if event.reason != NO_SNAPSHOT:  # a book's first snapshot is no fault
                self.resyncs[event.reason] = self.resyncs.get(event.reason, 0) + 1
            if link.resyncer is not None:
                link.resyncer.request(event, link.ws, link.parser)

    def _judge_lag(self, lag: LagTracker, link: Link, now: float, heard: bool) -> None:
        """Sample the newest quote and hold the connection STALE while the venue's lag is
        over `[feeds] max_lag_ms`; LIVE again once it is back under (and frames flow)."""
        quote = self._last_quote
        if quote is not None and quote is not self._sampled:
            self._sampled = quote
            lag.add(quote, now)
        was = self.lag_stale
        self.lag_stale = lag.verdict(now)
        if self.lag_stale is not None:
            if link.quoted and self.state is not FeedState.STALE:
                self._set(FeedState.STALE)
        elif was is not None and self.state is FeedState.STALE and link.quoted and heard:
            self._set(FeedState.LIVE)

    async def _supervise(self, link: Link) -> NoReturn:
        """Heartbeats, watchdogs, the ack timeout and the age limit, checked every tick."""
        ws = link.ws
        t = self.timing
        hb = self.adapter.heartbeat
        interval = t.heartbeat_s if t.heartbeat_s is not None else hb.interval_s
        last_ping = self._clock()
        acks_checked = False
        while True:
            await self._sleep(t.tick_s)
            now = self._clock()
            last = self.last_frame
            since_frame = now - (last if last is not None and last > self._since else self._since)
            if since_frame >= t.silence_s:
                raise Reconnect(f"no data for {since_frame:.0f} s")
            if since_frame >= t.stale_after_s and self.state is FeedState.LIVE:
                self._set(FeedState.STALE)
            if self.lag is not None:
                self._judge_lag(self.lag, link, now, since_frame < t.stale_after_s)
            if hb.frame is not None:
                waited = min(now - last_ping, since_frame) if hb.idle_only else now - last_ping
                if waited >= interval:
                    await ws.send_str(hb.frame)
                    last_ping = now
            if not acks_checked and now - self._since >= t.ack_timeout_s:
                acks_checked = True
                if not link.acked:
                    self.last_error = (
                        f"{link.expected_acks - link.acks} of {link.expected_acks} "
                        f"subscriptions not acknowledged within {t.ack_timeout_s:g} s"
                    )
                    self.sink.on_feed_status(self.status())
            if self._rotate_at is not None and now - link.opened_at >= self._rotate_at:
                link.ask_rotation(f"connection {now - link.opened_at:.0f} s old, the venue "
                                  "cuts it at its documented age")


