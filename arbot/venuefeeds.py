"""One venue's market-data connections as one long-lived task that can be rebuilt in place.

The settings screen may turn a venue on or off, point it elsewhere or change the symbols
while ArBot runs. Only the venues whose feeds changed are restarted: their connections
are cancelled, reported DISABLED (so every sink stops counting on them), and a new set is
built from the new settings. The task itself lives as long as the runtime, so front ends
run it like any other (a Textual worker, a TaskGroup task) and never learn about restarts.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

from arbot.domain import FeedState, FeedStatus, Venue
from arbot.events import Sink, StatusSink
from arbot.exchanges.feed import Feed

log = logging.getLogger("arbot")

FeedBuilder = Callable[[Venue], Awaitable[list[Feed]]]


def disabled_status(venue: Venue, connection: int, why: str | None) -> FeedStatus:
    return FeedStatus(venue=venue, connection=connection, state=FeedState.DISABLED,
                      frames_per_s=0.0, quotes_per_s=0.0, last_frame_age_s=None, reconnects=0,
                      drops={}, last_error=why, ts_ns=time.time_ns())


class VenueFeeds:
    """The venue's current `feeds`, run until cancelled; `restart()` rebuilds them with
    `build` (which returns no feeds for a venue that is switched off)."""

    def __init__(self, venue: Venue, feeds: list[Feed], build: FeedBuilder,
                 sink: StatusSink) -> None:
        self.venue = venue
        self.feeds = feeds
        self._build = build
        self._sink = sink
        self._restart = asyncio.Event()
        self.restarts = 0

    def restart(self) -> None:
        """Rebuild the venue's connections from the current settings, soon."""
        self._restart.set()

    async def run(self) -> None:
        while True:
            await self._run_current()
            self._restart.clear()
            for feed in self.feeds:
                self._sink.on_feed_status(disabled_status(self.venue, feed.connection,
                                                          "restarting: settings changed"))
            self.feeds = await self._build(self.venue)
            self.restarts += 1
            log.info("%s feeds restarted with the new settings (%d connection%s)", self.venue,
                     len(self.feeds), "" if len(self.feeds) == 1 else "s")
            if not self.feeds:
                self._sink.on_feed_status(disabled_status(self.venue, 0, None))

    async def _run_current(self) -> None:
        """Run the feeds until a restart is asked for; a feed that fails ends the task
        with its error (a feed only ends by failing: it reconnects on its own)."""
        tasks = [asyncio.create_task(f.run(), name=f"feed-{self.venue}-{f.connection}")
                 for f in self.feeds]
        wake = asyncio.create_task(self._restart.wait(), name=f"feed-{self.venue}-restart")
        try:
            done, _ = await asyncio.wait([*tasks, wake], return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (*tasks, wake):
                task.cancel()
            await asyncio.gather(*tasks, wake, return_exceptions=True)
        for task in done:
            if task is not wake:
                task.result()  # raises the feed's error
                raise RuntimeError(f"{task.get_name()} ended")


class FeedBoard(Sink):
    """The latest status of every connection, for status lines, the UI and tests."""

    def __init__(self) -> None:
        self.latest: dict[tuple[Venue, int], FeedStatus] = {}

    def on_feed_status(self, status: FeedStatus) -> None:
        self.latest[(status.venue, status.connection)] = status

    def venue_states(self) -> dict[Venue, FeedState]:
        """Per venue, the worst state among its active connections (LIVE only if all
        are); DISABLED only when every connection is (a restart left old ones behind)."""
        order = list(FeedState)
        worst: dict[Venue, FeedState] = {}
        for status in self.active():
            venue = status.venue
            if venue not in worst or order.index(status.state) > order.index(worst[venue]):
                worst[venue] = status.state
        return worst

    def active(self) -> list[FeedStatus]:
        """Each venue's connections that are not DISABLED, or its DISABLED ones when it
        has nothing else, in (venue, connection) order."""
        live = {v for (v, _), s in self.latest.items() if s.state is not FeedState.DISABLED}
        return [s for (v, _), s in sorted(self.latest.items())
                if v not in live or s.state is not FeedState.DISABLED]
