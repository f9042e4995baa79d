"""Sinks: plain objects with synchronous `on_*` methods, and the fan-out that feeds them.

The hot path calls sinks synchronously; a sink that does anything slow (the database, the
UI) buffers on its own side, so no sink can stall market data.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from arbot.domain import EpisodeEvent, FeedStatus, Quote


class Sink(Protocol):
    """Every sink takes quotes and feed statuses; `on_episode` and `on_trade` are optional
    (duck-typed)."""

    def on_quote(self, quote: Quote) -> None: ...

    def on_feed_status(self, status: FeedStatus) -> None: ...


class FanOut:
    """Calls every sink in order. Bound methods are collected once, not looked up per quote."""

    def __init__(self, sinks: Iterable[object]) -> None:
        self._sinks = list(sinks)
        self.rebind()

    def rebind(self) -> None:
        """Collect the bound methods again, after a sink swapped one (a new recording
        mode)."""
        sinks = self._sinks
        self._on_quote = tuple(s.on_quote for s in sinks if hasattr(s, "on_quote"))
        self._on_status = tuple(s.on_feed_status for s in sinks if hasattr(s, "on_feed_status"))
        self._on_episode = tuple(s.on_episode for s in sinks if hasattr(s, "on_episode"))
        self._on_trade = tuple(s.on_trade for s in sinks if hasattr(s, "on_trade"))

    def on_quote(self, quote: Quote) -> None:
        for call in self._on_quote:
            call(quote)

    def on_feed_status(self, status: FeedStatus) -> None:
        for call in self._on_status:
            call(status)

    def on_episode(self, event: EpisodeEvent) -> None:
        for call in self._on_episode:
            call(event)

    def on_trade(self, outcome: object) -> None:
        """A trade settled (`arbot.trading.outcome.TradeOutcome`)."""
        for call in self._on_trade:
            call(outcome)
