"""The parser base every stream's parser builds on: one raw frame in, at most one quote
out, everything else on a list the feed loop drains; bad input is counted, never raised."""

from __future__ import annotations

import abc
from collections.abc import Callable

from arbot.domain import FeedEvent, Quote
from arbot.exchanges.drops import DropCounter

Quoter = Callable[[str | bytes, int], Quote | None]
"""`FrameParser.quote`'s signature: a frame and its wall-clock receive time in ns."""


class FrameParser(abc.ABC):
    """Turns one raw WS frame into at most one quote; never raises on bad input.

    The feed loop calls `quote` per frame: the L1 push is the common case, so the parser
    builds the `Quote` itself and hands it back bare. Anything else a frame says
    (subscribe acks, pongs, venue errors, shutdown notices) is appended to `events`, which
    the loop drains only when it is non-empty; drops are counted on `drops`.
    """

    quote: Quoter
    """The frame's quote, stamped with `recv_ns` (wall-clock receive time), or None.

    A method, or, on the L1 parsers, a closure each sets in `__init__`: the names it
    captures are read faster than a method's `self.` attributes, once per frame."""

    def __init__(self, symbols: Callable[[str], str | None], drops: DropCounter) -> None:
        self._symbol = symbols
        self.drops = drops
        self.events: list[FeedEvent] = []

    def parse(self, frame: str | bytes, recv_ns: int) -> list[FeedEvent]:
        """Everything one frame yields, as one list: for tools and tests (the feed loop
        calls `quote` and drains `events` itself)."""
        q = self.quote(frame, recv_ns)
        out: list[FeedEvent] = [] if q is None else [q]
        if self.events:
            out += self.events
            self.events.clear()
        return out
