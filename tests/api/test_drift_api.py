"""`POST /api/trading/acknowledge-drift` over real HTTP on a demo runtime: the same bearer
token as every endpoint, open drifts in `/api/status`, one venue or all acknowledged, bad
venues refused, and the OpenAPI description naming it."""

from __future__ import annotations

from pathlib import Path

import pytest

from arbot.domain import Balance, Venue
from arbot.trading.drift import BalanceSource
from tests.api.test_api import api_runtime

ACK = "/api/trading/acknowledge-drift"


def drifted(free: float) -> dict[str, Balance]:
    return {"USDT": Balance(asset="USDT", free=free)}


async def test_drifts_show_in_status_and_acknowledging_lets_the_venues_trade(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    async with api_runtime(tmp_path, monkeypatch, run=False) as (rt, api):
        trader = rt.trader
        assert trader is not None
        async with api.http.post(api.base + ACK) as r:  # no token
            assert r.status == 401 and (await r.json())["code"] == "unauthorized"
        usdt = trader.ledger.free(Venue.OKX, "USDT")
        trader.drift.observe(Venue.OKX, drifted(usdt * 0.9), BalanceSource.STREAM)
        trader.drift.observe(Venue.BYBIT, drifted(usdt * 1.5), BalanceSource.STREAM)
        status, body = await api.get("/api/status")
        assert status == 200
        [okx] = [d for d in body["balance_drift"] if d["venue"] == "okx"]
        assert (okx["asset"], okx["expected"], okx["actual"], okx["source"]) == (
            "USDT", usdt, pytest.approx(usdt * 0.9), "stream")
        assert okx["relative"] == pytest.approx(0.1) and okx["detected"].endswith("Z")
        for query in ({"venue": "kraken"}, {"colour": "red"}):
            status, body = await api.post(ACK, params=query)
            assert status == 400 and body["code"] == "bad_parameter", query
        assert trader.drift.blocked(Venue.OKX)  # a refused request acknowledged nothing
        status, body = await api.post(ACK, params={"venue": "okx"})
        assert status == 200 and body["acknowledged"] == ["okx"]
        assert [d["venue"] for d in body["open"]] == ["bybit"]
        assert trader.drift.blocked(Venue.OKX) == "" and trader.drift.blocked(Venue.BYBIT)
        assert trader.ledger.free(Venue.OKX, "USDT") == pytest.approx(usdt * 0.9)
        status, body = await api.post(ACK)
        assert status == 200 and body == {"acknowledged": ["bybit"], "open": []}
        status, body = await api.post(ACK)
        assert status == 200 and body == {"acknowledged": [], "open": []}
        _, spec = await api.get("/api/openapi.json")
        assert "post" in spec["paths"][ACK] and "DriftAck" in spec["components"]["schemas"]


async def test_acknowledging_with_trading_off_is_409(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    async with api_runtime(tmp_path, monkeypatch, run=False, mode="off") as (_, api):
        status, body = await api.post(ACK)
        assert status == 409 and body["code"] == "trading_off"
