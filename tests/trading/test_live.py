"""Live trading against the simulator's private endpoints over real HTTP on 127.0.0.1:
the real runtime, signed clients, executor, journal and leg-risk policy. Keys come from
the environment, as they would in production (the simulator accepts its demo keys)."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest

from arbot.config import CREDENTIAL_ENV, ArbotSettings
from arbot.domain import (
    PASSED,
    Episode,
    EpisodeEvent,
    EpisodeKind,
    Opportunity,
    OrderRequest,
    OrderStatus,
    Quote,
    Side,
    Venue,
)
from arbot.engine.board import VENUE_INDEX
from arbot.runsettings import with_endpoints
from arbot.runtime import Runtime
from arbot.sim import SimConfig, SimServer
from arbot.sim.config import Accounts, Dislocations, FeeRates
from arbot.trading.execution import LegRisk, execute, final_report
from arbot.trading.live import LiveExecutor
from arbot.trading.preflight import TradePlan
from arbot.trading.quantize import common_step, floor_to, limit_price, text
from arbot.trading.setup import LiveRefused
from tests.test_runtime import until

SYMBOLS = ("BTC-USDT", "ETH-USDT")
QUIET = SimConfig(symbols=SYMBOLS, rate=50, dislocations=Dislocations(rate_per_s=0.0))
BUSY = replace(QUIET, dislocations=Dislocations(rate_per_s=2.0, size_bps=40.0, life_s=1.0))


def demo_keys(sim: SimServer, monkeypatch: pytest.MonkeyPatch) -> None:
    for venue, names in CREDENTIAL_ENV.items():
        creds = sim.credentials(venue)
        values = {"api_key": creds.key, "api_secret": creds.secret,
                  "passphrase": creds.passphrase}
        for field, name in names.items():
            monkeypatch.setenv(name, values[field])


def live_settings(tmp_path: Path, sim: SimServer, **trading: object) -> ArbotSettings:
    base = ArbotSettings.model_validate({
        "market": {"symbols": list(SYMBOLS)},
        "storage": {"path": str(tmp_path / "arbot.db"), "flush_ms": 50},
        "trading": {"mode": "live", "cooldown_s": 0.2, "max_trades_per_minute": 1000,
                    **trading},
    })
    return with_endpoints(base, {v: (sim.urls(v).ws_url, sim.urls(v).rest_url) for v in Venue})


@asynccontextmanager
async def live_runtime(tmp_path: Path, sim: SimServer, *, armed: bool,
                       **trading: object) -> AsyncIterator[Runtime]:
    stop = asyncio.Event()
    async with Runtime(live_settings(tmp_path, sim, **trading), armed=armed) as rt:
        run = asyncio.create_task(rt.run(stop))
        await until(lambda: rt.engine is not None and all(
            rt.engine.board.quote(v, "BTC-USDT") is not None for v in Venue), "quotes")
        try:
            yield rt
        finally:
            stop.set()
            await run


def quotes_now(rt: Runtime, buy: Venue, sell: Venue) -> tuple[Quote, Quote]:
    assert rt.engine is not None
    b, s = rt.engine.board.quote(buy, "BTC-USDT"), rt.engine.board.quote(sell, "BTC-USDT")
    assert b is not None and s is not None
    return b, s


def plan_now(rt: Runtime, buy: Venue, sell: Venue, qty_quote: float = 50.0,
             slippage_bps: float = 50.0, trade_id: str = "abtest1") -> TradePlan:
    """A marketable plan from the books as they are (no arbitrage needed): buy at the ask,
    sell at the bid, limits `slippage_bps` past them, so both legs cross on the simulator."""
    b, s = quotes_now(rt, buy, sell)
    ib, is_ = rt.instruments[(buy, "BTC-USDT")], rt.instruments[(sell, "BTC-USDT")]
    qty = floor_to(Decimal(qty_quote / b.ask), common_step(Decimal(ib.lot_size),
                                                             Decimal(is_.lot_size)))
    buy_px = limit_price(b.ask, Decimal(ib.tick_size), Side.BUY, slippage_bps)
    sell_px = limit_price(s.bid, Decimal(is_.tick_size), Side.SELL, slippage_bps)
    return TradePlan(trade_id, "ep", "BTC-USDT", "BTC", "USDT", float(qty),
                     OrderRequest(f"{trade_id}b", buy, "BTC-USDT", ib.venue_id, Side.BUY,
                                  text(buy_px), text(qty)),
                     OrderRequest(f"{trade_id}s", sell, "BTC-USDT", is_.venue_id, Side.SELL,
                                  text(sell_px), text(qty)),
                     b.ask, s.bid, 0.001, 0.001, 0.0, float(qty * buy_px))


def legs(rt: Runtime, policy: str) -> LegRisk:
    assert rt.engine is not None and rt.trader is not None
    async def ignore(*_: object) -> None:
        return None

    return LegRisk(policy, 2.0, 50.0, rt.engine.board.quote,
                   lambda v, s: rt.instruments.get((v, s)), ignore, ignore)


async def test_live_demo_runtime_trades_and_pnl_recomputes_from_fills(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    async with SimServer(BUSY) as sim:
        demo_keys(sim, monkeypatch)
        async with live_runtime(tmp_path, sim, armed=True) as rt:
            assert rt.trader is not None and isinstance(rt.trader.executor, LiveExecutor)
            assert set(rt.trader.executor.clients) == set(Venue)
            await until(lambda: rt.trader is not None and rt.trader.trades >= 2, "two trades",
                        wait_s=60)
        db = sqlite3.connect(tmp_path / "arbot.db")
        try:
            orders = db.execute("SELECT client_order_id, venue, venue_order_id, status, "
                                "filled_qty FROM orders").fetchall()
            for cid, venue, voi, status, filled in orders:
                sim_order = sim.account(Venue(venue)).order(cid)
                assert sim_order is not None, f"{cid} never reached {venue}"
                assert voi and status in ("filled", "expired", "canceled", "rejected")
                assert float(sim_order.filled) == pytest.approx(filled)
            for trade_id, pnl, fees in db.execute(
                    "SELECT trade_id, realized_profit, fees FROM trades"):
                fills = db.execute("SELECT side, qty, price, fee, fee_asset FROM fills "
                                   "WHERE trade_id = ?", (trade_id,)).fetchall()
                got = sum(f * p if a == "BTC" or a == "ETH" else f for _, _, p, f, a in fills)
                assert fees == pytest.approx(got)
                bought = sum(q for side, q, *_ in fills if side == "buy")
                sold = sum(q for side, q, *_ in fills if side == "sell")
                if bought and sold:
                    avg_b = sum(q * p for side, q, p, *_ in fills if side == "buy") / bought
                    avg_s = sum(q * p for side, q, p, *_ in fills if side == "sell") / sold
                    assert pnl == pytest.approx(min(bought, sold) * (avg_s - avg_b) - got)
        finally:
            db.close()


async def test_one_leg_rejected_then_unwound_on_the_simulator(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    async with SimServer(QUIET) as sim:
        demo_keys(sim, monkeypatch)
        async with live_runtime(tmp_path, sim, armed=False) as rt:
            assert rt.trader is not None
            start_btc = sim.account(Venue.BINANCE).balances["BTC"].free
            sim.reject_orders(Venue.OKX, "51008", "Order failed. Insufficient USDT balance")
            plan = plan_now(rt, Venue.BINANCE, Venue.OKX)
            out = await execute(plan, rt.trader.executor, legs(rt, "unwind"))
            assert (out.status, out.leg_outcome) == ("filled", "unwound"), out.detail
            assert out.orders[1].report.status is OrderStatus.REJECTED
            assert "51008" in out.orders[1].report.error
            unwind = out.orders[2]
            assert (unwind.request.venue, unwind.request.side) == (Venue.BINANCE, Side.SELL)
            end_btc = sim.account(Venue.BINANCE).balances["BTC"].free
            # bought then sold back the same quantity: only the buy's fee (in BTC) is gone
            assert float(end_btc) == pytest.approx(float(start_btc) - out.orders[0].report.fee)


async def test_rate_limit_answer_pauses_the_venue_and_the_trader_skips_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    async with SimServer(QUIET) as sim:
        demo_keys(sim, monkeypatch)
        async with live_runtime(tmp_path, sim, armed=True) as rt:
            trader = rt.trader
            assert trader is not None and isinstance(trader.executor, LiveExecutor)
            sim.force_rate_limit(Venue.OKX, times=None)
            plan = plan_now(rt, Venue.BINANCE, Venue.OKX)
            report = await final_report(trader.executor, plan.sell, True)
            assert report.status is OrderStatus.REJECTED and "rate limited" in report.error
            assert "paused" in trader.executor.blocked(Venue.OKX)
            requests = sim.stats[Venue.OKX].rest_requests
            b, q = quotes_now(rt, Venue.BINANCE, Venue.OKX)
            o = Opportunity("BTC-USDT", b, q, 10.0, 10.0, 1.0, 1.0, 0.001, 0.001)
            e = Episode("okx-ep", "BTC-USDT", Venue.BINANCE, Venue.OKX, 1, o, o, o, PASSED,
                        True, 1)
            trader.on_episode(EpisodeEvent(EpisodeKind.OPEN, e))
            assert trader.rejections["venue_blocked"] == 1
            assert sim.stats[Venue.OKX].rest_requests == requests  # nothing reached OKX
            sim.clear_rate_limit(Venue.OKX)


async def test_clock_skew_is_measured_at_start_and_corrected_when_it_moves(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    skewed = replace(QUIET, accounts=Accounts(clock_skew_ms=45_000))  # past every window
    async with SimServer(skewed) as sim:
        demo_keys(sim, monkeypatch)
        async with live_runtime(tmp_path, sim, armed=False) as rt:
            assert rt.trader is not None and isinstance(rt.trader.executor, LiveExecutor)
            client = rt.trader.executor.clients[Venue.BYBIT]
            assert client.offset_ms == pytest.approx(45_000, abs=2_000)
            balances = await rt.trader.executor.balances(Venue.BYBIT)
            assert balances["USDT"].free > 0
            sim.set_clock_skew(-40_000)  # the venue's clock jumps: the next call resyncs
            balances = await rt.trader.executor.balances(Venue.BITGET)
            assert balances["USDT"].free > 0
            assert rt.trader.executor.clients[Venue.BITGET].offset_ms == pytest.approx(
                -40_000, abs=2_000)


async def test_restart_looks_up_an_order_left_open_and_settles_the_trade(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    async with SimServer(QUIET) as sim:
        demo_keys(sim, monkeypatch)
        async with live_runtime(tmp_path, sim, armed=False) as rt:
            assert rt.trader is not None
            plan = plan_now(rt, Venue.BINANCE, Venue.OKX, trade_id="abcrash")
            j = rt.trader.journal
            await j.run(j.intent, "abcrash", "ep", "live", 1, "BTC-USDT", plan.buy,
                        plan.sell, plan.buy_price, plan.sell_price, 0.0, 1)
            await rt.trader.executor.place(plan.buy)  # sent and filled; then ArBot "dies"
        async with live_runtime(tmp_path, sim, armed=False) as rt2:
            assert any("abcrashb" in w and "filled" in w for w in rt2.warnings), rt2.warnings
        db = sqlite3.connect(tmp_path / "arbot.db")
        try:
            status, voi = db.execute("SELECT status, venue_order_id FROM orders WHERE "
                                     "client_order_id = 'abcrashb'").fetchone()
            sim_order = sim.account(Venue.BINANCE).order("abcrashb")
            assert sim_order is not None
            assert status == "filled" and voi == str(sim_order.order_id)
            assert db.execute("SELECT status FROM orders WHERE client_order_id = 'abcrashs'"
                              ).fetchone() == ("rejected",)  # never sent: the venue has none
            trade = db.execute("SELECT status, leg_outcome, buy_qty FROM trades").fetchone()
            assert trade[0] == "interrupted" and trade[1] == "held" and trade[2] > 0
        finally:
            db.close()


async def test_armed_without_any_keys_refuses_to_start(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for names in CREDENTIAL_ENV.values():
        for name in names.values():
            monkeypatch.delenv(name, raising=False)
    async with SimServer(QUIET) as sim:
        with pytest.raises(LiveRefused, match="BINANCE_API_KEY"):
            async with Runtime(live_settings(tmp_path, sim), armed=True):
                pass
        async with Runtime(live_settings(tmp_path, sim), armed=False) as rt:
            refusal = rt.arm_live()
            assert refusal is not None and "no venue has API keys" in refusal
            assert rt.trader is not None and not rt.trader.armed


async def test_account_fee_rates_replace_the_configured_fees(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fees = {Venue.OKX: FeeRates(Decimal("0.0005"), Decimal("0.0007")),
            Venue.BYBIT: FeeRates(Decimal("0.001"), Decimal("0.0015"))}
    async with SimServer(replace(QUIET, accounts=Accounts(fees=fees))) as sim:
        demo_keys(sim, monkeypatch)
        async with live_runtime(tmp_path, sim, armed=False) as rt:
            assert rt.engine is not None
            taker = {v: rt.engine.fees[VENUE_INDEX[v]].taker_bps for v in Venue}
            assert taker[Venue.OKX] == pytest.approx(7.0)
            assert taker[Venue.BYBIT] == pytest.approx(15.0)
            assert taker[Venue.BINANCE] == pytest.approx(10.0)  # the simulator's default
