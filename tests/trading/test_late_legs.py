"""A trade whose order outcome was unknown (the request and every lookup timed out) stays
open, its symbol held, until the venue itself says how the order ended; then it is
settled once from the real fills: booked in the ledger once, PnL from the fills, the
symbol released, and an unfilled leg's other side evened out by the policy (only while
armed and not halted). Across a restart, the next start settles it from the venue.
The real runtime and trader, signed clients and the simulator, over 127.0.0.1."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp
import msgspec
import pytest

from arbot.domain import (
    PASSED,
    Episode,
    EpisodeEvent,
    EpisodeKind,
    Opportunity,
    Side,
    TradeOutcome,
    Venue,
)
from arbot.runtime import Runtime
from arbot.sim import SimServer
from arbot.tradekinds import LegOutcome, TradeStatus
from arbot.trading import latelegs
from arbot.trading.live import LiveExecutor
from arbot.trading.trader import Trader
from tests.alerts.receiver import receiver
from tests.api.test_api import TOKEN, Client, free_port
from tests.conftest import until
from tests.trading.test_live import (
    QUIET,
    demo_keys,
    impatient_client,
    live_runtime,
    live_settings,
    quotes_now,
)

SILENT_S = 7.0  # OKX holds order requests and lookups past the executor's final wait
LATE_S = 40.0  # how long a test waits for the held order to be acted on and settled
SYMBOL = "BTC-USDT"
ORDER_PATH = "/api/v5/trade/order"  # OKX's place order and order lookup


def episode(rt: Runtime, episode_id: str, sell_x: float) -> EpisodeEvent:
    """Buy on Binance at its ask, sell on OKX as if its bid were Binance's ask times
    `sell_x`: with the 1% allowance the sell crosses OKX's book at 1.005 and does not at
    1.03 (its IOC then ends unfilled)."""
    b, s = quotes_now(rt, Venue.BINANCE, Venue.OKX)
    s = msgspec.structs.replace(s, bid=b.ask * sell_x)
    o = Opportunity(symbol=SYMBOL, buy=b, sell=s, buy_fee_bps=10.0, sell_fee_bps=10.0,
                    net_per_unit=1.0, net_bps=30.0, size=0.001, profit=0.001)
    e = Episode(id=episode_id, symbol=SYMBOL, buy_venue=Venue.BINANCE, sell_venue=Venue.OKX,
                opened_ns=1, first=o, peak=o, last=o, verdict=PASSED, passed=True, updates=1)
    return EpisodeEvent(kind=EpisodeKind.OPEN, episode=e)


@asynccontextmanager
async def silent_okx(tmp_path: Path, sim: SimServer, monkeypatch: pytest.MonkeyPatch,
                     **trading: object
                     ) -> AsyncIterator[tuple[Runtime, Trader, LiveExecutor, Client]]:
    """An armed live runtime (with its API) whose OKX client gives up after 0.3 s, and
    OKX holding its order requests and lookups for `SILENT_S` (it acts on the order
    after that)."""
    monkeypatch.setenv("ARBOT_API_TOKEN", TOKEN)
    port = free_port()
    base = live_settings(tmp_path, sim, slippage_bps=100.0, **trading)
    settings = base.model_copy(update={"api": base.api.model_copy(
        update={"enabled": True, "port": port})})
    stop = asyncio.Event()
    async with aiohttp.ClientSession() as session, Runtime(settings, armed=True) as rt:
        run = asyncio.create_task(rt.run(stop))
        try:
            await until(lambda: rt.engine is not None and all(
                rt.engine.board.quote(v, SYMBOL) is not None for v in Venue), "quotes")
            trader = rt.trader
            assert trader is not None and isinstance(trader.executor, LiveExecutor)
            live = trader.executor
            live.clients[Venue.OKX] = impatient_client(live, Venue.OKX, session)
            sim.set_rest_fault(Venue.OKX, delay_s=SILENT_S, path=ORDER_PATH)
            yield rt, trader, live, Client(session, f"http://127.0.0.1:{port}")
        finally:
            stop.set()
            await run


async def api_trade(api: Client, trade_id: str) -> dict[str, Any]:
    status, trades = await api.get("/api/trades")
    assert status == 200
    [trade] = [t for t in trades if t["trade_id"] == trade_id]
    return trade  # type: ignore[no-any-return]


async def held_open(trader: Trader, rt: Runtime, episode_id: str, sell_x: float
                    ) -> TradeOutcome:
    """Hand the trader the episode; the trade it opens once the OKX leg is unknown."""
    trader.on_episode(episode(rt, episode_id, sell_x))
    await until(lambda: trader.recent, "the trade to be held open (or closed)", wait_s=LATE_S)
    out = trader.recent[0]
    assert (out.status, out.leg_outcome) == (TradeStatus.OPEN, LegOutcome.HELD), out
    assert "outcome unknown" in out.detail and out.orders[1].request.client_id in out.detail
    return out


def trade_row(tmp_path: Path, trade_id: str) -> tuple[str, str | None, float | None, float,
                                                      float]:
    with sqlite3.connect(tmp_path / "arbot.db") as db:
        row = db.execute("SELECT status, detail, realized_profit, buy_qty, sell_qty FROM trades"
                         " WHERE trade_id = ?", (trade_id,)).fetchone()
    assert row is not None
    return row  # type: ignore[no-any-return]


def assert_ledger_matches(live: LiveExecutor, sim: SimServer) -> None:
    """The ledger moved by each fill exactly once: it equals what the venues hold."""
    for venue in (Venue.OKX, Venue.BINANCE):
        for asset in ("BTC", "USDT"):
            held = float(sim.account(venue).balances[asset].free)
            assert live.ledger.free(venue, asset) == pytest.approx(held, rel=1e-9), (venue,
                                                                                     asset)


def sim_pnl(sim: SimServer, buy_id: str, sell_id: str) -> float:
    """The trade's PnL from the venues' own fills (fees in quote, or base at its price)."""
    b = sim.account(Venue.BINANCE).order(buy_id)
    s = sim.account(Venue.OKX).order(sell_id)
    assert b is not None and s is not None
    bought, sold = float(b.filled), float(s.filled)
    b_avg, s_avg = float(b.quote) / bought, float(s.quote) / sold
    fees = sum(float(o.fee) * (avg if o.fee_asset == "BTC" else 1.0)
               for o, avg in ((b, b_avg), (s, s_avg)))
    return min(bought, sold) * (s_avg - b_avg) - fees


async def test_a_late_fill_pushed_on_the_stream_is_booked_once_and_frees_the_symbol(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """OKX's order and every lookup time out; OKX fills the order later and pushes it on
    its stream (lookups stay silent). Meanwhile the trade is open, journaled so, and the
    symbol makes no order; then it settles filled, PnL from the fills, ledger moved once
    (a REST answer for the same order afterwards moves nothing), symbol free."""
    async with SimServer(QUIET) as sim:
        demo_keys(sim, monkeypatch)
        async with silent_okx(tmp_path, sim, monkeypatch) as (rt, trader, live, api):
            out = await held_open(trader, rt, "late-push", 1.005)
            buy, sell = (leg.request for leg in out.orders)
            status, detail, *_ = trade_row(tmp_path, out.trade_id)
            assert status == "open" and detail is not None and "outcome unknown" in detail
            shown = await api_trade(api, out.trade_id)
            assert (shown["status"], shown["leg_outcome"], shown["closed"]) == (
                "open", "held", None) and "outcome unknown" in shown["detail"]
            assert SYMBOL in trader.risk.in_flight and trader.trades == 0
            sent = [len(sim.account(v).orders) for v in Venue]
            trader.on_episode(episode(rt, "same-symbol", 1.005))
            await trader.wait_taken()
            assert trader.rejections["in_flight"] == 1, trader.last_rejection
            assert [len(sim.account(v).orders) for v in Venue] == sent
            await until(lambda: trader.trades == 1, "the late fill to settle the trade",
                        wait_s=LATE_S)
            done = trader.recent[0]
            assert (done.trade_id, done.status, done.leg_outcome) == (
                out.trade_id, TradeStatus.FILLED, LegOutcome.BALANCED), done.detail
            assert f"{sell.client_id} answered late" in done.detail
            assert done.settlement.pnl == pytest.approx(sim_pnl(sim, buy.client_id,
                                                                sell.client_id))
            status, _, pnl, bought, sold = trade_row(tmp_path, out.trade_id)
            assert (status, pnl, bought) == ("filled", pytest.approx(done.settlement.pnl),
                                             pytest.approx(sold))
            assert SYMBOL not in trader.risk.in_flight and SYMBOL not in trader.risk.held_symbols
            assert_ledger_matches(live, sim)
            shown = await api_trade(api, out.trade_id)
            assert (shown["status"], shown["pnl"]) == ("filled",
                                                       pytest.approx(done.settlement.pnl))
            sim.clear_rest_fault(Venue.OKX)
            answer = await live.status(sell)  # the REST answer comes too: booked already
            assert answer.filled_qty == pytest.approx(done.orders[1].report.filled_qty)
            assert_ledger_matches(live, sim)
            assert trader.trades == 1 and len(trader.recent) == 1


async def test_a_late_answer_of_not_filled_has_the_other_leg_unwound(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """OKX's sell ends unfilled, unpushed, and only a REST lookup says so once OKX
    answers again: the Binance buy is then one-sided and the unwind policy sells it back
    (armed, not halted), exactly as for a leg that failed at once."""
    monkeypatch.setattr(latelegs, "RECHECK_S", 0.5)
    async with SimServer(QUIET) as sim:
        demo_keys(sim, monkeypatch)
        async with silent_okx(tmp_path, sim, monkeypatch) as (rt, trader, live, _):
            sim.streams.mute_next_orders(Venue.OKX, 1)
            out = await held_open(trader, rt, "late-miss", 1.03)
            sell = out.orders[1].request
            assert out.orders[0].report.filled_qty > 0
            await until(lambda: sim.account(Venue.OKX).order(sell.client_id) is not None,
                        "OKX to act on the late order", wait_s=LATE_S)
            sim.clear_rest_fault(Venue.OKX)
            await until(lambda: trader.trades == 1, "the late answer to settle the trade",
                        wait_s=LATE_S)
            done = trader.recent[0]
            assert (done.status, done.leg_outcome) == (TradeStatus.FILLED,
                                                       LegOutcome.UNWOUND), done.detail
            unwind = done.orders[2].request
            assert (unwind.venue, unwind.side) == (Venue.BINANCE, Side.SELL)
            assert sim.account(Venue.BINANCE).order(unwind.client_id) is not None
            assert done.orders[1].report.filled_qty == 0
            assert SYMBOL not in trader.risk.in_flight
            assert_ledger_matches(live, sim)


async def test_no_unwind_leaves_for_a_late_answer_once_halted(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """As above, but trading is halted while the trade waits: the late answer settles
    it, and no order leaves; the imbalance is reported as leg risk."""
    monkeypatch.setattr(latelegs, "RECHECK_S", 0.5)
    async with SimServer(QUIET) as sim:
        demo_keys(sim, monkeypatch)
        async with silent_okx(tmp_path, sim, monkeypatch) as (rt, trader, live, _):
            out = await held_open(trader, rt, "late-halt", 1.03)
            trader.halt("kill switch")
            binance = len(sim.account(Venue.BINANCE).orders)
            await until(lambda: sim.account(Venue.OKX).order(out.orders[1].request.client_id)
                        is not None, "OKX to act on the late order", wait_s=LATE_S)
            sim.clear_rest_fault(Venue.OKX)
            await until(lambda: trader.trades == 1, "the late answer to settle the trade",
                        wait_s=LATE_S)
            done = trader.recent[0]
            assert (done.status, done.leg_outcome) == (TradeStatus.LEG_RISK,
                                                       LegOutcome.UNWIND_FAILED), done.detail
            assert "HALTED" in done.detail
            assert len(sim.account(Venue.BINANCE).orders) == binance
            assert_ledger_matches(live, sim)


async def test_with_the_hold_policy_a_late_one_sided_fill_is_held_and_alerted(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`leg_policy = "hold"`: the late "not filled" leaves the Binance buy one-sided; no
    order leaves, the symbol stays held, and the alerts say so twice: when the trade was
    held open for OKX's answer, and how it settled."""
    monkeypatch.setattr(latelegs, "RECHECK_S", 0.5)
    with receiver() as r:
        monkeypatch.setenv("ARBOT_ALERT_URLS", r.url("hook/late"))
        async with SimServer(QUIET) as sim:
            demo_keys(sim, monkeypatch)
            async with silent_okx(tmp_path, sim, monkeypatch, leg_policy="hold") as (
                    rt, trader, live, _):
                out = await held_open(trader, rt, "late-hold", 1.03)
                binance = len(sim.account(Venue.BINANCE).orders)
                await until(lambda: r.titles("held open"), "the held-open alert")
                sim.clear_rest_fault(Venue.OKX)
                await until(lambda: trader.trades == 1, "the late answer to settle the trade",
                            wait_s=LATE_S)
                done = trader.recent[0]
                assert (done.trade_id, done.status, done.leg_outcome) == (
                    out.trade_id, TradeStatus.LEG_RISK, LegOutcome.HELD), done.detail
                assert len(sim.account(Venue.BINANCE).orders) == binance
                assert "holding +0.001 BTC" in trader.risk.held_symbols[SYMBOL]
                await until(lambda: r.titles("leg risk in BTC-USDT: held"), "the settled alert")
                assert_ledger_matches(live, sim)
        assert len(r.titles("held open")) == 1
        assert [t for t in r.titles("leg risk") if "held open" not in t] == [
            "ArBot: leg risk in BTC-USDT: held"]


async def test_a_restart_settles_a_trade_left_open_from_the_venue(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """ArBot stops while the trade waits for OKX: the trade stays open in the journal.
    OKX fills the order meanwhile; the next start asks OKX and closes the trade from
    the real fills, with the ledger taken from the venues (the fill not booked again)."""
    async with SimServer(QUIET) as sim:
        demo_keys(sim, monkeypatch)
        async with silent_okx(tmp_path, sim, monkeypatch) as (rt, trader, _, _):
            out = await held_open(trader, rt, "late-restart", 1.005)
        buy, sell = (leg.request for leg in out.orders)
        assert trade_row(tmp_path, out.trade_id)[0] == "open"
        await until(lambda: sim.account(Venue.OKX).order(sell.client_id) is not None,
                    "OKX to act on the late order", wait_s=LATE_S)
        sim.clear_rest_fault(Venue.OKX)
        async with live_runtime(tmp_path, sim, armed=False) as rt2:
            status, detail, pnl, bought, sold = trade_row(tmp_path, out.trade_id)
            assert status == "interrupted", detail
            assert (bought, sold) == (pytest.approx(sold), pytest.approx(bought))
            assert pnl == pytest.approx(sim_pnl(sim, buy.client_id, sell.client_id))
            assert rt2.trader is not None and isinstance(rt2.trader.executor, LiveExecutor)
            assert SYMBOL not in rt2.trader.risk.held_symbols
            assert_ledger_matches(rt2.trader.executor, sim)


async def test_a_restart_holds_the_symbol_of_a_trade_the_venue_left_one_sided(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The late OKX sell ended unfilled while ArBot was down: the next start closes the
    trade one-sided from OKX's answer and holds the symbol (no books yet to even it out
    with), saying why."""
    async with SimServer(QUIET) as sim:
        demo_keys(sim, monkeypatch)
        async with silent_okx(tmp_path, sim, monkeypatch) as (rt, trader, _, _):
            out = await held_open(trader, rt, "late-restart-miss", 1.03)
        sell = out.orders[1].request
        await until(lambda: sim.account(Venue.OKX).order(sell.client_id) is not None,
                    "OKX to act on the late order", wait_s=LATE_S)
        sim.clear_rest_fault(Venue.OKX)
        async with live_runtime(tmp_path, sim, armed=False) as rt2:
            assert trade_row(tmp_path, out.trade_id)[0] == "interrupted"
            assert rt2.trader is not None
            assert out.trade_id in rt2.trader.risk.held_symbols.get(SYMBOL, "")
            assert any(out.trade_id in w for w in rt2.warnings)
