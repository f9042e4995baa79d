"""`GET /metrics` scraped from a running demo (simulator on 127.0.0.1, paper trading) over
real HTTP and read back with prometheus-client's own parsers: every family is there with
its venue labels, the numbers move as quotes arrive, the token is asked for unless a
loopback scrape is allowed, and no alert URL shows."""

from __future__ import annotations

from pathlib import Path

import pytest
from prometheus_client.metrics_core import Metric
from prometheus_client.openmetrics.parser import (
    text_string_to_metric_families as openmetrics_families,
)
from prometheus_client.parser import text_string_to_metric_families

from arbot.api.metrics import is_loopback
from arbot.domain import Venue
from tests.alerts.receiver import receiver
from tests.api.test_api import Client, api_runtime
from tests.conftest import until

VENUES = {v.value for v in Venue}
SECRET = "s3cr3t-webhook-token"


async def scrape(api: Client, *, auth: bool = True, accept: str = "") -> tuple[int, str, str]:
    headers = {**(api.auth if auth else {}), **({"Accept": accept} if accept else {})}
    async with api.http.get(api.base + "/metrics", headers=headers) as r:
        return r.status, r.headers["Content-Type"], await r.text()


def families(text: str) -> dict[str, Metric]:
    return {f.name: f for f in text_string_to_metric_families(text)}


def value(fams: dict[str, Metric], name: str, sample: str | None = None,
          **labels: str) -> float:
    """The one sample of `name` (or of `sample`, e.g. a histogram's _count) with `labels`."""
    found = [s.value for s in fams[name].samples
             if s.name == (sample or s.name) and labels.items() <= s.labels.items()]
    assert len(found) == 1, (name, labels, found)
    return float(found[0])


async def test_a_scrape_parses_and_moves_as_quotes_arrive(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    async with api_runtime(tmp_path, monkeypatch) as (rt, api):
        await until(lambda: rt.trader is not None and rt.trader.trades >= 1, "a paper trade",
                    wait_s=60)
        status, content_type, text = await scrape(api)
        assert status == 200 and content_type.startswith("text/plain; version=0.0.4")
        first = families(text)
        assert value(first, "arbot_info", mode="paper", demo="true") == 1
        for venue in VENUES:
            assert value(first, "arbot_feed_state", venue=venue, state="live") == 1
            assert value(first, "arbot_feed_state", venue=venue, state="stale") == 0
            assert value(first, "arbot_feed_quotes_per_second", venue=venue) > 0
            assert value(first, "arbot_feed_last_frame_age_seconds", venue=venue) >= 0
            assert value(first, "arbot_feed_reconnects", venue=venue) == 0
            assert value(first, "arbot_books_resyncing", venue=venue) == 0
        assert {s.labels["venue"] for s in first["arbot_venue_lag_seconds"].samples} <= VENUES
        assert first["arbot_feed_reconnects"].type == "counter"
        assert value(first, "arbot_funnel", step="passed") >= 1
        assert value(first, "arbot_episodes_opened") >= 1
        assert value(first, "arbot_trades", mode="paper", status="filled") >= 1
        assert value(first, "arbot_realized_pnl", mode="paper") != 0
        assert value(first, "arbot_trading_state", state="running") == 1
        assert value(first, "arbot_writer_rows_written", table="quotes") > 0
        assert value(first, "arbot_writer_queue_rows") >= 0
        assert first["arbot_event_loop_lag_seconds"].type == "histogram"
        assert any(name.startswith("process_") for name in first)
        assert "arbot_alerts_sent" not in first  # no destination set
        quotes = value(first, "arbot_engine_quotes")
        samples = value(first, "arbot_event_loop_lag_seconds",
                        "arbot_event_loop_lag_seconds_count")
        written = value(first, "arbot_writer_rows_written", table="quotes")
        await until(lambda: rt.engine is not None and rt.engine.funnel.quotes > quotes + 50,
                    "more quotes")
        await until(lambda: rt.loop_lag.samples > samples, "another loop-lag sample")
        second = families((await scrape(api))[2])
        assert value(second, "arbot_engine_quotes") > quotes
        assert value(second, "arbot_event_loop_lag_seconds",
                     "arbot_event_loop_lag_seconds_count") > samples
        assert value(second, "arbot_writer_rows_written", table="quotes") >= written


async def test_openmetrics_when_the_scraper_asks(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    async with api_runtime(tmp_path, monkeypatch) as (rt, api):
        await until(lambda: rt.engine is not None and rt.engine.funnel.quotes > 0, "quotes")
        status, content_type, text = await scrape(
            api, accept="application/openmetrics-text; version=1.0.0")
        assert status == 200 and content_type.startswith("application/openmetrics-text")
        names = {f.name for f in openmetrics_families(text)}
        assert {"arbot_engine_quotes", "arbot_feed_state", "arbot_funnel"} <= names


async def test_the_token_is_needed_unless_loopback_scrapes_are_allowed(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    async with api_runtime(tmp_path, monkeypatch, run=False) as (_, api):
        assert (await scrape(api, auth=False))[0] == 401
        async with api.http.get(api.base + "/metrics",
                                headers={"Authorization": "Bearer wrong-token-wrong-token"}) as r:
            assert r.status == 401
    async with api_runtime(tmp_path, monkeypatch, run=False,
                           api={"metrics_open_on_loopback": True}) as (_, api):
        status, _, text = await scrape(api, auth=False)
        assert status == 200 and "arbot_info" in text
        async with api.http.get(api.base + "/api/status") as r:
            assert r.status == 401  # only /metrics is opened
        async with api.http.get(api.base + "/metricsx") as r:
            assert r.status == 401


def test_which_peers_are_loopback() -> None:
    assert all(map(is_loopback, ["127.0.0.1", "127.8.9.1", "::1", "::ffff:127.0.0.1"]))
    assert not any(map(is_loopback, ["10.0.0.1", "192.168.1.2", "::ffff:10.0.0.1",
                                     "2001:db8::1", "localhost", "", None, "garbage"]))


async def test_bad_query_is_400_never_500(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    async with api_runtime(tmp_path, monkeypatch, run=False) as (_, api):
        async with api.http.get(api.base + "/metrics?x=1", headers=api.auth) as r:
            assert r.status == 400 and (await r.json())["code"] == "bad_parameter"
        async with api.http.post(api.base + "/metrics", headers=api.auth) as r:
            assert r.status == 405


async def test_alert_counts_are_scraped_without_the_url(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with receiver() as r:
        monkeypatch.setenv("ARBOT_ALERT_URLS", r.url(f"hook/{SECRET}"))
        async with api_runtime(tmp_path, monkeypatch) as (rt, api):
            assert rt.alerts is not None and rt.trader is not None
            rt.trader.halt("kill switch (API)")
            await until(lambda: r.titles("HALTED"), "the halt's alert")
            status, _, text = await scrape(api)
    assert status == 200
    fams = families(text)
    assert value(fams, "arbot_alerts_sent", kind="halted") == 1
    assert value(fams, "arbot_alert_deliveries", destination="1", service="JSON") >= 1
    assert value(fams, "arbot_alert_destination_failing", destination="1") == 0
    assert SECRET not in text and f":{r.port}" not in text
