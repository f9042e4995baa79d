"""`SimServer.set_rest_fault`: error statuses, Retry-After and slow answers on demand."""

from __future__ import annotations

import aiohttp
import pytest

from arbot.domain import Venue
from tests.sim import running

TIME = "/api/v3/time"
INFO = "/api/v3/exchangeInfo"


async def test_status_retry_after_and_body_for_n_requests_then_normal() -> None:
    async with running() as (srv, http):
        base = srv.urls(Venue.BINANCE).rest_url
        body = {"code": -1003, "msg": "Too many requests."}
        srv.set_rest_fault(Venue.BINANCE, status=429, retry_after=2, body=body, times=2)
        for _ in range(2):
            async with http.get(base + TIME) as resp:
                assert resp.status == 429 and resp.headers["Retry-After"] == "2"
                assert await resp.json() == body
        async with http.get(base + TIME) as resp:
            assert resp.status == 200 and "serverTime" in await resp.json()
        stats = srv.stats[Venue.BINANCE]
        assert (stats.rest_requests, stats.rest_faults) == (3, 2)


async def test_path_filter_default_text_body_and_clear() -> None:
    async with running() as (srv, http):
        base = srv.urls(Venue.OKX).rest_url
        srv.set_rest_fault(Venue.OKX, status=502, path="/api/v5/public/time")
        async with http.get(base + "/api/v5/public/instruments?instType=SPOT") as resp:
            assert resp.status == 200
        async with http.get(base + "/api/v5/public/time") as resp:
            assert resp.status == 502 and resp.content_type == "text/plain"
            assert "Retry-After" not in resp.headers
        srv.clear_rest_fault(Venue.OKX)
        async with http.get(base + "/api/v5/public/time") as resp:
            assert resp.status == 200
        assert srv.stats[Venue.OKX].rest_faults == 1
        assert srv.stats[Venue.BYBIT].rest_faults == 0  # faults are per venue


async def test_delay_without_status_answers_late_but_normally() -> None:
    async with running() as (srv, http):
        base = srv.urls(Venue.BITGET).rest_url
        srv.set_rest_fault(Venue.BITGET, delay_s=0.3, times=1)
        with pytest.raises(TimeoutError):
            async with http.get(base + "/api/v2/public/time",
                                timeout=aiohttp.ClientTimeout(total=0.05)):
                pass
        async with http.get(base + "/api/v2/public/time") as resp:
            assert resp.status == 200 and (await resp.json())["code"] == "00000"
