"""A connection's depth subscriptions: what `arbot.sim.depthhub` pushes reaches them.

A depth channel pushes from the venue's shared book, not from the connection's own
round of L1 frames, so a session queues those pushes as they come (the steady profile
sends them at its next round; the market profile's session puts them in its outbox,
behind the L1 frames sent before). A new subscription starts the venue's book and,
where the channel documents one, gets the whole book first.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable

from arbot.domain import Venue
from arbot.sim.depthbook import DepthEvent
from arbot.sim.shared import Shared
from arbot.sim.wire import Ctx, Sub, VenueProtocol, dumps


class DepthSubscriber:
    """The depth side of a `Session` (which provides the attributes declared here)."""

    shared: Shared
    venue: Venue
    ctx: Ctx
    proto: VenueProtocol
    _depth_out: deque[tuple[str, bytes]]
    """(subscription key, frame) queued for the steady profile's next round."""

    def listens(self, symbol: str) -> bool:
        """Subscribed to the depth channel of `symbol`."""
        return any(s.depth and s.symbol == symbol for s in self.ctx.subs.values())

    def depth(self, symbol: str, events: list[DepthEvent]) -> None:
        """The venue pushed `events` for `symbol`: queue them on its depth subscriptions."""
        for sub in [s for s in self.ctx.subs.values() if s.depth and s.symbol == symbol]:
            for event in events:
                self._queue_depth(sub, event)

    def _start_depth(self, subs: Iterable[Sub]) -> list[tuple[Sub, DepthEvent]]:
        """Start the venue's books of newly subscribed depth channels; the snapshots to
        send once they are subscribed (taken before, so no push is missed between)."""
        snapshots = []
        for sub in subs:
            if not sub.depth:
                continue
            self.shared.books.book(self.venue, sub.symbol)
            if self.proto.depth_snapshot:
                snapshots.append((sub, self.shared.books.snapshot(self.venue, sub.symbol)))
        return snapshots

    def _queue_depth(self, sub: Sub, event: DepthEvent) -> None:
        self._depth_out.append((sub.key, dumps(self.proto.depth_push(sub, event, self.ctx))))

    def _drop_depth(self, keys: set[str]) -> None:
        """Unsubscribed: what was queued for those subscriptions is not sent."""
        self._depth_out = deque(e for e in self._depth_out if e[0] not in keys)
