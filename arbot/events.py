"""Sinks: the typed seams that quotes, feed statuses, episodes, settled trades and balance
drifts flow through, and the fan-out that feeds them.

The hot path calls sinks synchronously; a sink that does anything slow (the database, the
UI) buffers on its own side, so no sink can stall market data.

A part that feeds one kind of event takes the small Protocol for it (the engine an
`EpisodeSink`, a feed a `FeedSink`). A part that hears several kinds through a `FanOut`
subclasses `Sink` and overrides the kinds it takes; the fan-out calls only those, so a kind
a sink ignores costs nothing per event.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Protocol, TypeVar

from arbot.domain import EpisodeEvent, FeedStatus, Quote, TradeOutcome, Venue

E = TypeVar("E")


class QuoteSink(Protocol):
    def on_quote(self, quote: Quote) -> None: ...


class StatusSink(Protocol):
    def on_feed_status(self, status: FeedStatus) -> None: ...


class FeedSink(QuoteSink, StatusSink, Protocol):
    """Where a feed delivers."""


class EpisodeSink(Protocol):
    def on_episode(self, event: EpisodeEvent) -> None: ...


class TradeSink(Protocol):
    def on_trade(self, outcome: TradeOutcome) -> None: ...


class BalanceDriftSink(Protocol):
    """Told once when a venue's balance of `asset` is found out of bounds of what the
    ledger expects (the venue stops opening trades then); not again while it stays so."""

    def on_balance_drift(self, venue: Venue, asset: str, expected: float, actual: float
                         ) -> None: ...


class Sink:
    """A `FanOut` member. Every kind of event is ignored unless the subclass overrides it
    (a subclass may also set `on_quote` per instance, then `FanOut.rebind()`)."""

    def on_quote(self, quote: Quote) -> None:
        """Not taken."""

    def on_feed_status(self, status: FeedStatus) -> None:
        """Not taken."""

    def on_episode(self, event: EpisodeEvent) -> None:
        """Not taken."""

    def on_trade(self, outcome: TradeOutcome) -> None:
        """A trade settled; not taken."""


def _taken(calls: Iterable[Callable[[E], None]], ignored: Callable[..., None]
           ) -> tuple[Callable[[E], None], ...]:
    """The bound methods that are not `Sink`'s own no-op for their kind."""
    return tuple(c for c in calls if getattr(c, "__func__", c) is not ignored)


class FanOut(Sink):
    """Calls every sink in order. Bound methods are collected once, not looked up per
    event."""

    def __init__(self, sinks: Iterable[Sink]) -> None:
        self._sinks = list(sinks)
        self.rebind()

    def rebind(self) -> None:
        """Collect the bound methods again, after a sink swapped one (a new recording
        mode)."""
        sinks = self._sinks
        self._on_quote = _taken((s.on_quote for s in sinks), Sink.on_quote)
        self._on_status = _taken((s.on_feed_status for s in sinks), Sink.on_feed_status)
        self._on_episode = _taken((s.on_episode for s in sinks), Sink.on_episode)
        self._on_trade = _taken((s.on_trade for s in sinks), Sink.on_trade)

    def on_quote(self, quote: Quote) -> None:
        for call in self._on_quote:
            call(quote)

    def on_feed_status(self, status: FeedStatus) -> None:
        for call in self._on_status:
            call(status)

    def on_episode(self, event: EpisodeEvent) -> None:
        for call in self._on_episode:
            call(event)

    def on_trade(self, outcome: TradeOutcome) -> None:
        for call in self._on_trade:
            call(outcome)
