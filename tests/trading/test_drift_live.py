"""Balance drift in live trading against the simulator over real HTTP on 127.0.0.1: a
balance moved behind ArBot's back (`POST /sim/balance`) is found by the REST check, the
venue opens nothing until it is acknowledged or back within bounds, and a restart does not
count an earlier run's fills twice."""

from __future__ import annotations

import logging
import sqlite3
from decimal import Decimal
from pathlib import Path

import aiohttp
import pytest

from arbot.domain import Venue
from arbot.headless import status_lines
from arbot.sim import SimServer
from arbot.trading.balancecheck import check_once
from arbot.trading.live import LiveExecutor
from arbot.trading.trader import Trader
from tests.conftest import until
from tests.trading.test_live import (
    QUIET,
    crash_with,
    crossing_episode,
    demo_keys,
    live_runtime,
    plan_now,
)

OKX = Venue.OKX


def live(trader: Trader | None) -> tuple[Trader, LiveExecutor]:
    assert trader is not None and isinstance(trader.executor, LiveExecutor)
    return trader, trader.executor


async def move_balance(sim: SimServer, venue: Venue, asset: str, free: str) -> int:
    """What a user trading by hand does, from outside the simulator's process."""
    async with aiohttp.ClientSession() as http, http.post(
            f"http://127.0.0.1:{sim.port}/sim/balance",
            json={"venue": venue.value, "asset": asset, "free": free}) as answer:
        return answer.status


async def test_a_moved_balance_stops_the_venue_until_acknowledged(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    async with SimServer(QUIET) as sim:
        demo_keys(sim, monkeypatch)
        async with live_runtime(tmp_path, sim, armed=True) as rt:
            trader, executor = live(rt.trader)
            await check_once(trader.drift, executor)
            assert trader.drift.open() == {}  # the ledger starts from the venues' numbers
            usdt = float(sim.account(OKX).balances["USDT"].free)
            assert await move_balance(sim, OKX, "USDT", str(Decimal(repr(usdt)) / 2)) == 200
            with caplog.at_level(logging.WARNING, "arbot.trading"):
                await check_once(trader.drift, executor)
            [line] = [r.getMessage() for r in caplog.records if "balance drift" in r.message]
            assert line.startswith("balance drift on okx: USDT is") and "-50.00%" in line
            assert "okx (USDT)" in trader.drift.blocked(OKX)
            assert trader.drift.blocked(Venue.BINANCE) == ""
            assert any(line.startswith("BALANCE DRIFT okx not traded until acknowledged: USDT")
                       for line in status_lines(rt))
            requests = {v: sim.stats[v].rest_requests for v in (OKX, Venue.BINANCE)}
            trader.on_episode(crossing_episode(rt, "ep-drift"))
            await trader.wait_idle()
            assert trader.rejections["balance_drift"] == 1 and trader.trades == 0
            assert {v: sim.stats[v].rest_requests for v in requests} == requests
            assert trader.drift.acknowledge(OKX) == [OKX]
            assert trader.ledger.free(OKX, "USDT") == pytest.approx(usdt / 2)
            await check_once(trader.drift, executor)
            assert trader.drift.open() == {}
            trader.on_episode(crossing_episode(rt, "ep-after"))
            await trader.wait_idle()
            assert trader.trades == 1, trader.last_rejection


async def test_a_balance_back_within_bounds_resolves_the_drift(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    async with SimServer(QUIET) as sim:
        demo_keys(sim, monkeypatch)
        async with live_runtime(tmp_path, sim, armed=True) as rt:
            trader, executor = live(rt.trader)
            btc = sim.account(OKX).balances["BTC"].free
            sim.set_balance(OKX, "BTC", btc * 2)  # a deposit
            await check_once(trader.drift, executor)
            assert trader.drift.blocked(OKX)
            sim.set_balance(OKX, "BTC", btc)  # sent on again
            await check_once(trader.drift, executor)
            assert trader.drift.open() == {} and trader.drift.blocked(OKX) == ""


async def test_the_runtime_checks_balances_every_balance_check_s(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    async with SimServer(QUIET) as sim:
        demo_keys(sim, monkeypatch)
        async with live_runtime(tmp_path, sim, armed=False, balance_check_s=1.0) as rt:
            trader, _ = live(rt.trader)
            sim.set_balance(Venue.BYBIT, "ETH", "0")  # withdrawn
            await until(lambda: trader.drift.blocked(Venue.BYBIT), "the drift found")


async def test_bad_balance_requests_are_refused_by_the_simulator() -> None:
    async with SimServer(QUIET) as sim:
        for body in ({"venue": "kraken", "asset": "BTC", "free": "1"},
                     {"venue": "okx", "asset": "BTC", "free": "-1"},
                     {"venue": "okx", "asset": "BTC", "free": "lots"},
                     {"venue": "okx", "asset": "BTC"}):
            async with aiohttp.ClientSession() as http, http.post(
                    f"http://127.0.0.1:{sim.port}/sim/balance", json=body) as answer:
                assert answer.status == 400, body
        with pytest.raises(ValueError):
            sim.set_balance(OKX, "BTC", "nan")


async def test_a_restart_does_not_count_an_earlier_runs_fills_twice(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Both legs filled on the venues, then ArBot died before recording it. The restart
    reads the balances (which hold those fills) and settles the orders from the venues:
    the ledger must not move by them again, so no drift is found. The drift the first run
    left open is closed: the restart reads every balance afresh."""
    async with SimServer(QUIET) as sim:
        demo_keys(sim, monkeypatch)
        async with live_runtime(tmp_path, sim, armed=False) as rt:
            first, first_executor = live(rt.trader)
            sim.set_balance(Venue.BYBIT, "USDT", "1")
            await check_once(first.drift, first_executor)
            assert Venue.BYBIT in first.drift.open()
            plan = plan_now(rt, OKX, Venue.BINANCE, trade_id="abdrift")
            await crash_with(rt, plan, send=(plan.buy, plan.sell))
        async with live_runtime(tmp_path, sim, armed=False) as rt2:
            trader, executor = live(rt2.trader)
            assert trader.risk.unsettled == {}  # the orders were settled from the venues
            for venue in (OKX, Venue.BINANCE):
                for asset in ("BTC", "USDT"):
                    assert trader.ledger.free(venue, asset) == pytest.approx(
                        float(sim.account(venue).balances[asset].free)), (venue, asset)
            await check_once(trader.drift, executor)
            assert trader.drift.open() == {}
        with sqlite3.connect(tmp_path / "arbot.db") as db:
            rows = db.execute("SELECT venue, asset, cleared_by FROM balance_drift").fetchall()
        assert rows == [("bybit", "USDT", "restart")]


@pytest.mark.parametrize("venue", list(Venue))
async def test_a_balance_pushed_on_the_private_stream_finds_the_drift(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, venue: Venue) -> None:
    """No REST check runs (balance_check_s is an hour): the venue's own push of the moved
    balance, in its documented framing, is what finds the drift."""
    async with SimServer(QUIET) as sim:
        demo_keys(sim, monkeypatch)
        async with live_runtime(tmp_path, sim, armed=False, balance_check_s=3600) as rt:
            trader, executor = live(rt.trader)
            await until(lambda: executor.inbox.live_epoch(venue) is not None,
                        "the private stream live")
            usdt = sim.account(venue).balances["USDT"].free
            sim.set_balance(venue, "USDT", usdt * 3)
            await until(lambda: trader.drift.blocked(venue), "the drift found")
            [drift] = trader.drift.open()[venue]
            assert (drift.asset, drift.source, drift.actual) == (
                "USDT", "stream", pytest.approx(float(usdt * 3)))
