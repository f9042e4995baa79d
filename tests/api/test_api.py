"""The REST API over real HTTP on 127.0.0.1 against a demo runtime: shapes and values,
auth, bad input, control, the event stream and health."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from arbot.api.server import ApiRefused
from arbot.config import ArbotSettings
from arbot.domain import Venue
from arbot.runtime import Runtime
from arbot.sim import SimConfig
from arbot.sim.config import Dislocations
from tests.conftest import until

TOKEN = "t0ken-for-the-api-tests-7c1e"
SIM = SimConfig(symbols=("BTC-USDT", "ETH-USDT"), rate=50,
                dislocations=Dislocations(rate_per_s=2.0, size_bps=40.0, life_s=1.0))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def settings(tmp_path: Path, port: int, api: dict[str, object] | None = None,
             **trading: object) -> ArbotSettings:
    return ArbotSettings.model_validate({
        "market": {"symbols": ["BTC-USDT", "ETH-USDT"]},
        "storage": {"path": str(tmp_path / "arbot.db"), "flush_ms": 50},
        "trading": {"cooldown_s": 0.2, **trading},
        "api": {"enabled": True, "port": port, **(api or {})},
    })


class Client:
    def __init__(self, http: aiohttp.ClientSession, base: str) -> None:
        self.http = http
        self.base = base
        self.auth = {"Authorization": f"Bearer {TOKEN}"}

    async def get(self, path: str, *, auth: bool = True, **kw: Any) -> tuple[int, Any]:
        headers = {**(self.auth if auth else {}), **kw.pop("headers", {})}
        async with self.http.get(self.base + path, headers=headers, **kw) as r:
            assert r.content_type == "application/json", (path, r.status)
            return r.status, await r.json()

    async def post(self, path: str, **kw: Any) -> tuple[int, Any]:
        async with self.http.post(self.base + path, headers=self.auth, **kw) as r:
            return r.status, await r.json()


@asynccontextmanager
async def api_runtime(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *, run: bool = True,
                      api: dict[str, object] | None = None,
                      **trading: object) -> AsyncIterator[tuple[Runtime, Client]]:
    monkeypatch.setenv("ARBOT_API_TOKEN", TOKEN)
    port = free_port()
    stop = asyncio.Event()
    async with Runtime(settings(tmp_path, port, api, **trading), demo=True,
                       sim_config=SIM) as rt, \
            aiohttp.ClientSession() as http:
        task = asyncio.create_task(rt.run(stop)) if run else None
        try:
            yield rt, Client(http, f"http://127.0.0.1:{port}")
        finally:
            stop.set()
            if task is not None:
                await task


async def test_every_endpoint_answers_with_its_shape_and_values(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    async with api_runtime(tmp_path, monkeypatch) as (rt, api):
        await until(lambda: rt.trader is not None and rt.trader.trades >= 1, "a paper trade",
                    wait_s=60)
        status, health = await api.get("/api/health", auth=False)
        assert status == 200 and health["healthy"] and health["live_venues"] == 4
        assert {v["venue"]: v["state"] for v in health["venues"]} == {
            v.value: "live" for v in Venue}
        assert 0 <= health["engine_heartbeat_age_s"] < 2
        status, body = await api.get("/api/status")
        assert status == 200 and (body["mode"], body["armed"], body["demo"]) == (
            "paper", False, True)
        assert body["trading_state"] == "running" and body["funnel"]["quotes"] > 0
        assert body["trading"]["trades"] >= 1 and body["decision_latency"]["count"] >= 1
        assert body["started"].endswith("Z") and body["uptime_s"] > 0
        status, quotes = await api.get("/api/quotes", params={"symbol": "ETH-USDT"})
        assert status == 200 and {q["symbol"] for q in quotes} == {"ETH-USDT"}
        assert {q["venue"] for q in quotes} == {v.value for v in Venue}
        assert all(q["bid"] < q["ask"] and q["received"].endswith("Z") for q in quotes)
        status, opps = await api.get("/api/opportunities", params={"limit": "5"})
        assert status == 200 and 1 <= len(opps) <= 5
        assert opps == sorted(opps, key=lambda o: o["opened"], reverse=True)
        for o in opps:  # depth 1: the walk covers the top levels, so it is the top of book
            assert o["walk_size_peak"] == o["size_peak"] > 0
            assert o["walk_profit_peak"] == o["profit_peak"]
            assert (o["buy_levels_peak"], o["sell_levels_peak"]) == (1, 1)
            assert o["buy_worst_peak"] == o["buy_vwap_peak"] > 0
        assert rt.trader is not None
        rt.trader.pause()  # no new trade between the trader's count and the API's list
        await rt.trader.wait_idle()
        status, trades = await api.get("/api/trades")
        assert status == 200 and len(trades) == rt.trader.trades
        assert {t["mode"] for t in trades} == {"paper"}
        assert sum(t["pnl"] for t in trades) == pytest.approx(rt.trader.realized)
        status, balances = await api.get("/api/balances")
        assert status == 200
        usdt = {b["venue"]: b["free"] for b in balances if b["asset"] == "USDT"}
        assert set(usdt) == {v.value for v in Venue}
        for b in balances:  # valued in USDT at the mid; BTC and ETH are quoted, others not
            assert b["currency"] == "USDT"
            if b["asset"] in ("USDT", "BTC", "ETH"):
                assert b["value"] == b["free"] if b["asset"] == "USDT" else b["value"] > 0
            else:
                assert b["value"] is None
            assert b["venue_value"] == pytest.approx(sum(
                o["value"] or 0 for o in balances if o["venue"] == b["venue"]))


@pytest.mark.parametrize("headers", [
    {}, {"Authorization": "Bearer wrong-token-of-the-right-size"},
    {"Authorization": TOKEN}, {"X-Api-Key": TOKEN}, {"Authorization": f"Basic {TOKEN}"},
])
async def test_no_token_wrong_token_or_token_in_the_wrong_place_is_401(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, headers: dict[str, str]) -> None:
    async with api_runtime(tmp_path, monkeypatch, run=False) as (_, api):
        for path in ("/api/status", "/api/trades", "/api/openapi.json", "/api/stream"):
            async with api.http.get(api.base + path, headers=headers) as r:
                assert r.status == 401 and (await r.json())["code"] == "unauthorized"
        async with api.http.get(api.base + "/api/status", params={"token": TOKEN}) as r:
            assert r.status == 401
        async with api.http.post(api.base + "/api/trading/halt", headers=headers) as r:
            assert r.status == 401


async def test_bad_input_is_400_413_404_never_500(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    async with api_runtime(tmp_path, monkeypatch, run=False) as (_, api):
        for query in ({"symbol": "btcusdt"}, {"since": "yesterday"}, {"until": "inf"},
                      {"limit": "0"}, {"limit": "-3"}, {"limit": "99999"}, {"since": "nan"},
                      {"colour": "red"}):
            status, body = await api.get("/api/opportunities", params=query)
            assert status == 400 and body["code"] == "bad_parameter", query
        status, body = await api.get("/api/nowhere")
        assert status == 404 and body["code"] == "not_found"
        async with api.http.post(api.base + "/api/trading/pause", headers=api.auth,
                                 data=b"x" * 5000) as r:
            assert r.status == 413 and (await r.json())["code"] == "body_too_large"
        status, body = await api.post("/api/trading/arm")
        assert status == 404  # arming live trading is not an API action
        async with api.http.delete(api.base + "/api/status", headers=api.auth) as r:
            assert r.status == 405


async def test_pause_resume_and_halt_take_effect(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    async with api_runtime(tmp_path, monkeypatch) as (rt, api):
        assert rt.trader is not None
        status, body = await api.post("/api/trading/pause")
        assert status == 200 and body["trading_state"] == "paused"
        assert rt.trader.state.value == "paused"
        status, body = await api.post("/api/trading/resume")
        assert body["trading_state"] == "running" and rt.trader.state.value == "running"
        status, body = await api.post("/api/trading/halt")
        assert body == {"trading_state": "halted", "trading_reason": "kill switch (API)"}
        _, status_body = await api.get("/api/status")
        assert status_body["trading_state"] == "halted"


async def test_the_stream_delivers_an_episode_opened_by_the_simulator(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    async with api_runtime(tmp_path, monkeypatch) as (_, api):
        async with api.http.get(api.base + "/api/stream", headers=api.auth) as r:
            assert r.status == 200 and r.content_type == "text/event-stream"
            events: list[tuple[str, dict[str, Any]]] = []
            kind = ""
            async with asyncio.timeout(60):
                async for raw in r.content:
                    line = raw.decode().rstrip("\n")
                    if line.startswith("event: "):
                        kind = line.removeprefix("event: ")
                    elif line.startswith("data: "):
                        events.append((kind, json.loads(line.removeprefix("data: "))))
                        if kind == "episode" and events[-1][1]["data"]["event"] == "open":
                            break
        episode = events[-1][1]["data"]
        assert episode["symbol"] in ("BTC-USDT", "ETH-USDT") and episode["open"] is True
        assert episode["buy_venue"] != episode["sell_venue"] and episode["net_bps_open"] > 0
        assert episode["walk_size_peak"] == episode["size_peak"]
        assert episode["walk_net_bps_peak"] == episode["net_bps_open"]


async def test_health_turns_503_when_the_engine_stalls(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    async with api_runtime(tmp_path, monkeypatch, run=False) as (rt, api):
        tasks = {n: asyncio.create_task(c) for n, c in rt.coroutines().items()}
        try:
            await until(lambda: rt.board.venue_states().get(Venue.OKX) is not None
                        and all(s.value == "live" for s in rt.board.venue_states().values()),
                        "venues live")
            await until(lambda: rt.engine is not None and rt.engine.heartbeat_ns > 0,
                        "the engine's first tick")
            status, _ = await api.get("/api/health", auth=False)
            assert status == 200
            for name, task in tasks.items():  # the engine's clock and every feed stop
                if name != "retention":
                    task.cancel()
            await asyncio.sleep(2.5)
            status, body = await api.get("/api/health", auth=False)
            assert status == 503 and not body["healthy"]
            assert any("engine stalled" in p for p in body["problems"])
        finally:
            for task in tasks.values():
                task.cancel()
            await asyncio.gather(*tasks.values(), return_exceptions=True)


async def test_no_token_refuses_to_start(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                         ) -> None:
    monkeypatch.delenv("ARBOT_API_TOKEN", raising=False)
    with pytest.raises(ApiRefused, match="ARBOT_API_TOKEN"):
        async with Runtime(settings(tmp_path, free_port()), demo=True, sim_config=SIM):
            pass


def test_non_loopback_needs_to_be_allowed_explicitly() -> None:
    with pytest.raises(ValueError, match="allow_non_loopback"):
        ArbotSettings.model_validate({"api": {"host": "0.0.0.0"}})
    assert ArbotSettings.model_validate(
        {"api": {"host": "0.0.0.0", "allow_non_loopback": True}}).api.host == "0.0.0.0"
