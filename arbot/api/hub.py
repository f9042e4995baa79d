"""The event stream's source: a sink that turns episodes, trades and state changes into
events for every `/api/stream` subscriber.

Each subscriber has a bounded queue; one that falls behind loses its oldest events (and
is told how many), never stalls the engine, which calls the sink synchronously.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Callable

import msgspec

from arbot.api.convert import episode_out, iso, trade_out
from arbot.api.schemas import Event
from arbot.domain import EpisodeEvent, FeedState, FeedStatus, TradeOutcome, Venue
from arbot.events import Sink
from arbot.tradekinds import LegOutcome, TradeStatus, TradingMode
from arbot.trading.risk import TradingState

QUEUE_SIZE = 1000
STATUS_S = 5.0  # the stream's periodic status event (README, OpenAPI description)


class Subscriber:
    def __init__(self) -> None:
        self.queue: asyncio.Queue[Event] = asyncio.Queue(QUEUE_SIZE)
        self.lost = 0

    def put(self, event: Event) -> None:
        if self.queue.full():
            self.queue.get_nowait()
            self.lost += 1
        self.queue.put_nowait(event)


class EventHub(Sink):
    """A sink (feed statuses, episodes, trades) and the subscribers. Quotes are not
    streamed (GET /api/quotes has the latest)."""

    def __init__(self, mode: TradingMode, wall_ns: Callable[[], int] = time.time_ns) -> None:
        self.mode = mode
        self._subscribers: set[Subscriber] = set()
        self._venue_states: dict[tuple[Venue, int], FeedState] = {}
        self._wall = wall_ns
        self._trading_state: TradingState | None = None
        # Settled trades by how they ended, since the start (the metrics count them).
        self.trades: Counter[tuple[TradeStatus, LegOutcome]] = Counter()

    def subscribe(self) -> Subscriber:
        sub = Subscriber()
        self._subscribers.add(sub)
        return sub

    def unsubscribe(self, sub: Subscriber) -> None:
        self._subscribers.discard(sub)

    def publish(self, kind: str, data: dict[str, object]) -> None:
        if not self._subscribers:
            return
        event = Event(kind, iso(self._wall()), data)
        for sub in self._subscribers:
            sub.put(event)

    # -- the sink ----------------------------------------------------------------------

    def on_feed_status(self, status: FeedStatus) -> None:
        key = (status.venue, status.connection)
        if self._venue_states.get(key) is not status.state:
            self._venue_states[key] = status.state
            self.publish("status", {"venue": status.venue.value,
                                    "connection": status.connection,
                                    "state": status.state.value,
                                    "detail": status.last_error})

    def on_episode(self, event: EpisodeEvent) -> None:
        data = msgspec.to_builtins(episode_out(event.episode))
        self.publish("episode", {"event": event.kind.value, **data})

    def on_trade(self, outcome: TradeOutcome) -> None:
        """Every change is published; a trade is counted once, when it settles (one held
        open for a venue's answer is published open first)."""
        if outcome.status is not TradeStatus.OPEN:
            self.trades[(outcome.status, outcome.leg_outcome)] += 1
        self.publish("trade", msgspec.to_builtins(trade_out(outcome, self.mode, self._wall())))

    def trading_state(self, state: TradingState, reason: str) -> None:
        """Publish the trader's state when it changed (called by control and a poll)."""
        if state is not self._trading_state:
            self._trading_state = state
            self.publish("status", {"trading_state": state.value, "trading_reason": reason})
