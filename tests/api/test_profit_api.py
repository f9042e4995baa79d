"""`GET /api/profit` over real HTTP: the groups, filters and bad parameters; and the
stream's periodic status event."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from tests.api.test_api import api_runtime
from tests.storage.profitrows import seed


async def test_profit_by_day_run_and_pair_with_filters(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    await seed(tmp_path / "arbot.db")
    # the runtime's start closes the open trade t6 as interrupted (settled now): the
    # windows below end before it
    until = "2026-12-05T12:00:00Z"
    async with api_runtime(tmp_path, monkeypatch, run=False) as (_, api):
        status, day = await api.get("/api/profit", params={"until": until})
        assert status == 200 and day["group"] == "day"
        assert [r["key"] for r in day["rows"]] == ["2026-12-04", "2026-12-05"]
        assert day["total"]["trades"] == 5
        assert day["total"]["pnl"] == pytest.approx(2.75)
        _, run = await api.get("/api/profit", params={"group": "run", "until": until})
        assert [r["label"] for r in run["rows"]] == ["2026-12-04 22:00:00 DEMO",
                                                      "2026-12-05 09:00:00"]
        _, pair = await api.get("/api/profit", params={"group": "pair", "mode": "live",
                                                       "since": "2026-12-05", "until": until})
        assert [(r["key"], r["trades"], r["pnl"]) for r in pair["rows"]] == [
            ("BTC-USDT okx>binance", 1, 2.0)]


async def test_profit_refuses_bad_parameters(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    async with api_runtime(tmp_path, monkeypatch, run=False) as (_, api):
        for query in ({"group": "week"}, {"group": "DAY"}, {"mode": "off"},
                      {"since": "yesterday"}, {"symbol": "BTC-USDT"}):
            status, body = await api.get("/api/profit", params=query)
            assert status == 400 and body["code"] == "bad_parameter", query
        status, body = await api.get("/api/profit")
        assert status == 200 and body["rows"] == [] and body["total"]["trades"] == 0


async def test_the_stream_sends_the_status_on_connecting_and_periodically(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two periodic status events in a row, each the whole of GET /api/status, while
    episodes and trades keep arriving between them."""
    async with api_runtime(tmp_path, monkeypatch) as (_, api):
        async with api.http.get(api.base + "/api/stream", headers=api.auth) as r:
            statuses: list[dict[str, Any]] = []
            kind = ""
            async with asyncio.timeout(60):
                async for raw in r.content:
                    line = raw.decode().rstrip("\n")
                    if line.startswith("event: "):
                        kind = line.removeprefix("event: ")
                    elif line.startswith("data: ") and kind == "status":
                        data = json.loads(line.removeprefix("data: "))["data"]
                        if data.get("periodic"):
                            statuses.append(data)
                            if len(statuses) == 2:
                                break
        _, now = await api.get("/api/status")
    assert all(set(s) == {"periodic", *now} for s in statuses)
    assert statuses[0]["mode"] == "paper" and statuses[0]["demo"] is True
    assert statuses[1]["uptime_s"] > statuses[0]["uptime_s"]
