"""Deduplication per kind and subject, rate limits per kind, on a clock the test drives."""

from __future__ import annotations

from arbot.alerts.alert import AlertKind
from arbot.alerts.gate import HOUR_NS, NS_PER_S, Gate

EP, VQ = AlertKind.EPISODE, AlertKind.VENUE_QUARANTINED


def test_the_same_subject_is_sent_once_per_dedup_window() -> None:
    gate = Gate(dedup_s=60, max_per_hour=100)
    assert gate.admit(VQ, "okx", 0) == 0
    assert gate.admit(VQ, "okx", 59 * NS_PER_S) is None  # a repeat inside the window
    assert gate.admit(VQ, "bybit", 59 * NS_PER_S) == 0  # another subject
    assert gate.admit(EP, "okx", 59 * NS_PER_S) == 0  # another kind, same subject
    assert gate.admit(VQ, "okx", 60 * NS_PER_S) == 0  # the window is over
    assert gate.duplicates[VQ] == 1 and not gate.rate_limited


def test_zero_dedup_sends_every_repeat() -> None:
    gate = Gate(dedup_s=0, max_per_hour=100)
    assert [gate.admit(VQ, "okx", 5) for _ in range(3)] == [0, 0, 0]


def test_past_the_hourly_limit_alerts_are_counted_and_the_next_one_says_so() -> None:
    gate = Gate(dedup_s=0, max_per_hour=2)
    sent = [gate.admit(EP, f"pair{i}", i * NS_PER_S) for i in range(5)]
    assert sent == [0, 0, None, None, None]
    assert gate.admit(VQ, "okx", 5 * NS_PER_S) == 0  # other kinds have their own limit
    assert gate.admit(EP, "pair9", HOUR_NS) == 3  # the first slot is free again: 3 held
    assert gate.admit(EP, "pair10", HOUR_NS + NS_PER_S) == 0  # told once
    assert gate.rate_limited[EP] == 3


def test_a_duplicate_is_not_held_back_by_the_rate_limit() -> None:
    gate = Gate(dedup_s=600, max_per_hour=1)
    assert gate.admit(EP, "a", 0) == 0
    assert gate.admit(EP, "a", 1) is None
    assert gate.duplicates[EP] == 1 and gate.rate_limited[EP] == 0
