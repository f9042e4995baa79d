"""The one market-data socket loop, for every venue (docs/design.md, "One feed loop").

Per connection (`Feed.run`): connect, subscribe in the venue's batches, receive (the
per-socket work is `arbot.exchanges.feedbase`), and reconnect on close, error or a silent
socket, with the backoff and quarantine of `arbot.exchanges.reconnect`; other venues
carry on. A venue's shutdown notice, or a connection nearing the age at which the venue
cuts it, starts a planned rotation instead: a replacement socket (`arbot.exchanges.link`)
is opened and subscribed beside the old one, which is closed only once the replacement
has every subscription acknowledged and has quoted. The connection stays LIVE on the old
socket meanwhile, so the engine keeps its quotes, and a rotation is neither a reconnect
nor a failure.
"""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack
from typing import NoReturn

import aiohttp

from arbot.depth.board import VENUE_ORDER
from arbot.domain import FeedState
from arbot.exchanges.base import Adapter
from arbot.exchanges.feedbase import FeedBase
from arbot.exchanges.feedbase import aiohttp_connect as aiohttp_connect
from arbot.exchanges.link import Link
from arbot.exchanges.reconnect import Reconnect, backoff_delay
from arbot.exchanges.resync import DepthFeed, Resyncer


class Feed(FeedBase):
    """One venue connection: its sockets one after another; `run()` never returns."""

    async def run(self) -> NoReturn:
        reporter = asyncio.create_task(
            self._report(), name=f"feed-status-{self.adapter.venue}-{self.connection}"
        )
        keeper = None if self.venue_clock is None else asyncio.create_task(
            self.venue_clock.run(), name=f"feed-clock-{self.adapter.venue}")
        try:
            while True:
                await self._session()
        finally:
            reporter.cancel()
            if keeper is not None:
                keeper.cancel()
                await asyncio.gather(keeper, return_exceptions=True)

    async def _session(self) -> None:
        """One connection from connect to its end, then the wait before the next."""
        self._set(FeedState.CONNECTING)
        self._since = self._clock()
        failure = True
        opened = False
        try:
            link = await self._open()
            opened = True
            self._set(FeedState.SUBSCRIBING)
            await self._serve(link)
        except asyncio.CancelledError:
            raise
        except Reconnect as exc:
            self.last_error, failure = exc.reason, exc.failure
        except TimeoutError:
            self.last_error = f"connect timed out after {self.timing.connect_timeout_s:g} s"
        except (aiohttp.ClientError, OSError) as exc:
            self.last_error = f"{'connection lost' if opened else 'connect failed'}: {exc}"
        self.link, self.rotating = None, None
        await self._after_session(failure)

    async def _after_session(self, failure: bool) -> None:
        self.reconnects += 1
        if self.state in (FeedState.LIVE, FeedState.STALE) and (
            self._clock() - self._since >= self.timing.healthy_s
        ):
            self.failures = 0  # a long healthy run forgives earlier failures
        if not failure:
            self._set(FeedState.RECONNECTING)
            return
        self.failures += 1
        if self.failures >= self.timing.quarantine_after:
            self.last_error = (
                f"quarantined for {self.timing.quarantine_s:g} s after {self.failures} "
                f"failures in a row; last: {self.last_error}"
            )
            self._set(FeedState.QUARANTINED)
            self.failures = 0
            await self._sleep(self.timing.quarantine_s)
            return
        self._set(FeedState.RECONNECTING)
        await self._sleep(backoff_delay(self.failures, self.timing, self._rng))

    async def _open(self) -> Link:
        """Connect a new socket (not yet subscribed)."""
        stack = AsyncExitStack()
        try:
            async with asyncio.timeout(self.timing.connect_timeout_s):
                ws = await stack.enter_async_context(self._connect(self.url))
        except BaseException:
            await stack.aclose()
            raise
        depth = self.depth
        if depth is None:
            return Link(ws, stack, self.adapter.new_parser(self._symbols, self.drops,
                                                           self.venue_ids), self._clock())
        adapter = self.adapter
        assert isinstance(adapter, Adapter)  # depth books come from public channels only
        link = Link(ws, stack, adapter.new_depth_parser(self._symbols, self.drops,
                                                        depth.board), self._clock())
        link.resyncer = self._resyncer(depth, link)
        return link

    def _resyncer(self, depth: DepthFeed, link: Link) -> Resyncer:
        """The link's book resyncs, over this connection's symbols."""
        venue_ids = {s: v for v in self.venue_ids if (s := self._symbols(v)) is not None}
        adapter = self.adapter
        assert isinstance(adapter, Adapter)
        venue = adapter.venue

        def synced(symbol: str) -> bool:
            book = depth.board.books[VENUE_ORDER.index(venue)].get(symbol)
            return book is not None and book.synced

        return Resyncer(adapter, venue_ids, depth.fetch, lambda q: self._deliver(q, link),
                        synced, raw_snapshot=depth.raw_snapshot, clock=self._clock,
                        wall_ns=self._wall_ns, sleep=self._sleep)

    async def _serve(self, link: Link) -> NoReturn:
        """Receive on `link` and, after each planned rotation, on its replacement."""
        try:
            while True:
                self.link, self._since = link, link.opened_at
                replacement = await self._until_replaced(link)
                old, link = link, replacement
                await old.close()  # break, after make
                self.rotations += 1
                self.rotating = None
                self.sink.on_feed_status(self.status())
        finally:
            await link.close()

    async def _until_replaced(self, link: Link) -> Link:
        """Run the link (subscribing it if new) until a rotation's replacement is ready,
        which is returned; the link's end (closed, silent) is raised as `Reconnect`."""
        if link.rx is None:
            await self._start(link)
        assert link.rx is not None
        supervisor = asyncio.create_task(self._supervise(link),
                                         name=f"feed-sv-{self.adapter.venue}")
        rotation = asyncio.create_task(self._rotation(link),
                                       name=f"feed-rotate-{self.adapter.venue}")
        try:
            done, _ = await asyncio.wait({link.rx, supervisor, rotation},
                                         return_when=asyncio.FIRST_COMPLETED)
            if rotation in done:
                return rotation.result()
            supervisor.cancel()
            link.lost = True
            if self._replacing:  # the venue closed first: the replacement is on its way
                self._set(FeedState.SUBSCRIBING)
                return await rotation
            if link.rotate.is_set():  # an expected close, so no backoff
                raise Reconnect(f"closed before its planned rotation ({link.rotate_reason})",
                                failure=False)
            for task in done:
                task.result()  # raises what ended the link
            raise AssertionError("a link's tasks end only by raising")
        finally:
            for task in (supervisor, rotation):
                task.cancel()
            await asyncio.gather(supervisor, rotation, return_exceptions=True)

    async def _rotation(self, link: Link) -> Link:
        """Once the link asks to be replaced: a new socket, subscribed and ready.

        A failed attempt leaves the old socket serving and is tried again after a
        backoff; it does not count towards quarantine (the connection is still up)."""
        await link.rotate.wait()
        self.rotating = link.rotate_reason
        self.sink.on_feed_status(self.status())
        attempt = 0
        while True:
            self._replacing = True
            try:
                return await self._replacement(link)
            except asyncio.CancelledError:
                raise
            except (Reconnect, TimeoutError, aiohttp.ClientError, OSError) as exc:
                if link.lost:
                    raise  # the old socket is gone too: an ordinary (failed) reconnect
                attempt += 1
                why = str(exc) or "connect timed out"
                self.last_error = f"rotation attempt {attempt} failed: {why}"
                self.sink.on_feed_status(self.status())
            finally:
                self._replacing = False
            await self._sleep(backoff_delay(attempt, self.timing, self._rng))

    async def _replacement(self, old: Link) -> Link:
        """A new socket, subscribed, every subscription acknowledged and a quote seen."""
        new = await self._open()
        new.claiming, old.successor = True, new
        try:
            await self._start(new)
            wait = self.timing.ack_timeout_s
            try:
                async with asyncio.timeout(wait):
                    await new.ready.wait()
            except TimeoutError:
                raise Reconnect(f"the replacement was not acknowledged and quoting within "
                                f"{wait:g} s") from None
        except BaseException:
            old.successor = None
            await new.close()
            raise
        new.claiming = False
        return new

