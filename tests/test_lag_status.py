"""Venue lag is shown where a person looks: `/api/status` (`feeds`), the headless status
lines and the TUI's venue strip, each against a demo runtime on the simulator whose OKX
frames arrive 800 ms behind its clock (and every venue's clock runs 3 s ahead of ours)."""

from __future__ import annotations

import asyncio
import logging
import re
import socket
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from rich.text import Text
from textual.widgets import DataTable

from arbot.config import ArbotSettings
from arbot.domain import FeedState, FeedStatus, Venue
from arbot.headless import StatusLog, status_lines
from arbot.runtime import Runtime
from arbot.storage.recorder import Recorder
from arbot.tui.app import build_app
from tests.conftest import until
from tests.test_lag_runtime import SIM, SLOW

TOKEN = "t0ken-for-the-lag-status-tests-5d2"
REASON = re.compile(r"lag \d+ ms > max_lag_ms 500")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def settings(tmp_path: Path, **sections: dict[str, Any]) -> ArbotSettings:
    data: dict[str, Any] = {"market": {"symbols": ["BTC-USDT", "ETH-USDT"]},
                            "storage": {"path": str(tmp_path / "arbot.db"), "flush_ms": 50},
                            "trading": {"mode": "off"}, **sections}
    return ArbotSettings.model_validate(data)


def slow_and_measured(rt: Runtime) -> bool:
    slow, bybit = rt.board.latest.get((SLOW, 0)), rt.board.latest.get((Venue.BYBIT, 0))
    return (slow is not None and slow.state is FeedState.STALE and slow.stale_reason is not None
            and bybit is not None and bybit.state is FeedState.LIVE
            and bybit.lag_p50_ms is not None)


async def test_api_status_lists_each_feed_with_its_lag_and_stale_reason(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ARBOT_API_TOKEN", TOKEN)
    port = free_port()
    stop = asyncio.Event()
    async with Runtime(settings(tmp_path, api={"enabled": True, "port": port}), demo=True,
                       sim_config=SIM) as rt, aiohttp.ClientSession() as http:
        run = asyncio.create_task(rt.run(stop))
        try:
            await until(lambda: slow_and_measured(rt), "OKX stale and Bybit's lag measured")
            async with http.get(f"http://127.0.0.1:{port}/api/status",
                                headers={"Authorization": f"Bearer {TOKEN}"}) as r:
                assert r.status == 200
                body = await r.json()
        finally:
            stop.set()
            await run
    feeds = {f["venue"]: f for f in body["feeds"]}
    assert set(feeds) == {v.value for v in Venue}
    okx = feeds["okx"]
    assert okx["state"] == "stale" and REASON.fullmatch(okx["stale_reason"])
    assert okx["lag_p50_ms"] >= 700 and okx["lag_p99_ms"] >= okx["lag_p50_ms"]
    assert okx["lag_samples"] >= 5 and abs(okx["clock_offset_ms"] - 3_000) < 500
    bybit = feeds["bybit"]
    assert bybit["state"] == "live" and bybit["stale_reason"] is None
    assert abs(bybit["lag_p50_ms"]) < 500 and bybit["lag_note"] is None
    binance = feeds["binance"]
    assert binance["lag_note"] == "n/a (bookTicker has no time)"
    assert binance["lag_p50_ms"] is None and binance["lag_samples"] == 0


async def test_headless_status_lines_show_lag_and_why_a_venue_is_stale(tmp_path: Path) -> None:
    stop = asyncio.Event()
    async with Runtime(settings(tmp_path), demo=True, sim_config=SIM) as rt:
        run = asyncio.create_task(rt.run(stop))
        try:
            await until(lambda: slow_and_measured(rt), "OKX stale and Bybit's lag measured")
            lines = {line.split()[0]: line for line in status_lines(rt)}
        finally:
            stop.set()
            await run
    assert lines["okx"].split()[1] == "stale" and REASON.search(lines["okx"].split("STALE: ")[1])
    assert re.search(r"lag p50 \d+ p99 \d+ ms \(\d+ samples, clock \+\d+ ms\)", lines["okx"])
    assert "lag n/a (bookTicker has no time)" in lines["binance"]
    assert "STALE" not in lines["bybit"] and re.search(r"lag p50 -?\d+ p99", lines["bybit"])


def cell(table: DataTable[Any], row: str, column: str) -> str:
    value = table.get_cell(row, column)
    return value.plain if isinstance(value, Text) else str(value)


async def test_the_tui_strip_shows_lag_ms_and_the_stale_reason(tmp_path: Path) -> None:
    app = build_app(settings(tmp_path, ui={"refresh_ms": 100}), demo=True, sim_config=SIM)
    async with app.run_test(size=(110, 30)) as pilot:
        strip = app.screen.query_one("#venue-status", DataTable)
        assert "Lag ms" in [c.label.plain for c in strip.columns.values()]

        def shown() -> bool:
            return (cell(strip, "okx", "state") == "stale"
                    and REASON.fullmatch(cell(strip, "okx", "note")) is not None
                    and re.fullmatch(r"-?\d+/-?\d+", cell(strip, "bybit", "lag")) is not None)

        await until(shown, "OKX stale with its reason, Bybit's lag", pause=pilot.pause)
        p50, p99 = (int(x) for x in cell(strip, "okx", "lag").split("/"))
        assert 700 <= p50 <= p99
        assert cell(strip, "binance", "lag") == "n/a"
        assert cell(strip, "binance", "note") == "lag n/a (bookTicker has no time)"


def _status(state: FeedState, reason: str | None) -> FeedStatus:
    return FeedStatus(venue=Venue.OKX, connection=0, state=state, frames_per_s=40.0,
                      quotes_per_s=40.0, last_frame_age_s=0.02, reconnects=0, drops={},
                      last_error=None, ts_ns=1, lag_p50_ms=820.0, lag_p99_ms=900.0,
                      lag_samples=80, clock_offset_ms=3000.0, stale_reason=reason)


class Rows:
    def __init__(self) -> None:
        self.rows: list[tuple[str, Any]] = []

    def keep(self, table: str, row: Any) -> None:
        self.rows.append((table, row))


def test_the_log_and_the_recorded_feed_events_say_why_a_venue_went_stale(
        caplog: pytest.LogCaptureFixture) -> None:
    why = "lag 820 ms > max_lag_ms 500"
    writer = Rows()
    recorder = Recorder(writer, "off", 0)  # type: ignore[arg-type]
    log = StatusLog()
    with caplog.at_level(logging.INFO, logger="arbot"):
        for s in (_status(FeedState.LIVE, None), _status(FeedState.STALE, why),
                  _status(FeedState.LIVE, None)):
            log.on_feed_status(s)
            recorder.on_feed_status(s)
    stale = [r for r in caplog.records if "stale" in r.getMessage()]
    assert [(r.levelno, r.getMessage()) for r in stale] == [
        (logging.WARNING, f"okx: stale ({why})")]
    details = [row[3] for table, row in writer.rows if table == "feed_events"]
    assert details == ["connection 0", f"connection 0 ({why})", "connection 0"]
