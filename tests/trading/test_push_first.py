"""A venue's stream push may come before its REST answer to the order: the fill is known
from the push at once, the order call is still awaited to the end (never cancelled),
and the order is booked once in the ledger and the journal, whichever told first.

Over real sockets against the simulator, whose `answer_late_s` fault acts on an order at
once (its pushes leave) and holds the answer back."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import aiohttp
import msgspec
import pytest

from arbot.domain import (
    PASSED,
    Episode,
    EpisodeEvent,
    EpisodeKind,
    Opportunity,
    OrderReport,
    OrderRequest,
    OrderStatus,
    Side,
    Venue,
)
from arbot.privateevents import OrderUpdate, StreamState, StreamStatus
from arbot.runtime import Runtime
from arbot.sim import SimServer
from arbot.trading.answers import Answers
from arbot.trading.execution import final_report
from arbot.trading.live import LiveExecutor
from arbot.trading.streaminbox import StreamInbox
from tests.conftest import until
from tests.trading.streams import crossing, streamed
from tests.trading.test_live import QUIET as LIVE_QUIET
from tests.trading.test_live import demo_keys, live_runtime, quotes_now
from tests.trading.test_private_streams import QUIET, lookups, requests

HELD_S = 0.5  # how long the simulator holds the order's answer back


def marketable_episode(rt: Runtime, buy: Venue, sell: Venue) -> EpisodeEvent:
    """A passed episode 1% wide (the sell venue's bid raised): with a 1% slippage
    allowance both legs still cross the books as they are and fill whole."""
    b, s = quotes_now(rt, buy, sell)
    s = msgspec.structs.replace(s, bid=s.bid * 1.01)
    o = Opportunity(symbol="BTC-USDT", buy=b, sell=s, buy_fee_bps=10.0, sell_fee_bps=10.0,
                    net_per_unit=1.0, net_bps=80.0, size=0.001, profit=0.001)
    e = Episode(id="pushfirst", symbol="BTC-USDT", buy_venue=buy, sell_venue=sell,
                opened_ns=1, first=o, peak=o, last=o, verdict=PASSED, passed=True, updates=1)
    return EpisodeEvent(kind=EpisodeKind.OPEN, episode=e)


@pytest.mark.parametrize("venue", list(Venue))
async def test_a_push_before_the_answer_settles_the_order_and_books_it_once(
        venue: Venue) -> None:
    async with SimServer(QUIET) as sim, aiohttp.ClientSession() as session, \
            streamed(sim, venue, session) as s:
        sim.set_rest_fault(venue, answer_late_s=HELD_S, times=1)
        req = crossing(sim, venue, "abfirst1b")
        before = requests(sim, venue)
        btc = s.executor.ledger.free(venue, "BTC")
        answers = Answers()
        report = await final_report(s.executor, req, True, answers=answers)
        assert report.status is OrderStatus.FILLED, report
        assert answers.pending == 1  # known from the push; the answer is on its way
        order = sim.account(venue).order(req.client_id)
        assert order is not None and report.filled_qty == pytest.approx(float(order.filled))
        booked = s.executor.ledger.free(venue, "BTC") - btc
        assert booked == pytest.approx(report.filled_qty - report.fee)
        await answers.wait()  # the order call ran to its end...
        assert answers.pending == 0
        assert s.executor.ledger.free(venue, "BTC") - btc == pytest.approx(booked)  # ...once
        assert lookups(sim, venue, before) == 0


async def test_without_a_collector_the_answer_is_awaited_before_returning() -> None:
    """`final_report` alone never leaves an order call behind: it returns once the
    answer is in, even when the push told the fill first."""
    venue = Venue.OKX
    async with SimServer(QUIET) as sim, aiohttp.ClientSession() as session, \
            streamed(sim, venue, session) as s:
        sim.set_rest_fault(venue, answer_late_s=HELD_S, times=1)
        req = crossing(sim, venue, "abfirst2b")
        before = requests(sim, venue)
        task = asyncio.create_task(final_report(s.executor, req, True))
        await until(lambda: s.executor.inbox.latest(venue, req.client_id) is not None,
                    "the push")
        assert not task.done()  # its answer is still held
        report = await task
        assert report.status is OrderStatus.FILLED
        assert sim.stats[venue].rest_requests - before == 1


async def test_a_trade_told_by_pushes_first_is_journaled_and_booked_once(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Both legs' pushes come before their answers: the trade stays open until both
    answers are in, then is closed once, each order recorded filled once with the
    venue's id, and the ledger agrees with the venues' balances."""
    async with SimServer(LIVE_QUIET) as sim:
        demo_keys(sim, monkeypatch)
        async with live_runtime(tmp_path, sim, armed=True, slippage_bps=100.0) as rt:
            trader = rt.trader
            assert trader is not None
            ex = trader.executor
            assert isinstance(ex, LiveExecutor)
            legs = (Venue.OKX, Venue.BYBIT)
            await until(lambda: all(ex.stream_epoch(v) is not None for v in legs),
                        "both private streams")
            start = {v: sim.account(v).balances for v in legs}
            for v in legs:
                sim.set_rest_fault(v, answer_late_s=HELD_S, times=1)
            trader.on_episode(marketable_episode(rt, *legs))
            await until(lambda: sim.account(Venue.BYBIT).orders or trader.rejections,
                        "the Bybit leg")
            assert not trader.rejections, trader.last_rejection
            bybit = sim.account(Venue.BYBIT).orders[-1].client_id
            await until(lambda: ex.inbox.latest(Venue.BYBIT, bybit) is not None,
                        "the Bybit leg's push")
            assert trader.trades == 0  # its answers are still held: the trade stays open
            await trader.wait_idle()
            assert trader.trades == 1, trader.last_rejection
            with sqlite3.connect(tmp_path / "arbot.db") as db:
                orders = db.execute("SELECT client_order_id, venue, venue_order_id, status, "
                                    "filled_qty FROM orders").fetchall()
                fills = db.execute("SELECT client_order_id FROM fills").fetchall()
            assert len(orders) == 2
            for cid, venue_name, voi, status, filled in orders:
                held = sim.account(Venue(venue_name)).order(cid)
                assert held is not None and status == "filled"
                assert voi == str(held.order_id)
                assert filled == pytest.approx(float(held.filled))
            assert sorted(c for (c,) in fills) == sorted(c for c, *_ in orders)
            for v in legs:
                for asset in ("BTC", "USDT"):
                    now = sim.account(v).balances[asset].free
                    assert now != start[v][asset].free
                    assert ex.ledger.free(v, asset) == pytest.approx(float(now))


async def test_two_waiters_on_one_order_both_hear_its_push() -> None:
    """One wait given up (cancelled) while another starts on the same order: the push
    still wakes the one left."""
    inbox = StreamInbox()
    inbox.on_stream_status(StreamStatus(venue=Venue.OKX, epoch=1, state=StreamState.LIVE))
    first = asyncio.create_task(inbox.final(Venue.OKX, "abw", 1, 5.0))
    await asyncio.sleep(0)
    second = asyncio.create_task(inbox.final(Venue.OKX, "abw", 1, 5.0))
    first.cancel()
    await asyncio.sleep(0)
    inbox.on_private(OrderUpdate(venue=Venue.OKX, client_id="abw", venue_order_id="1",
                                 venue_symbol="BTC-USDT", status=OrderStatus.FILLED,
                                 filled_qty=1.0, avg_price=1.0, fee=0.0, fee_asset="USDT",
                                 ts_exchange_ms=1, ts_recv_ns=1))
    async with asyncio.timeout(1.0):
        update = await second
    assert update is not None and update.status is OrderStatus.FILLED
    assert first.cancelled()


async def test_an_answer_that_disagrees_with_the_push_is_logged(
        caplog: pytest.LogCaptureFixture) -> None:
    """Nothing is booked from the late answer; a venue contradicting itself is said."""
    req = OrderRequest(client_id="abdis", venue=Venue.OKX, symbol="BTC-USDT",
                       venue_symbol="BTC-USDT", side=Side.BUY, price="1", qty="1")
    pushed = OrderReport(client_id="abdis", venue_order_id="1", status=OrderStatus.FILLED,
                         filled_qty=1.0)
    answer: asyncio.Future[OrderReport] = asyncio.get_running_loop().create_future()
    answers = Answers()
    answers.add(req, pushed, answer)
    answer.set_result(OrderReport(client_id="abdis", venue_order_id="1",
                                  status=OrderStatus.EXPIRED, filled_qty=0.0))
    await answers.wait()
    assert "the venue answered expired 0 but its stream said filled 1" in caplog.text
