"""The `[alerts]` settings: which events are sent and how often.

Where alerts go is not here: destination URLs carry tokens, so they come from the
environment only (`ARBOT_ALERT_URLS`, read by `arbot.alerts.destinations`). With no
destination set, this table changes nothing.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class AlertsSettings(BaseModel):
    """Events and thresholds for the alerts sent to `ARBOT_ALERT_URLS`."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    episodes: bool = Field(True, description=(
        "Alert when an opportunity episode reaches episode_min_bps."))
    episode_min_bps: float = Field(20.0, ge=0, le=10_000, allow_inf_nan=False, description=(
        "Net profit after fees, in basis points, at or above which an episode is alerted."))
    episode_passed_only: bool = Field(True, description=(
        "Alert only episodes that passed every filter (tradeable), not merely wide gaps."))
    trade_filled: bool = Field(True, description="Alert each trade that filled.")
    trade_failed: bool = Field(True, description=(
        "Alert each trade that failed (an order could not be placed)."))
    leg_risk: bool = Field(True, description=(
        "Alert each leg-risk incident (legs filled unevenly: unwound, chased, held or "
        "failed to even out)."))
    halted: bool = Field(True, description=(
        "Alert when trading is HALTED, with its cause (kill switch, signal, API, limit)."))
    venues: bool = Field(True, description="Alert when a venue is quarantined and recovers.")
    balance_drift: bool = Field(True, description=(
        "Alert when a venue's balance drifts from what the ledger expects."))
    heartbeat: bool = Field(True, description=(
        "Alert when the engine's heartbeat stalls for heartbeat_stall_s."))
    heartbeat_stall_s: float = Field(10.0, ge=1, le=3600, allow_inf_nan=False, description=(
        "Seconds without an engine tick (quote or sweep) that count as a stall."))
    database: bool = Field(True, description=(
        "Alert when the database refuses writes (full disk, I/O error, locked for long)."))
    dedup_s: float = Field(300.0, ge=0, le=86_400, allow_inf_nan=False, description=(
        "The same alert (kind and subject: a symbol's pair, a venue, a cause) is sent at "
        "most once per this many seconds; 0 sends every repeat."))
    max_per_hour: int = Field(20, ge=1, le=10_000, description=(
        "Alerts of one kind sent per rolling hour at most; the rest are counted and the "
        "next one sent says how many were held back."))
