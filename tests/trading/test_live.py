"""Live trading against the simulator's private endpoints over real HTTP on 127.0.0.1:
the real runtime, signed clients, executor, journal and leg-risk policy. Keys come from
the environment, as they would in production (the simulator accepts its demo keys)."""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import aiohttp
import msgspec
import pytest

from arbot.config import CREDENTIAL_ENV, ArbotSettings
from arbot.config.run import with_endpoints
from arbot.domain import (
    PASSED,
    Episode,
    EpisodeEvent,
    EpisodeKind,
    Opportunity,
    OrderReport,
    OrderRequest,
    OrderStatus,
    Quote,
    Side,
    Venue,
)
from arbot.engine.board import VENUE_INDEX
from arbot.exchanges.private import PrivateClient
from arbot.exchanges.resttiming import RestTiming
from arbot.headless import status_lines
from arbot.runtime import Runtime
from arbot.sim import SimConfig, SimServer
from arbot.sim.config import Accounts, Dislocations, FeeRates
from arbot.storage.journal import TradeIntent
from arbot.tradekinds import TradingMode
from arbot.trading import reconcile as reconcile_module
from arbot.trading.evenout import LegRisk, execute
from arbot.trading.execution import final_report
from arbot.trading.live import LiveExecutor
from arbot.trading.preflight import TradePlan
from arbot.trading.quantize import common_step, floor_to, limit_price, text
from arbot.trading.setup import LiveRefused
from arbot.tui.backend import trading_status
from arbot.tui.tradetext import status_lines as status_lines_tui
from tests.conftest import until

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


def impatient_client(live: LiveExecutor, venue: Venue,
                     session: aiohttp.ClientSession) -> PrivateClient:
    """The venue's client with a 0.3 s timeout and no retries: it gives up on a request
    the simulator holds, as a real client does on a venue that does not answer."""
    c = live.clients[venue]
    return PrivateClient(c.adapter, c.base_url, c._creds, session,
                         timing=RestTiming(timeout_s=0.3, retries=0))


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
                     OrderRequest(client_id=f"{trade_id}b", venue=buy, symbol="BTC-USDT",
                                  venue_symbol=ib.venue_id, side=Side.BUY, price=text(buy_px),
                                  qty=text(qty)),
                     OrderRequest(client_id=f"{trade_id}s", venue=sell, symbol="BTC-USDT",
                                  venue_symbol=is_.venue_id, side=Side.SELL, price=text(sell_px),
                                  qty=text(qty)),
                     b.ask, s.bid, b.ask, s.bid, 0.001, 0.001, 0.0, float(qty * buy_px))


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
            o = Opportunity(symbol="BTC-USDT", buy=b, sell=q, buy_fee_bps=10.0, sell_fee_bps=10.0,
                            net_per_unit=1.0, net_bps=1.0, size=0.001, profit=0.001)
            e = Episode(id="okx-ep", symbol="BTC-USDT", buy_venue=Venue.BINANCE,
                        sell_venue=Venue.OKX, opened_ns=1, first=o, peak=o, last=o, verdict=PASSED,
                        passed=True, updates=1)
            trader.on_episode(EpisodeEvent(kind=EpisodeKind.OPEN, episode=e))
            await trader.wait_taken()
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


async def crash_with(rt: Runtime, plan: TradePlan, *, send: tuple[OrderRequest, ...]) -> None:
    """Journal the plan's intent, send `send` to the venues, then "die" (no report)."""
    assert rt.trader is not None
    j = rt.trader.journal
    await j.run(j.intent, TradeIntent(
        trade_id=plan.trade_id, episode_id="ep", mode=TradingMode.LIVE, run_id=1,
        symbol="BTC-USDT", buy=plan.buy, sell=plan.sell, buy_price=plan.buy_price,
        sell_price=plan.sell_price, expected_profit=0.0, ts_ns=1))
    for req in send:
        await rt.trader.executor.place(req)


def order_row(tmp_path: Path, client_id: str) -> tuple[str, str | None, float | None]:
    with sqlite3.connect(tmp_path / "arbot.db") as db:
        row = db.execute("SELECT status, venue_order_id, filled_qty FROM orders WHERE "
                         "client_order_id = ?", (client_id,)).fetchone()
    return row[0], row[1], row[2]


def short_windows(monkeypatch: pytest.MonkeyPatch) -> None:
    """The venues' request windows (5 s, 30 s) shortened so a test need not wait them out."""
    monkeypatch.setattr(LiveExecutor, "order_window_s", lambda _self, _venue: 1.0)
    monkeypatch.setattr(reconcile_module, "RECHECK_S", 0.2)


async def test_restart_settles_an_okx_order_from_okx_itself(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """OKX orders in flight at a crash: the restart looks them up under OKX's own symbol
    (BTC-USDT, journaled with the order), never a guessed BTCUSDT that OKX answers with
    51603, and settles the filled buy as filled with OKX's order id."""
    async with SimServer(QUIET) as sim:
        demo_keys(sim, monkeypatch)
        async with live_runtime(tmp_path, sim, armed=False) as rt:
            plan = plan_now(rt, Venue.OKX, Venue.BINANCE, trade_id="abokx")
            await crash_with(rt, plan, send=(plan.buy, plan.sell))
        async with live_runtime(tmp_path, sim, armed=False) as rt2:
            assert rt2.trader is not None and rt2.trader.risk.unsettled == {}
        for req in (plan.buy, plan.sell):
            status, voi, filled = order_row(tmp_path, req.client_id)
            sim_order = sim.account(req.venue).order(req.client_id)
            assert sim_order is not None
            assert status == "filled" and voi == str(sim_order.order_id)
            assert filled == pytest.approx(float(sim_order.filled))
        with sqlite3.connect(tmp_path / "arbot.db") as db:
            trade = db.execute("SELECT status, leg_outcome FROM trades").fetchone()
        assert trade == ("interrupted", "balanced")


async def test_restart_names_old_journal_rows_from_the_venues_instruments(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A row journaled without the venue's symbol (before it was journaled) is looked up
    under the id from the venue's instruments, which are loaded before the first pass."""
    async with SimServer(QUIET) as sim:
        demo_keys(sim, monkeypatch)
        async with live_runtime(tmp_path, sim, armed=False) as rt:
            plan = plan_now(rt, Venue.OKX, Venue.BINANCE, trade_id="abold")
            await crash_with(rt, plan, send=(plan.buy, plan.sell))
        with sqlite3.connect(tmp_path / "arbot.db") as db:
            db.execute("UPDATE orders SET venue_symbol = NULL")
        async with live_runtime(tmp_path, sim, armed=False):
            pass
        assert order_row(tmp_path, "aboldb")[0] == "filled"
        assert order_row(tmp_path, "abolds")[0] == "filled"


async def test_not_found_settles_as_rejected_only_after_the_request_window(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An order journaled but never sent: the first "no such order" holds the symbol; only
    a second one after the venue's request window settles it as never sent, and then the
    trade closes from the venue's fills of the other leg."""
    short_windows(monkeypatch)
    async with SimServer(QUIET) as sim:
        demo_keys(sim, monkeypatch)
        async with live_runtime(tmp_path, sim, armed=False) as rt:
            plan = plan_now(rt, Venue.BINANCE, Venue.OKX, trade_id="abcrash")
            await crash_with(rt, plan, send=(plan.buy,))  # the sell never left
        async with live_runtime(tmp_path, sim, armed=False) as rt2:
            trader = rt2.trader
            assert trader is not None
            assert any("abcrashb" in w and "filled" in w for w in rt2.warnings), rt2.warnings
            assert "abcrashs" in trader.risk.unsettled["BTC-USDT"]
            assert order_row(tmp_path, "abcrashs")[0] == "new"  # one answer is not enough
            await until(lambda: not trader.risk.unsettled, "the second lookup", wait_s=20)
        assert sim.account(Venue.OKX).order("abcrashs") is None
        status, _, _ = order_row(tmp_path, "abcrashs")
        assert status == "rejected"
        with sqlite3.connect(tmp_path / "arbot.db") as db:
            error, = db.execute("SELECT error FROM orders WHERE client_order_id = 'abcrashs'"
                                ).fetchone()
            trade = db.execute("SELECT status, leg_outcome, buy_qty FROM trades").fetchone()
        assert "never reached okx" in error and "request window" in error
        assert trade[0] == "interrupted" and trade[1] == "held" and trade[2] > 0


async def test_an_acknowledged_order_the_venue_cannot_find_stays_open(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The journal holds the venue's acknowledgement: "no such order" contradicts the venue
    itself, so the order is never settled from it and the symbol stays held."""
    short_windows(monkeypatch)
    async with SimServer(QUIET) as sim:
        demo_keys(sim, monkeypatch)
        async with live_runtime(tmp_path, sim, armed=False) as rt:
            assert rt.trader is not None
            plan = plan_now(rt, Venue.BINANCE, Venue.OKX, trade_id="abackd")
            await crash_with(rt, plan, send=())
            j = rt.trader.journal
            ack = OrderReport(client_id=plan.sell.client_id, venue_order_id="777",
                              status=OrderStatus.NEW)
            await j.run(j.report, plan.sell, plan.trade_id, ack, 2)
        async with live_runtime(tmp_path, sim, armed=False) as rt2:
            trader = rt2.trader
            assert trader is not None
            await asyncio.sleep(2.0)  # past the (shortened) window: several passes
            assert "acknowledged it as order 777" in trader.risk.unsettled["BTC-USDT"]
        assert order_row(tmp_path, "abackds")[0] == "new"
        assert order_row(tmp_path, "abackdb")[0] == "rejected"  # never sent, no ack


async def test_a_paper_restart_does_not_settle_a_live_runs_orders(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A live run's filled orders seen by a paper run stay open; the next live run with
    keys settles them from the venue."""
    async with SimServer(QUIET) as sim:
        demo_keys(sim, monkeypatch)
        async with live_runtime(tmp_path, sim, armed=False) as rt:
            plan = plan_now(rt, Venue.BYBIT, Venue.BITGET, trade_id="abpap")
            await crash_with(rt, plan, send=(plan.buy, plan.sell))
        async with Runtime(live_settings(tmp_path, sim, mode="paper")) as rt2:
            assert rt2.trader is not None
            assert "abpap" in rt2.trader.risk.unsettled["BTC-USDT"]
            assert any("BTC-USDT is not traded" in w for w in rt2.warnings)
            assert rt2.trader.funnel()["unsettled"] == rt2.trader.risk.unsettled  # the API
            assert any(line.startswith("UNSETTLED BTC-USDT not traded")
                       for line in status_lines(rt2))  # headless
            status = trading_status(rt2)
            assert status is not None
            assert "NOT TRADED: BTC-USDT" in status_lines_tui(status, "paper", "running")
        assert order_row(tmp_path, "abpapb")[0] == "new"
        for name in [n for names in CREDENTIAL_ENV.values() for n in names.values()]:
            monkeypatch.delenv(name)  # live without keys: still nobody to ask
        async with live_runtime(tmp_path, sim, armed=False) as rt3:
            assert rt3.trader is not None and "abpap" in rt3.trader.risk.unsettled["BTC-USDT"]
        assert order_row(tmp_path, "abpaps")[0] == "new"
        demo_keys(sim, monkeypatch)
        async with live_runtime(tmp_path, sim, armed=False) as rt4:
            assert rt4.trader is not None and rt4.trader.risk.unsettled == {}
        assert order_row(tmp_path, "abpapb")[0] == "filled"
        assert order_row(tmp_path, "abpaps")[0] == "filled"


LOCK_HOLDER = """
import sqlite3, sys, time
conn = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=60)  # waits for the writer
deadline = time.monotonic() + 60
while True:  # SQLite skips the busy handler while the runtime switches to WAL or checkpoints
    try:
        conn.execute("BEGIN IMMEDIATE")
        break
    except sqlite3.OperationalError:
        if time.monotonic() > deadline:
            raise
        time.sleep(0.01)
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
conn.execute("ROLLBACK")
"""


def start_lock_holder(db: Path, seconds: float) -> subprocess.Popen[str]:
    """Another process (an SQLite browser, `arbot db vacuum`) taking the write lock."""
    return subprocess.Popen([sys.executable, "-c", LOCK_HOLDER, str(db), str(seconds)],
                            stdout=subprocess.PIPE, text=True)


async def hold_write_lock(db: Path, seconds: float) -> subprocess.Popen[str]:
    """The lock holder, once it holds the lock. Its "locked" line is awaited off the event
    loop: the runtime's writer may be in a transaction that only this loop can commit."""
    proc = start_lock_holder(db, seconds)
    assert proc.stdout is not None
    assert (await asyncio.to_thread(proc.stdout.readline)).strip() == "locked"
    return proc


def crossing_episode(rt: Runtime, episode_id: str) -> EpisodeEvent:
    """A passed episode whose prices cross by 1% (Binance's ask under OKX's bid)."""
    b, s = quotes_now(rt, Venue.BINANCE, Venue.OKX)
    b = msgspec.structs.replace(b, ask=s.bid * 0.99)
    o = Opportunity(symbol="BTC-USDT", buy=b, sell=s, buy_fee_bps=10.0, sell_fee_bps=10.0,
                    net_per_unit=1.0, net_bps=80.0, size=0.001, profit=0.001)
    e = Episode(id=episode_id, symbol="BTC-USDT", buy_venue=Venue.BINANCE, sell_venue=Venue.OKX,
                opened_ns=1, first=o, peak=o, last=o, verdict=PASSED, passed=True, updates=1)
    return EpisodeEvent(kind=EpisodeKind.OPEN, episode=e)


async def test_live_legs_are_iocs_at_the_worst_walked_prices_plus_the_allowance(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An opportunity walked one level deeper than the top (0.002 BTC against 0.001 at the
    touch): both legs reach the venues sized by the walk, each limit at its worst walked
    price moved by slippage_bps and rounded to the tick toward it (never past the
    allowance)."""
    async with SimServer(QUIET) as sim:
        demo_keys(sim, monkeypatch)
        async with live_runtime(tmp_path, sim, armed=True, slippage_bps=20.0) as rt:
            trader = rt.trader
            assert trader is not None
            b, s = quotes_now(rt, Venue.BINANCE, Venue.OKX)
            o = Opportunity(symbol="BTC-USDT", buy=b, sell=s, buy_fee_bps=10.0,
                            sell_fee_bps=10.0, net_per_unit=1.0, net_bps=80.0, size=0.001,
                            profit=0.001, walk_size=0.002, buy_vwap=s.bid * 0.985,
                            sell_vwap=s.bid, buy_worst=b.ask, sell_worst=s.bid,
                            walk_profit=0.002, walk_net_bps=80.0, buy_levels=2, sell_levels=1)
            e = Episode(id="walked", symbol="BTC-USDT", buy_venue=Venue.BINANCE,
                        sell_venue=Venue.OKX, opened_ns=1, first=o, peak=o, last=o,
                        verdict=PASSED, passed=True, updates=1)
            trader.on_episode(EpisodeEvent(kind=EpisodeKind.OPEN, episode=e))
            await trader.wait_idle()
            assert trader.trades == 1, trader.last_rejection
            with sqlite3.connect(tmp_path / "arbot.db") as db:
                sent = db.execute("SELECT client_order_id, venue FROM orders").fetchall()
            assert len(sent) == 2
            for cid, venue_name in sent:
                venue = Venue(venue_name)
                side, worst = (Side.BUY, b.ask) if venue is Venue.BINANCE else (Side.SELL, s.bid)
                order = sim.account(venue).order(cid)
                assert order is not None, f"{cid} never reached {venue}"
                tick = Decimal(rt.instruments[(venue, "BTC-USDT")].tick_size)
                assert (order.price, order.qty) == (limit_price(worst, tick, side, 20.0),
                                                    Decimal("0.002"))
                bound = Decimal(repr(worst)) * (Decimal("1.002") if side is Side.BUY
                                                else Decimal("0.998"))
                assert order.price <= bound if side is Side.BUY else order.price >= bound
                assert abs(order.price - bound) < tick


@pytest.mark.parametrize("stop", ["halt", "pause", "disarm"])
async def test_no_order_leaves_after_halt_while_the_journal_waited_for_the_lock(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, stop: str) -> None:
    """The intent write waits for another process's write lock; the kill switch (or a
    pause, or disarming) comes while it waits. When the lock frees, the intent is
    journaled but neither order may leave: both are recorded as not sent and the venues
    never see them."""
    async with SimServer(QUIET) as sim:
        demo_keys(sim, monkeypatch)
        async with live_runtime(tmp_path, sim, armed=True) as rt:
            trader = rt.trader
            assert trader is not None
            holder = await hold_write_lock(tmp_path / "arbot.db", 1.5)
            try:
                trader.on_episode(crossing_episode(rt, f"ep-{stop}"))
                await trader.wait_taken()
                assert trader.risk.in_flight == {"BTC-USDT"}, trader.last_rejection
                await asyncio.sleep(0.5)  # the intent is waiting for the lock
                {"halt": lambda: trader.halt("kill switch"), "pause": trader.pause,
                 "disarm": rt.disarm_live}[stop]()
            finally:
                assert holder.wait(timeout=30) == 0
            await trader.wait_idle()
            with sqlite3.connect(tmp_path / "arbot.db") as db:
                orders = db.execute(
                    "SELECT o.client_order_id, o.venue, o.status, o.error FROM orders o JOIN"
                    " trades t USING (trade_id) WHERE t.episode_id = ?",
                    (f"ep-{stop}",)).fetchall()
            assert len(orders) == 2  # the intent was journaled once the lock freed
            for cid, venue, status, error in orders:
                assert status == "rejected" and error.startswith("not sent"), error
                assert sim.account(Venue(venue)).order(cid) is None, f"{cid} reached {venue}"


async def test_an_order_not_found_after_a_timeout_is_asked_again_until_it_fills(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """OKX holds the order request and answers after the client gave up: the lookup that
    follows finds nothing yet. That is not "rejected": the order may still arrive, and it
    does, filled, which is what the trade must record."""
    async with SimServer(QUIET) as sim:
        demo_keys(sim, monkeypatch)
        async with live_runtime(tmp_path, sim, armed=False) as rt:
            assert rt.trader is not None and isinstance(rt.trader.executor, LiveExecutor)
            live = rt.trader.executor
            async with aiohttp.ClientSession() as session:
                impatient = impatient_client(live, Venue.OKX, session)
                ex = LiveExecutor({Venue.OKX: impatient}, rt.instruments, live.ledger)
                plan = plan_now(rt, Venue.OKX, Venue.BINANCE, trade_id="ablate")
                sim.set_rest_fault(Venue.OKX, delay_s=1.5, path="/api/v5/trade/order",
                                   times=1)
                report = await final_report(ex, plan.buy, True)
            await until(lambda: sim.account(Venue.OKX).order(plan.buy.client_id) is not None,
                        "OKX to act on the late order")
            okx_order = sim.account(Venue.OKX).order(plan.buy.client_id)
            assert okx_order is not None and float(okx_order.filled) > 0
            assert report.status is OrderStatus.FILLED, report
            assert report.filled_qty == pytest.approx(float(okx_order.filled))


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
