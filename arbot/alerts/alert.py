"""One alert: its kind (what the `[alerts]` table switches and the rate limit counts),
its subject (what makes two alerts the same for deduplication) and its text."""

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
