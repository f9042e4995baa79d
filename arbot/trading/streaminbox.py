"""What the venues' private streams told the live executor: each order's latest state,
the balances they pushed, and whether each stream is live (and since which socket).

The private feeds deliver here (`PrivateSink`) synchronously; an order placed by the
trader waits here for its final update (`final`) instead of polling REST. The wait ends
without an answer, so the caller looks the order up over REST, when the stream is
silent about it for the wait, when the stream is not live, or when it went through a
reconnect since the order was sent (pushes in the gap are lost, and the venues do not
replay them). An update may arrive before the REST answer to the order does, so updates
are kept (the newest `KEEP` orders) whether or not anyone waits for them yet.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Callable, Mapping

from arbot.domain import Balance, Venue
from arbot.privateevents import (
    BalanceUpdate,
    OrderUpdate,
    PrivateEvent,
    StreamState,
    StreamStatus,
)

KEEP = 4096
StreamBalances = Callable[[Venue, dict[str, Balance]], None]
"""A hook for whoever checks balances: (venue, the balances its stream just pushed)."""

Key = tuple[Venue, str]


def newer(old: OrderUpdate | None, new: OrderUpdate) -> bool:
    """Whether `new` tells more than `old`: a final state is never undone by a late
    non-final push (venues may repeat or reorder pushes), and fills only grow."""
    if old is None:
        return True
    if old.status.final and not new.status.final:
        return False
    return new.filled_qty >= old.filled_qty


def streams_line(streams: Mapping[Venue, StreamStatus]) -> str:
    """One line for a status display: each venue's private stream (and the account's
    mode where the venue has modes) and, when the venue refuses the keys, why (its
    trading is paused); "" with no stream (paper)."""
    parts = []
    for venue, s in sorted(streams.items()):
        text = f"{venue} {s.state}"
        if s.account_mode:
            text += f" ({s.account_mode} account)"
        if s.state is StreamState.REFUSED:
            text += f" ({s.refused})"
        elif s.reconnects:
            text += f" (reconnects {s.reconnects})"
        parts.append(text)
    return "private  " + ", ".join(parts) if parts else ""


class StreamInbox:
    """Every venue's private stream, as the live executor reads it."""

    def __init__(self) -> None:
        self.status: dict[Venue, StreamStatus] = {}
        self.balances: dict[Venue, dict[str, Balance]] = {}
        self.on_balances: StreamBalances | None = None
        self._orders: OrderedDict[Key, OrderUpdate] = OrderedDict()
        self._waiting: dict[Key, set[asyncio.Event]] = {}  # one per waiter

    # -- PrivateSink ----------------------------------------------------------------

    def on_private(self, event: PrivateEvent) -> None:
        if isinstance(event, OrderUpdate):
            if not event.client_id:
                return  # not one of ours: every order ArBot sends has a client id
            key = (event.venue, event.client_id)
            if newer(self._orders.get(key), event):
                self._orders[key] = event
                self._orders.move_to_end(key)
                while len(self._orders) > KEEP:
                    self._orders.popitem(last=False)
                self._wake(key)
        elif isinstance(event, BalanceUpdate):
            held = self.balances.setdefault(event.venue, {})
            if event.snapshot:
                held.clear()
            held.update(event.balances)
            if self.on_balances is not None:
                self.on_balances(event.venue, dict(event.balances))
        # A Fill is one execution; the order update that carries it is what counts.

    def on_stream_status(self, status: StreamStatus) -> None:
        before = self.status.get(status.venue)
        self.status[status.venue] = status
        if before is None or before.epoch != status.epoch or before.state != status.state:
            for key in [k for k in self._waiting if k[0] is status.venue]:
                self._wake(key)

    # -- reading --------------------------------------------------------------------

    def live_epoch(self, venue: Venue) -> int | None:
        """The epoch of the venue's live stream; None when it is not live."""
        s = self.status.get(venue)
        return s.epoch if s is not None and s.state is StreamState.LIVE else None

    def refused(self, venue: Venue) -> str:
        """The venue's refusal of our keys on its stream ("" when none)."""
        s = self.status.get(venue)
        return s.refused if s is not None else ""

    def status_line(self) -> str:
        """One line for the status output (`streams_line`), also before any stream."""
        return streams_line(self.status) or "private  no stream yet"

    def latest(self, venue: Venue, client_id: str) -> OrderUpdate | None:
        return self._orders.get((venue, client_id))

    async def final(self, venue: Venue, client_id: str, epoch: int, wait_s: float
                    ) -> OrderUpdate | None:
        """The order's final update once pushed, if within `wait_s` and while the stream
        stays live on `epoch`; else None."""
        key = (venue, client_id)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait_s
        while True:
            update = self._orders.get(key)
            if update is not None and update.status.final:
                return update
            left = deadline - loop.time()
            if self.live_epoch(venue) != epoch or left <= 0:
                return None
            event = asyncio.Event()
            waiters = self._waiting.setdefault(key, set())
            waiters.add(event)
            try:
                async with asyncio.timeout(left):
                    await event.wait()
            except TimeoutError:
                pass
            finally:
                waiters.discard(event)
                if not waiters and self._waiting.get(key) is waiters:
                    del self._waiting[key]

    def _wake(self, key: Key) -> None:
        """Every waiter of the order (two may wait: one giving up, one starting)."""
        for event in self._waiting.pop(key, ()):
            event.set()
