"""What the feed loop asks of a stream's adapter, public or private: how to keep the
connection alive, how much one connection and one frame may carry, how to subscribe and
how to parse. The loop reads only this, so it never asks which venue it talks to."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

import msgspec

from arbot.domain import Venue
from arbot.exchanges.drops import DropCounter
from arbot.exchanges.frameparser import FrameParser


class Heartbeat(msgspec.Struct, frozen=True):
    """How a venue keeps a connection alive.

    `frame` is what the client sends every `interval_s` (None: the server pings at the
    WebSocket level and the client only answers). `idle_only`: send only after that
    long without receiving anything.
    """

    frame: str | None
    interval_s: float
    idle_only: bool = False


class Limits(msgspec.Struct, frozen=True):
    """Per-frame and per-connection subscription limits, from the venue's documentation.

    `sends_per_s`: how many frames the client may send per second (5 where a venue
    documents nothing).
    """

    args_per_frame: int
    frame_bytes: int
    streams_per_connection: int
    sends_per_s: float = 5.0


class FeedAdapter(Protocol):
    """What the feed loop asks of a stream's adapter: the public `Adapter`, or a private
    stream's (`arbot.exchanges.privatefeed`)."""

    @property
    def venue(self) -> Venue: ...

    @property
    def heartbeat(self) -> Heartbeat: ...

    @property
    def limits(self) -> Limits: ...

    @property
    def ack_per_arg(self) -> bool: ...

    @property
    def max_connection_age_s(self) -> float | None: ...

    def subscribe_frames(self, venue_ids: Sequence[str], depth: bool = False) -> list[str]: ...

    def new_parser(self, symbols: Callable[[str], str | None], drops: DropCounter,
                   ids: Sequence[str] = ()) -> FrameParser: ...
