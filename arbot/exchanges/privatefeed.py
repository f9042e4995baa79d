"""One venue's private stream (orders, fills, balances) over the one feed loop.

`PrivateFeed` is a `Feed`: the same connect, capped jittered backoff, quarantine,
heartbeat, silence watchdog and planned rotations. What differs is the start of each
socket: the signed login goes first (signed with the venue's clock, the private REST
client's measured offset), the subscriptions only once the venue accepted it, and the
socket counts as live once every subscription is acknowledged. Its status goes to the
trader as a `StreamStatus`, never to the market-data status (its quiet is not staleness).

A refused login (unknown or revoked key, wrong secret or passphrase, expired timestamp)
is logged once, in one clear message, and reported as REFUSED, which pauses trading on
that venue until a later login succeeds; an expired timestamp also re-measures the
venue's clock before the next attempt. Each socket that goes live outside a planned
rotation starts a new `epoch`: pushes sent between two sockets are lost, so an order
open across an epoch is looked up over REST.

Where the stream depends on the account's mode (a classic and a unified account's streams),
a mode change found by the REST client (`follow_mode`) moves the stream at once: the
socket on the old mode's stream is closed and the next one opens on the new mode's,
without backoff (it is no failure), instead of waiting for an unrelated reconnect.
"""

from __future__ import annotations

import asyncio
import logging
import math
import random
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import NoReturn

from arbot.domain import FeedState, FeedStatus, Quote, SubscribeAck, Venue
from arbot.exchanges.drops import DropCounter
from arbot.exchanges.feed import Feed
from arbot.exchanges.feedadapter import Heartbeat, Limits
from arbot.exchanges.feedbase import Connect
from arbot.exchanges.frameparser import FrameParser
from arbot.exchanges.link import Link
from arbot.exchanges.privatewire import LoginProblem, LoginResult, PrivateParser, StreamProtocol
from arbot.exchanges.reconnect import FeedTiming, Reconnect
from arbot.exchanges.signing import Credentials, scrub
from arbot.privateevents import PrivateEvent, PrivateSink, StreamState, StreamStatus
from arbot.venues import VENUES

log = logging.getLogger("arbot.private")

# A private stream is quiet between trades: never "stale" for that; the heartbeat's
# answers are what keeps the silence watchdog fed.
PRIVATE_TIMING = FeedTiming(stale_after_s=math.inf, silence_s=60.0)

_STATES = {FeedState.CONNECTING: StreamState.CONNECTING,
           FeedState.SUBSCRIBING: StreamState.LOGGING_IN,
           FeedState.LIVE: StreamState.LIVE, FeedState.STALE: StreamState.LIVE}


class _Facade:
    """The stream protocol as the feed loop sees an adapter."""

    def __init__(self, stream: StreamProtocol, deliver: Callable[[PrivateEvent], None]
                 ) -> None:
        self.stream = stream
        self._deliver = deliver

    @property
    def venue(self) -> Venue:
        return self.stream.venue

    @property
    def heartbeat(self) -> Heartbeat:
        return self.stream.heartbeat

    @property
    def limits(self) -> Limits:
        return self.stream.limits

    @property
    def ack_per_arg(self) -> bool:
        return False

    @property
    def max_connection_age_s(self) -> float | None:
        return self.stream.max_connection_age_s

    def subscribe_frames(self, venue_ids: Sequence[str], depth: bool = False) -> list[str]:
        return self.stream.subscribe_frames()

    def new_parser(self, symbols: Callable[[str], str | None], drops: DropCounter,
                   ids: Sequence[str] = ()) -> FrameParser:
        return self.stream.new_parser(drops, self._deliver, _unbound)


def _unbound(result: LoginResult) -> None:
    raise AssertionError("a private parser's login answer is bound to its socket")


class _Relay:
    """The feed loop's sink: no quotes, and statuses turned into the stream's own."""

    def __init__(self, feed: PrivateFeed) -> None:
        self._feed = feed

    def on_quote(self, quote: Quote) -> None:
        """A private stream carries none."""

    def on_feed_status(self, status: FeedStatus) -> None:
        self._feed.relay(status)


class PrivateFeed(Feed):
    """One venue's private stream with one set of keys; `run()` never returns.

    `timestamp_ms` is the venue's clock now (the private REST client's), `sync_clock`
    re-measures it after the venue called a login's timestamp expired."""

    def __init__(self, stream: StreamProtocol, url: str, credentials: Credentials,
                 sink: PrivateSink, connect: Connect, *,
                 timestamp_ms: Callable[[], int],
                 sync_clock: Callable[[], Awaitable[object]] | None = None,
                 timing: FeedTiming = PRIVATE_TIMING,
                 clock: Callable[[], float] = time.monotonic,
                 wall_ns: Callable[[], int] = time.time_ns,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
                 rng: random.Random | None = None) -> None:
        self.stream = stream
        self.private_sink = sink
        self.epoch = 0
        self.refused = ""  # the venue's refusal of the keys, until a login succeeds
        self._creds = credentials
        self._timestamp_ms = timestamp_ms
        self._sync_clock = sync_clock
        self._resync = False
        self._moving = ""  # why the open socket is being closed for the mode's stream
        self._logged_in: set[Link] = set()
        self._sends: set[asyncio.Task[None]] = set()
        super().__init__(_Facade(stream, sink.on_private), url, [], lambda s: s, _Relay(self),
                         connect, timing=timing, clock=clock, wall_ns=wall_ns, sleep=sleep,
                         rng=rng)
        self.configured_url = url  # the venue's main stream; `stream.url` picks the one

    # -- status ---------------------------------------------------------------------

    def relay(self, status: FeedStatus) -> None:
        """The feed loop's status, as the trader reads it."""
        state = StreamStatus(
            venue=status.venue, epoch=self.epoch, reconnects=status.reconnects,
            state=StreamState.REFUSED if self.refused else _STATES.get(
                status.state, StreamState.RECONNECTING),
            last_error=status.last_error, refused=self.refused, ts_ns=status.ts_ns,
            account_mode=VENUES[status.venue].mode_label(self.stream.account_mode()))
        self.private_sink.on_stream_status(state)

    # -- the account's mode -----------------------------------------------------------

    def follow_mode(self) -> None:
        """The account's mode may have moved: if the stream for the mode now is not the
        open socket's, close it so the next one opens there (a socket still connecting
        opens on the stream of the mode it was started for, and is moved once open)."""
        link = self.link
        url = self.stream.url(self.configured_url)
        if link is None or url == self.url or self._moving:
            return
        self._moving = f"the account's mode moved: reconnecting on {url}"
        log.info("%s: %s", self.stream.venue, self._moving)
        task = asyncio.create_task(self._close(link), name=f"private-move-{self.stream.venue}")
        self._sends.add(task)
        task.add_done_callback(self._sends.discard)

    @staticmethod
    async def _close(link: Link) -> None:
        await link.ws.close()

    async def _after_session(self, failure: bool) -> None:
        if self._moving:  # closed on purpose: no failure, no backoff
            self.last_error, self._moving, failure = self._moving, "", False
        await super()._after_session(failure)

    # -- each socket ----------------------------------------------------------------

    async def _open(self) -> Link:
        self.url = self.stream.url(self.configured_url)  # the account's mode may have moved
        link = await super()._open()
        if self.stream.url(self.configured_url) != self.url:  # it moved while connecting
            asyncio.get_running_loop().call_soon(self.follow_mode)
        parser = link.parser
        assert isinstance(parser, PrivateParser)
        parser.on_login = lambda result: self._login(result, link)
        return link

    async def _start(self, link: Link) -> None:
        """Receive, then send the signed login; the subscriptions follow its answer."""
        if self._resync and self._sync_clock is not None:
            self._resync = False
            try:
                await self._sync_clock()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the login below says whether it mattered
                log.warning("%s: re-measuring the clock failed: %s", self.stream.venue, exc)
        link.rx = asyncio.create_task(self._receive(link),
                                      name=f"private-rx-{self.stream.venue}")
        link.expected_acks = len(self.stream.subscribe_frames())
        for frame in self.stream.login_frames(self._creds, self._timestamp_ms()):
            await link.ws.send_str(frame)

    def _login(self, result: LoginResult, link: Link) -> None:
        """The venue's answer to the login, on the socket that sent it."""
        if result.ok:
            self._logged_in.add(link)
            frames = self.stream.subscribe_frames()
            if frames:
                task = asyncio.create_task(self._send(link, frames),
                                           name=f"private-subscribe-{self.stream.venue}")
                self._sends.add(task)
                task.add_done_callback(self._sends.discard)
            else:
                self._went_live(link)
            return
        message = scrub(result.text(), self._creds.redactions())
        if message != self.refused:
            log.error("%s; trading on %s is paused until it logs in", message,
                      self.stream.venue)
        self.refused = self.last_error = message
        self._resync = result.problem is LoginProblem.TIMESTAMP
        self.relay(self.status())
        raise Reconnect(message)

    async def _send(self, link: Link, frames: list[str]) -> None:
        gap = 1.0 / self.stream.limits.sends_per_s
        for i, frame in enumerate(frames):
            if i:
                await self._sleep(gap)
            await link.ws.send_str(frame)

    def _control(self, event: object, link: Link) -> None:
        super()._control(event, link)
        if isinstance(event, SubscribeAck) and link.acked and link in self._logged_in:
            self._went_live(link)

    def _went_live(self, link: Link) -> None:
        """Logged in and every subscription acknowledged: pushes flow from here on."""
        if link.quoted:
            return
        if not link.claiming:  # a rotation's replacement overlaps the old socket
            self.epoch += 1
        if self.refused:
            log.info("%s: the private stream logged in again; trading resumes",
                     self.stream.venue)
        self.refused = ""
        self.last_error = None
        link.first_quote()
        self._set(FeedState.LIVE)
        self.relay(self.status())

    async def _serve(self, link: Link) -> NoReturn:
        try:
            await super()._serve(link)
        finally:
            self._logged_in.clear()
