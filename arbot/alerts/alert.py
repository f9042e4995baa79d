"""One alert: its kind (what the `[alerts]` table switches and the rate limit counts),
its subject (what makes two alerts the same for deduplication) and its text; and the
counts the metrics read (`AlertCounts`), which hold no URL."""

from __future__ import annotations

import enum

import msgspec


class AlertKind(enum.StrEnum):
    EPISODE = "episode"
    TRADE_FILLED = "trade_filled"
    TRADE_FAILED = "trade_failed"
    LEG_RISK = "leg_risk"
    HALTED = "halted"
    VENUE_QUARANTINED = "venue_quarantined"
    VENUE_RECOVERED = "venue_recovered"
    BALANCE_DRIFT = "balance_drift"
    HEARTBEAT_STALLED = "heartbeat_stalled"
    DATABASE = "database"


class Alert(msgspec.Struct, frozen=True, kw_only=True):
    """`subject` names what the alert is about (a venue pair, a venue, a cause): the
    same kind and subject inside `[alerts] dedup_s` is one alert, sent once."""

    kind: AlertKind
    subject: str
    title: str
    body: str
    ts_ns: int  # wall clock when it happened (a late delivery still says when)


class DestinationCounts(msgspec.Struct, frozen=True, kw_only=True):
    """One destination's deliveries, named as in the log: its place in ARBOT_ALERT_URLS
    and Apprise's service name."""

    position: int
    service: str
    delivered: int
    failed_attempts: int
    dropped: int  # pushed out of its full queue while it failed
    failing: bool


class AlertCounts(msgspec.Struct, frozen=True, kw_only=True):
    """Alerts by kind since the start: sent, and held back as duplicates or by the rate
    limit; and each destination's deliveries."""

    sent: dict[AlertKind, int]
    duplicates: dict[AlertKind, int]
    rate_limited: dict[AlertKind, int]
    destinations: list[DestinationCounts]
