"""What a venue connection reports besides quotes: control frames and its health."""

from __future__ import annotations

import enum

import msgspec

from arbot.domain.market import Quote
from arbot.domain.venue import Venue


class SubscribeAck(msgspec.Struct, frozen=True, kw_only=True):
    """The venue confirmed a subscription; `ref` is the request id or channel it names."""

    venue: Venue
    ref: str


class VenueError(msgspec.Struct, frozen=True, kw_only=True):
    """An error frame from the venue, with its own code and message."""

    venue: Venue
    code: str
    message: str


class Pong(msgspec.Struct, frozen=True, kw_only=True):
    """Answer to our application-level heartbeat."""

    venue: Venue


class ShutdownNotice(msgspec.Struct, frozen=True, kw_only=True):
    """The venue announced it will close the connection soon; reconnect early."""

    venue: Venue
    message: str


class BookResync(msgspec.Struct, frozen=True, kw_only=True):
    """A depth book broke its venue's integrity rules (sequence gap, checksum mismatch,
    crossed, out of order) or has no snapshot yet: it is reset and takes part in nothing
    until the feed has resubscribed its channel (or, where the venue says so, fetched a
    REST snapshot) and a snapshot has been applied. `reason` is counted per venue."""

    venue: Venue
    symbol: str
    reason: str


ControlEvent = SubscribeAck | VenueError | Pong | ShutdownNotice | BookResync
FeedEvent = Quote | ControlEvent


class FeedState(enum.StrEnum):
    """Where one venue connection stands; only LIVE quotes may take part in opportunities."""

    CONNECTING = "connecting"  # opening the socket
    SUBSCRIBING = "subscribing"  # socket open, subscriptions sent, waiting for data
    LIVE = "live"  # subscribed and frames arriving
    STALE = "stale"  # connected, but no frame for longer than the stale limit
    RECONNECTING = "reconnecting"  # waiting out the backoff after a failure
    QUARANTINED = "quarantined"  # too many failures in a row: cooling down
    DISABLED = "disabled"  # switched off in the settings


class FeedStatus(msgspec.Struct, frozen=True, kw_only=True):
    """A venue connection's health, emitted on every state change and once a second."""

    venue: Venue
    connection: int
    state: FeedState
    frames_per_s: float
    quotes_per_s: float
    last_frame_age_s: float | None  # None until the first frame arrives
    reconnects: int
    drops: dict[str, int]
    last_error: str | None
    ts_ns: int
    # Why a planned make-before-break rotation is under way (a venue's notice, the
    # connection's age), None otherwise; the connection stays LIVE on its old socket
    # until the replacement quotes. `rotations` counts the completed ones, which are
    # not reconnects.
    rotating: str | None = None
    rotations: int = 0
    # The venue's lag, exchange time to receive time corrected by its clock offset
    # (`arbot.exchanges.lag`): rolling p50/p99 over the samples counted; None with
    # `lag_note` saying why where it is not measured (no venue time, no offset yet).
    lag_p50_ms: float | None = None
    lag_p99_ms: float | None = None
    lag_samples: int = 0
    lag_note: str | None = None
    clock_offset_ms: float | None = None  # venue clock minus ours, from its REST time
    stale_reason: str | None = None  # why the state is STALE (silence, or lag over max)
    # Depth books (`[market] depth` > 1): resyncs by reason since the connection was
    # built (`BookResync`), and how many of its books are out being resynced now.
    resyncs: dict[str, int] = msgspec.field(default_factory=dict)
    books_resyncing: int = 0
