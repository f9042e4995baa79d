"""Orders confirmed by each venue's private stream, and REST taking over when the stream
cannot: over real sockets against the simulator, for every venue, with the simulator's
stream faults (dropped mid-trade, a late push, an order never pushed, a refused login).

"By the stream" is shown by the simulator's count of REST requests: an order known from
its push costs the one request that placed it and no lookup. Binance's answer to an
order already carries its fills (`newOrderRespType` FULL), so there neither the stream
nor a lookup is needed, and the faults can only be shown not to harm; its stream's
pushes are checked all the same."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path

import aiohttp
import pytest

from arbot.api.app import Api
from arbot.api.hub import EventHub
from arbot.config import ArbotSettings
from arbot.config.run import with_endpoints
from arbot.domain import (
    PASSED,
    Episode,
    EpisodeEvent,
    EpisodeKind,
    Opportunity,
    OrderStatus,
    Venue,
)
from arbot.headless import status_lines
from arbot.privateevents import StreamState
from arbot.sim import SimConfig, SimServer
from arbot.sim.auth import AuthFailure
from arbot.sim.config import Dislocations
from arbot.tradekinds import TradingMode
from arbot.trading.execution import final_report
from arbot.trading.live import LiveExecutor
from arbot.tui.backend import trading_status
from arbot.tui.state import RunPhase
from arbot.tui.tradetext import status_lines as tui_status_lines
from tests.conftest import until
from tests.trading.streams import SYMBOL, Streamed, crossing, streamed
from tests.trading.test_live import QUIET as LIVE_QUIET
from tests.trading.test_live import demo_keys, live_runtime, plan_now, quotes_now

QUIET = SimConfig(symbols=(SYMBOL,), rate=20, dislocations=Dislocations(rate_per_s=0.0))
VENUES = pytest.mark.parametrize("venue", list(Venue))
ACK_ONLY = frozenset({Venue.BYBIT, Venue.OKX, Venue.BITGET})  # answer an order with ids


def lookups(sim: SimServer, venue: Venue, before: int) -> int:
    """REST requests after `before` beyond the one that placed the order."""
    return sim.stats[venue].rest_requests - before - 1


def requests(sim: SimServer, venue: Venue) -> int:
    return sim.stats[venue].rest_requests


@pytest.mark.parametrize(("venue", "unified"), [
    *((v, False) for v in Venue), (Venue.BITGET, True)])
async def test_a_fill_is_known_from_the_stream_without_a_lookup(venue: Venue,
                                                                  unified: bool) -> None:
    """Every venue, and Bitget's unified (UTA) accounts on their own v3 stream."""
    async with SimServer(QUIET) as sim, aiohttp.ClientSession() as session:
        if unified:
            sim.set_account_mode(venue, "uta")
        async with streamed(sim, venue, session, unified=unified) as s:
            await _fill_from_the_stream(sim, venue, s)


async def _fill_from_the_stream(sim: SimServer, venue: Venue, s: Streamed) -> None:
    """The order filled, known from its push alone; the balances pushed too."""
    pushed: list[tuple[Venue, dict[str, object]]] = []
    s.executor.inbox.on_balances = lambda v, b: pushed.append((v, dict(b)))
    req = crossing(sim, venue, "abstream1b")
    before = requests(sim, venue)
    report = await final_report(s.executor, req, True)
    order = sim.account(venue).order(req.client_id)
    assert order is not None and report.status is OrderStatus.FILLED, report
    assert report.filled_qty == pytest.approx(float(order.filled))
    assert report.fee == pytest.approx(float(order.fee))
    assert lookups(sim, venue, before) == 0
    await until(lambda: pushed, "the balances to be pushed")
    update = s.executor.inbox.latest(venue, req.client_id)
    assert update is not None and update.status is OrderStatus.FILLED
    assert update.filled_qty == pytest.approx(report.filled_qty)
    assert update.avg_price == pytest.approx(report.avg_price)
    held = s.executor.inbox.balances[venue]
    for asset in ("BTC", "USDT"):
        assert held[asset].free == pytest.approx(float(sim.account(venue).balances[asset].free))
    assert all(v is venue for v, _ in pushed)


@VENUES
async def test_a_stream_dropped_mid_trade_leaves_the_fill_to_rest(venue: Venue) -> None:
    async with SimServer(QUIET) as sim, aiohttp.ClientSession() as session, \
            streamed(sim, venue, session) as s:
        epoch = s.executor.stream_epoch(venue)
        sim.streams.drop_on_next_order(venue)
        req = crossing(sim, venue, "abdropped1b")
        before = requests(sim, venue)
        report = await final_report(s.executor, req, True)
        order = sim.account(venue).order(req.client_id)
        assert order is not None and report.status is OrderStatus.FILLED, report
        assert report.filled_qty == pytest.approx(float(order.filled))
        assert lookups(sim, venue, before) >= (venue in ACK_ONLY)
        await until(lambda: (s.executor.stream_epoch(venue) or 0) > (epoch or 0),
                    "the stream to come back on a new socket")


@VENUES
async def test_a_late_push_after_the_rest_answer_is_booked_once(venue: Venue) -> None:
    async with SimServer(QUIET) as sim, aiohttp.ClientSession() as session, \
            streamed(sim, venue, session) as s:
        sim.streams.delay_pushes(venue, 2.0)  # past the stream's silence allowance
        req = crossing(sim, venue, "ablate1b")
        before = requests(sim, venue)
        base_before = s.executor.ledger.snapshot().get(venue, {}).get("BTC", 0.0)
        report = await final_report(s.executor, req, True)
        assert report.status is OrderStatus.FILLED, report
        assert lookups(sim, venue, before) >= (venue in ACK_ONLY)
        await until(lambda: s.executor.inbox.latest(venue, req.client_id) is not None,
                    "the late push")
        late = s.executor.inbox.latest(venue, req.client_id)
        assert late is not None and late.filled_qty == pytest.approx(report.filled_qty)
        moved = s.executor.ledger.snapshot()[venue]["BTC"] - base_before
        assert moved == pytest.approx(report.filled_qty - report.fee)  # booked once


@VENUES
async def test_an_order_the_stream_never_mentions_is_found_by_rest(venue: Venue) -> None:
    async with SimServer(QUIET) as sim, aiohttp.ClientSession() as session, \
            streamed(sim, venue, session) as s:
        sim.streams.mute_next_orders(venue)
        req = crossing(sim, venue, "abmute1b")
        before = requests(sim, venue)
        report = await final_report(s.executor, req, True)
        assert report.status is OrderStatus.FILLED, report
        assert lookups(sim, venue, before) >= (venue in ACK_ONLY)
        assert s.executor.inbox.latest(venue, req.client_id) is None


@VENUES
@pytest.mark.parametrize(("failure", "words"), [
    (AuthFailure.UNKNOWN_KEY, "invalid or revoked"),
    (AuthFailure.EXPIRED, "timestamp"),
    (AuthFailure.BAD_SIGNATURE, "signature"),
])
async def test_a_refused_login_pauses_the_venue_with_one_clear_message(
        venue: Venue, failure: AuthFailure, words: str,
        caplog: pytest.LogCaptureFixture) -> None:
    async with SimServer(QUIET) as sim, aiohttp.ClientSession() as session:
        sim.streams.refuse_logins(venue, failure)
        async with streamed(sim, venue, session, live=False) as s:
            await until(lambda: s.executor.blocked(venue), "the venue to be paused")
            why = s.executor.blocked(venue)
            assert str(venue) in why and words in why, why
            status = s.executor.inbox.status[venue]
            assert status.state is StreamState.REFUSED
            await until(lambda: s.feed.reconnects >= 2, "a second refused attempt")
            said = [r.getMessage() for r in caplog.records if "refused" in r.getMessage()]
            assert len(said) == 1, said  # once, not once per attempt
            creds = sim.credentials(venue)
            for text in (why, *said):
                assert creds.secret not in text and creds.key not in text
            sim.streams.refuse_logins(venue, None)
            await until(lambda: s.executor.stream_epoch(venue) is not None,
                        "the stream to log in once the keys are good")
            assert s.executor.blocked(venue) == ""


async def test_the_live_runtime_runs_every_venues_stream_and_trades_on_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The real runtime in live mode: one private stream per venue with keys, found
    beside each venue's REST base on the simulator, and a trade's ack-only legs settled
    from the streams' pushes."""
    async with SimServer(LIVE_QUIET) as sim:
        demo_keys(sim, monkeypatch)
        async with live_runtime(tmp_path, sim, armed=False) as rt:
            assert rt.trader is not None and isinstance(rt.trader.executor, LiveExecutor)
            live = rt.trader.executor
            await until(lambda: all(live.stream_epoch(v) is not None for v in Venue),
                        "every venue's private stream to go live")
            line = next(x for x in status_lines(rt) if x.startswith("private"))
            shown = {v: f"{v} live" for v in Venue} | {
                Venue.BITGET: "bitget live (classic account)"}  # its mode, found at start
            assert line == "private  " + ", ".join(shown[v] for v in sorted(Venue)), line
            before = {v: requests(sim, v) for v in (Venue.OKX, Venue.BYBIT)}
            plan = plan_now(rt, Venue.OKX, Venue.BYBIT)
            buy, sell = await asyncio.gather(final_report(live, plan.buy, True),
                                             final_report(live, plan.sell, True))
            assert buy.status is OrderStatus.FILLED and sell.status is OrderStatus.FILLED
            assert all(lookups(sim, v, before[v]) == 0 for v in before)


def test_the_private_stream_url_follows_the_rest_base() -> None:
    settings = ArbotSettings()
    assert settings.exchanges.private_ws_url(Venue.OKX) == "wss://ws.okx.com:8443/ws/v5/private"
    moved = with_endpoints(settings, {Venue.BYBIT: ("ws://127.0.0.1:9/bybit/v5/public/spot",
                                                    "http://127.0.0.1:9/bybit")})
    assert moved.exchanges.private_ws_url(Venue.BYBIT) == "ws://127.0.0.1:9/bybit/v5/private"
    chosen = ArbotSettings.model_validate(
        {"exchanges": {"bitget": {"private_ws_url": "wss://example.test/private"}}})
    assert chosen.exchanges.private_ws_url(Venue.BITGET) == "wss://example.test/private"


async def test_the_trader_skips_a_venue_whose_stream_refuses_the_keys(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Armed live trading, OKX refusing the stream's login as a revoked key: an episode
    that needs OKX is refused before any order, with the one message that names why."""
    async with SimServer(LIVE_QUIET) as sim:
        demo_keys(sim, monkeypatch)
        sim.streams.refuse_logins(Venue.OKX, AuthFailure.UNKNOWN_KEY)
        async with live_runtime(tmp_path, sim, armed=True) as rt:
            trader = rt.trader
            assert trader is not None and isinstance(trader.executor, LiveExecutor)
            live = trader.executor
            await until(lambda: live.blocked(Venue.OKX), "OKX to be paused")
            requests_before = requests(sim, Venue.OKX)
            b, q = quotes_now(rt, Venue.BINANCE, Venue.OKX)
            o = Opportunity(symbol="BTC-USDT", buy=b, sell=q, buy_fee_bps=10.0,
                            sell_fee_bps=10.0, net_per_unit=1.0, net_bps=1.0, size=0.001,
                            profit=0.001)
            e = Episode(id="okx-refused", symbol="BTC-USDT", buy_venue=Venue.BINANCE,
                        sell_venue=Venue.OKX, opened_ns=1, first=o, peak=o, last=o,
                        verdict=PASSED, passed=True, updates=1)
            trader.on_episode(EpisodeEvent(kind=EpisodeKind.OPEN, episode=e))
            await trader.wait_taken()
            assert trader.rejections["venue_blocked"] == 1
            assert "okx refused the private stream's login" in trader.last_rejection
            assert requests(sim, Venue.OKX) == requests_before  # no order reached OKX
            line = next(x for x in status_lines(rt) if x.startswith("private"))
            assert "okx refused (okx refused" in line, line
            shown = trading_status(rt)  # the Trades screen's status
            assert shown is not None and "okx refused (okx refused" in shown.streams
            assert "okx refused (okx refused" in tui_status_lines(
                shown, TradingMode.LIVE, RunPhase.RUNNING)
            status = Api(rt, "t", EventHub(TradingMode.LIVE)).status_now()
            okx = next(s for s in status.private_streams if s.venue == "okx")
            assert okx.state == "refused" and "okx refused" in okx.refused


async def test_a_unified_bitget_account_is_confirmed_on_its_own_stream(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The runtime finds the Bitget account unified and follows it to the v3 stream, the
    only one the simulator pushes that account's changes on: a Bitget leg is known from
    its push, without a lookup. The Trades screen, the headless status and
    `/api/status` say the account is unified (and no mode for venues without modes)."""
    config = replace(LIVE_QUIET, accounts=replace(LIVE_QUIET.accounts,
                                                  modes={Venue.BITGET: "uta"}))
    async with SimServer(config) as sim:
        demo_keys(sim, monkeypatch)
        async with live_runtime(tmp_path, sim, armed=False) as rt:
            assert rt.trader is not None and isinstance(rt.trader.executor, LiveExecutor)
            live = rt.trader.executor
            await until(lambda: live.stream_epoch(Venue.BITGET) is not None,
                        "Bitget's private stream to go live")
            assert live.clients[Venue.BITGET].account_mode == "uta"
            shown = trading_status(rt)
            assert shown is not None and "bitget live (unified account)" in shown.streams
            assert "okx live," in shown.streams or shown.streams.endswith("okx live")
            assert "bitget live (unified account)" in tui_status_lines(
                shown, TradingMode.LIVE, RunPhase.RUNNING)
            line = next(x for x in status_lines(rt) if x.startswith("private"))
            assert "bitget live (unified account)" in line, line
            status = Api(rt, "t", EventHub(TradingMode.LIVE)).status_now()
            modes = {s.venue: s.account_mode for s in status.private_streams}
            assert modes == {"binance": "", "bitget": "unified", "bybit": "", "okx": ""}
            before = requests(sim, Venue.BITGET)
            plan = plan_now(rt, Venue.BITGET, Venue.OKX)
            report = await final_report(live, plan.buy, True)
            assert report.status is OrderStatus.FILLED, report
            assert lookups(sim, Venue.BITGET, before) == 0
