"""The trader's inbox: episodes the engine hands over, acted on off the tick path.

The engine calls `Trader.on_episode` from inside `Engine.on_quote`, and acting on an
episode (risk checks, the Decimal pre-flight, the intent committed to SQLite) costs
hundreds of microseconds. So the hand-over only appends to a bounded deque (O(1), no
awaits, no I/O) and, when the inbox drains itself, schedules a turn on the event loop
(`loop.call_soon`) that takes one item, so a burst of episodes interleaves with market
data. A backtest drains it itself after each quote (`drain`), which keeps the replay's
trades where they were. Every item not acted on is refused, counted by step and shown as
the last refusal, like every other refusal in the why-no-trade funnel:

* `queue_full`: `SIZE` episodes were already waiting;
* `stale`: the episode closed while it waited (its gap is gone);
* `queue_stale`: it waited longer than `STALE_NS` (the loop was too busy to act in time);
* `stopped`: it was still waiting when the trader stopped;
* `closed`: it arrived after the trader stopped.

HALT, pause and arming are not checked here: the trader checks them when it takes an
item, and again right before each order leaves.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable

from arbot.domain import EpisodeEvent

SIZE = 32
STALE_NS = 250_000_000

Act = Callable[[EpisodeEvent, int], None]  # (event, monotonic ns it was handed over)
Refuse = Callable[[str, str], None]  # (funnel step, reason)


class Inbox:
    """A bounded FIFO of episode events with the time each was handed over."""

    def __init__(self, act: Act, refuse: Refuse, mono_ns: Callable[[], int], *,
                 drains_itself: bool = True, size: int = SIZE, stale_ns: int = STALE_NS,
                 at_hand_over: bool = False) -> None:
        """`at_hand_over`: the trader acts as of each item's hand-over (a live paper trade
        on its modelled clock, `arbot.trading.papertape`, as its backtest, which takes
        each item at once): nothing taken is stale for closing or waiting since."""
        self.waiting: deque[tuple[EpisodeEvent, int]] = deque()
        self.stopped = ""  # why nothing more is taken ("" while open)
        self._act = act
        self._refuse = refuse
        self._mono = mono_ns
        self._drains_itself = drains_itself
        self._size = size
        self._stale_ns = stale_ns
        self._at_hand_over = at_hand_over
        self._closed_ids: set[str] = set()  # episodes that closed while items waited
        self._scheduled = False

    def __len__(self) -> int:
        return len(self.waiting)

    def put(self, event: EpisodeEvent) -> None:
        """On the tick path: queue the event or refuse it, nothing else."""
        if self.stopped:
            self._refuse("closed", f"{_what(event)} arrived after {self.stopped}")
            return
        if len(self.waiting) >= self._size:
            self._refuse("queue_full", f"{_what(event)} dropped: {self._size} episodes "
                                       "were already waiting for the trader")
            return
        self.waiting.append((event, self._mono()))
        if self._drains_itself and not self._scheduled:
            self._scheduled = True
            asyncio.get_running_loop().call_soon(self._turn)

    def episode_closed(self, episode_id: str) -> None:
        """An episode closed: an item of it still waiting is stale when taken."""
        if self.waiting:
            self._closed_ids.add(episode_id)

    def drain(self) -> None:
        """Take every waiting item now (a backtest, after each quote)."""
        while self.waiting:
            self._take()

    def stop(self, why: str = "the trader stopped") -> None:
        """Refuse what is waiting and everything handed over from now on."""
        self.stopped = why
        while self.waiting:
            event, _ = self.waiting.popleft()
            self._refuse("stopped", f"{_what(event)} was waiting when {why}")
        self._closed_ids.clear()

    def _turn(self) -> None:
        """One item per loop turn; the next turn is scheduled before acting, so an item
        that raises does not strand the rest."""
        self._scheduled = False
        if not self.waiting:
            return
        if len(self.waiting) > 1:
            self._scheduled = True
            asyncio.get_running_loop().call_soon(self._turn)
        self._take()

    def _take(self) -> None:
        event, at = self.waiting.popleft()
        if not self.waiting:
            closed, self._closed_ids = self._closed_ids, set()
        else:
            closed = self._closed_ids
        if self._at_hand_over:
            self._act(event, at)
            return
        if event.episode.id in closed:
            self._refuse("stale", f"{_what(event)} closed before the trader took it")
            return
        waited = self._mono() - at
        if waited > self._stale_ns:
            self._refuse("queue_stale", f"{_what(event)} waited {waited / 1e6:.0f} ms for "
                                        f"the trader (limit {self._stale_ns / 1e6:.0f} ms)")
            return
        self._act(event, at)


def _what(event: EpisodeEvent) -> str:
    e = event.episode
    return f"{e.symbol} {e.buy_venue}->{e.sell_venue}"
