"""Destinations from ARBOT_ALERT_URLS, delivered by Apprise to a real local receiver: a
failing one is reported once, retried with backoff and delivers what waited; nothing ever
prints a URL."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

import pytest

from arbot.alerts.destinations import (
    Destination,
    alert_urls,
    apprise_sender,
    build_destinations,
)
from arbot.alerts.service import alerts_from_env
from arbot.config import AlertsSettings
from tests.alerts.receiver import receiver
from tests.conftest import WAIT_S

SECRET = "s3cr3t-webhook-token"


def wait_until(cond: Callable[[], object], what: str) -> None:
    """`tests.conftest.until` for a test without an event loop (the threads deliver)."""
    end = time.monotonic() + WAIT_S
    while not cond():
        assert time.monotonic() < end, f"timed out waiting for {what}"
        time.sleep(0.02)


def test_urls_are_comma_separated_and_blanks_skipped() -> None:
    env = {"ARBOT_ALERT_URLS": " json://a/x , ,tgram://b/c,"}
    assert alert_urls(env) == ["json://a/x", "tgram://b/c"]
    assert alert_urls({}) == []


def test_an_unusable_url_is_named_by_position_never_echoed(
        caplog: pytest.LogCaptureFixture) -> None:
    warnings: list[str] = []
    with receiver() as r:
        built = build_destinations(
            [f"nosuchservice://{SECRET}", r.url(), SECRET, f"json://{SECRET}@"], warnings)
    assert [d.label for d in built] == ["alert destination 2 (JSON)"]
    assert [w.split(" cannot")[0] for w in warnings] == [
        "ARBOT_ALERT_URLS entry 1", "ARBOT_ALERT_URLS entry 3", "ARBOT_ALERT_URLS entry 4"]
    assert "scheme nosuchservice://" in warnings[0] and "not a URL" in warnings[1]
    assert SECRET not in "\n".join(warnings) + caplog.text


def test_delivery_reaches_the_receiver_with_title_and_body() -> None:
    with receiver() as r:
        built = apprise_sender(r.url(f"hook/{SECRET}"))
        assert built is not None
        destination = Destination(1, "JSON", built[1])
        destination.start()
        destination.put("ArBot: okx quarantined", "okx failed to connect")
        destination.close(10)
        assert [(a["title"], a["message"]) for a in r.alerts] == [
            ("ArBot: okx quarantined", "okx failed to connect")]
        assert r.paths == [f"/hook/{SECRET}"]
        assert destination.stats.delivered == 1 and not destination.stats.failing


def test_a_failing_destination_is_reported_once_retried_and_delivers_what_waited(
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    with receiver() as r:
        r.failing.set()
        built = apprise_sender(r.url(f"hook/{SECRET}"))
        assert built is not None
        destination = Destination(1, "JSON", built[1],
                                  backoff_s=(0.05, 0.2))
        destination.start()
        for n in range(3):
            destination.put(f"alert {n}", "body")
        wait_until(lambda: r.refused >= 4, "retries")  # retried, more than once
        assert destination.stats.failing
        r.failing.clear()
        wait_until(lambda: len(r.alerts) == 3, "the alerts that waited")
        destination.close(10)
    assert [a["title"] for a in r.alerts] == ["alert 0", "alert 1", "alert 2"]
    assert destination.stats.failed_attempts == r.refused
    text = caplog.text
    assert text.count("alert destination 1 (JSON) failed to deliver") == 1
    assert text.count("alert destination 1 (JSON) is delivering again") == 1
    assert SECRET not in text and "127.0.0.1" not in text


def test_a_full_queue_drops_its_oldest_and_counts_them() -> None:
    sent: list[str] = []
    gate = threading.Event()

    def slow(title: str, body: str) -> bool:
        gate.wait(10)
        sent.append(title)
        return True
    destination = Destination(1, "test", slow, queue_size=2)
    for n in range(5):
        destination.put(f"alert {n}", "")
    destination.start()
    gate.set()
    destination.close(10)
    assert sent == ["alert 3", "alert 4"] and destination.stats.dropped == 3


def test_a_sender_that_raises_counts_as_a_failure_and_the_thread_lives_on() -> None:
    calls: list[str] = []

    def broken(title: str, body: str) -> bool:
        calls.append(title)
        if len(calls) == 1:
            raise RuntimeError("plugin bug")
        return True
    destination = Destination(1, "test", broken, backoff_s=(0.01, 0.01))
    destination.start()
    destination.put("once", "")
    wait_until(lambda: destination.stats.delivered, "the retry")
    destination.close(10)
    assert calls == ["once", "once"] and destination.stats.delivered == 1



def test_no_usable_destination_means_no_alerts_and_a_warning() -> None:
    warnings: list[str] = []
    env = {"ARBOT_ALERT_URLS": f"{SECRET}, "}
    assert alerts_from_env(AlertsSettings(), warnings, demo=False, environ=env) is None
    assert alerts_from_env(AlertsSettings(), warnings, demo=False, environ={}) is None
    assert warnings == ["ARBOT_ALERT_URLS entry 1 cannot be sent to (not a URL); it is "
                        "skipped (see https://github.com/caronc/apprise/wiki for the URL forms)"]
