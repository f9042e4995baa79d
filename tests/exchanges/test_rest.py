"""The REST client over real HTTP against the simulator on 127.0.0.1.

Sleeps (backoff, Retry-After, the token buckets) run in virtual time, so a 600 s ban
costs nothing; only the timeout test waits for real, a fraction of a second.
"""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from decimal import Decimal

import aiohttp
import msgspec
import pytest

from arbot.domain import Venue
from arbot.exchanges import adapter_for
from arbot.exchanges.rest import RestClient, RestError, load_symbol_map
from arbot.exchanges.restspec import RestErrorKind
from arbot.exchanges.resttiming import RestTiming
from arbot.exchanges.symbols import UnknownSymbolError
from arbot.sim import SimConfig, SimServer
from arbot.sim.instruments import decimal_text, spec_for
from arbot.sim.server import wall_ms
from tests.exchanges import FIXTURES
from tests.exchanges.test_ratelimit import VirtualTime

VENUES = list(Venue)
TIMING = RestTiming(timeout_s=2.0, retries=3, backoff_base_s=0.5, backoff_cap_s=4.0)


class Skew:
    """The simulator's clock, `ms` ahead of ours."""

    def __init__(self) -> None:
        self.ms = 0

    def now_ms(self) -> int:
        return wall_ms() + self.ms


@pytest.fixture
async def skew() -> Skew:
    return Skew()


@pytest.fixture
async def sim(skew: Skew) -> AsyncIterator[SimServer]:
    async with SimServer(SimConfig(rate=1.0), now_ms=skew.now_ms) as srv:
        yield srv


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
def vt() -> VirtualTime:
    return VirtualTime()


def client(venue: Venue, base_url: str, http: aiohttp.ClientSession | None, vt: VirtualTime,
           timing: RestTiming = TIMING) -> RestClient:
    return RestClient(adapter_for(venue), base_url, http, timing=timing, clock=vt.clock,
                      sleep=vt.sleep)


def sim_client(sim: SimServer, venue: Venue, http: aiohttp.ClientSession, vt: VirtualTime,
               timing: RestTiming = TIMING) -> RestClient:
    return client(venue, sim.urls(venue).rest_url, http, vt, timing)


def instruments_path(venue: Venue) -> str:
    return adapter_for(venue).instruments_path.partition("?")[0]


# --- instruments and the symbol map ----------------------------------------------------


@pytest.mark.parametrize("venue", VENUES)
async def test_instruments_map_the_simulators_symbols(
        sim: SimServer, http: aiohttp.ClientSession, vt: VirtualTime, venue: Venue) -> None:
    adapter = adapter_for(venue)
    rest = sim_client(sim, venue, http, vt)
    smap, instruments, warning = await load_symbol_map(rest, adapter, ["BTC-USDT", "XRP-USDT"])
    assert warning is None
    assert smap.canonical_symbols() == ["BTC-USDT", "XRP-USDT"]
    assert smap.to_venue("BTC-USDT") == adapter.venue_id("BTC", "USDT")
    assert smap.to_canonical(adapter.venue_id("XRP", "USDT")) == "XRP-USDT"
    for symbol, inst in instruments.items():
        rules = spec_for(symbol).rules[venue]
        assert Decimal(inst.tick_size) == Decimal(decimal_text(rules.price_dp, "trim"))
        assert Decimal(inst.lot_size) == Decimal(decimal_text(rules.qty_dp, "trim"))
        assert inst.trading
    assert sim.stats[venue].rest_requests == 1


@pytest.mark.parametrize("venue", VENUES)
async def test_server_time_offset_follows_the_venue_clock(
        sim: SimServer, skew: Skew, http: aiohttp.ClientSession, vt: VirtualTime,
        venue: Venue) -> None:
    rest = sim_client(sim, venue, http, vt)
    assert abs(await rest.server_time_offset()) < 1_000
    skew.ms = 5_000
    assert abs(await rest.server_time_offset() - 5_000) < 1_000


@pytest.mark.parametrize("venue", VENUES)
async def test_unknown_configured_symbol_is_reported_and_left_out(
        sim: SimServer, http: aiohttp.ClientSession, vt: VirtualTime, venue: Venue) -> None:
    rest = sim_client(sim, venue, http, vt)
    smap, instruments, warning = await load_symbol_map(
        rest, adapter_for(venue), ["ETH-USDT", "FOO-USDT", "BAR-USDT"])
    assert warning == f"{venue} does not list FOO-USDT, BAR-USDT"
    assert smap.canonical_symbols() == ["ETH-USDT"] and list(instruments) == ["ETH-USDT"]
    with pytest.raises(UnknownSymbolError, match=f"{venue} does not list FOO-USDT"):
        smap.to_venue("FOO-USDT")


async def test_a_listed_but_halted_symbol_is_reported_and_left_out(
        sim: SimServer, http: aiohttp.ClientSession, vt: VirtualTime) -> None:
    body = msgspec.json.decode((FIXTURES / "bitget/DOCS_EXAMPLE_symbols.json").read_bytes())
    halted = {**body["data"][0], "symbol": "ETHUSDT", "baseCoin": "ETH", "status": "halt"}
    body["data"].append(halted)
    sim.set_rest_fault(Venue.BITGET, status=200, body=body)
    rest = sim_client(sim, Venue.BITGET, http, vt)
    smap, instruments, warning = await load_symbol_map(
        rest, adapter_for(Venue.BITGET), ["BTC-USDT", "ETH-USDT", "SOL-USDT"])
    assert warning == ("bitget does not list SOL-USDT; "
                       "bitget is not trading ETH-USDT (status halt)")
    assert smap.canonical_symbols() == ["BTC-USDT"]
    assert instruments["BTC-USDT"].tick_size == "0.01"


async def test_an_empty_listing_counts_as_unavailable(
        sim: SimServer, http: aiohttp.ClientSession, vt: VirtualTime) -> None:
    sim.set_rest_fault(Venue.BITGET, status=200, body={"code": "00000", "msg": "success",
                                                       "data": []})
    rest = sim_client(sim, Venue.BITGET, http, vt)
    smap, _, warning = await load_symbol_map(rest, adapter_for(Venue.BITGET), ["BTC-USDT"])
    assert warning == "bitget instruments unavailable (it listed none); using configured symbols"
    assert smap.to_venue("BTC-USDT") == "BTCUSDT"


@pytest.mark.parametrize("venue", VENUES)
async def test_failing_instruments_fall_back_to_configured_symbols(
        sim: SimServer, http: aiohttp.ClientSession, vt: VirtualTime, venue: Venue) -> None:
    sim.set_rest_fault(venue, status=500, path=instruments_path(venue))
    adapter = adapter_for(venue)
    rest = sim_client(sim, venue, http, vt)
    smap, instruments, warning = await load_symbol_map(rest, adapter, ["BTC-USDT", "FOO-USDT"])
    assert smap.to_venue("FOO-USDT") == adapter.venue_id("FOO", "USDT")
    assert smap.canonical_symbols() == ["BTC-USDT", "FOO-USDT"] and instruments == {}
    assert warning is not None
    assert warning.startswith(
        f"{venue} instruments unavailable ({venue} GET {adapter.instruments_path}:")
    assert "venue error, status unknown (HTTP 500, 500 simulated fault) after 4 attempts" in warning
    assert warning.endswith("; using configured symbols") and "\n" not in warning
    assert sim.stats[venue].rest_requests == 1 + TIMING.retries
    assert len(vt.slept) == TIMING.retries  # backoff between attempts, in virtual time
    assert all(0 <= s <= TIMING.backoff_cap_s for s in vt.slept)


@pytest.mark.parametrize("venue", VENUES)
async def test_an_unreachable_venue_falls_back_too(vt: VirtualTime, venue: Venue) -> None:
    with socket.socket() as s:  # a port that was free a moment ago: nothing listens there
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    async with client(venue, f"http://127.0.0.1:{port}/", None, vt) as rest:
        smap, _, warning = await load_symbol_map(rest, adapter_for(venue), ["ETH-USDT"])
        with pytest.raises(RestError) as caught:
            await rest.server_time_offset()
    assert caught.value.kind is RestErrorKind.NETWORK and caught.value.status is None
    assert smap.canonical_symbols() == ["ETH-USDT"]
    assert warning is not None and "connection failed" in warning


# --- retries ---------------------------------------------------------------------------


@pytest.mark.parametrize("venue", VENUES)
async def test_429_with_retry_after_pauses_then_succeeds(
        sim: SimServer, http: aiohttp.ClientSession, vt: VirtualTime, venue: Venue) -> None:
    sim.set_rest_fault(venue, status=429, retry_after=7, times=2)
    rest = sim_client(sim, venue, http, vt)
    instruments = await rest.fetch_instruments()
    assert {i.symbol for i in instruments} >= {"BTC-USDT", "ETH-USDT"}
    assert sim.stats[venue].rest_requests == 3
    assert vt.slept[:1] == [7.0] and vt.now >= 14.0  # Retry-After honoured twice


async def test_binance_ban_418_waits_out_retry_after(
        sim: SimServer, http: aiohttp.ClientSession, vt: VirtualTime) -> None:
    sim.set_rest_fault(Venue.BINANCE, status=418, retry_after=30, times=1,
                       body={"code": -1003, "msg": "Way too many requests; IP banned."})
    rest = sim_client(sim, Venue.BINANCE, http, vt)
    assert len(await rest.fetch_instruments()) == 4
    assert 30.0 in vt.slept


async def test_okx_50011_in_a_200_is_a_rate_limit_and_retried(
        sim: SimServer, http: aiohttp.ClientSession, vt: VirtualTime) -> None:
    sim.set_rest_fault(Venue.OKX, status=200, times=1,
                       body={"code": "50011", "msg": "Rate limit reached.", "data": []})
    rest = sim_client(sim, Venue.OKX, http, vt)
    assert len(await rest.fetch_instruments()) == 4
    assert sim.stats[Venue.OKX].rest_requests == 2


async def test_a_ban_longer_than_max_wait_fails_fast_and_holds_back_later_calls(
        sim: SimServer, http: aiohttp.ClientSession, vt: VirtualTime) -> None:
    """Bybit's IP limit: "403, access too frequent", wait at least 10 minutes."""
    sim.set_rest_fault(Venue.BYBIT, status=403, times=1)
    rest = sim_client(sim, Venue.BYBIT, http, vt)
    with pytest.raises(RestError) as caught:
        await rest.fetch_instruments()
    err = caught.value
    assert (err.kind, err.status, err.retry_after_s) == (RestErrorKind.RATE_LIMITED, 403, 600.0)
    assert str(err) == ("bybit GET /v5/market/instruments-info?category=spot: "
                        "rate limited (HTTP 403, 403 simulated fault), retry after 600 s")
    assert vt.now == 0.0  # gave up at once
    await rest.server_time_offset()  # the next call waits out the ban first
    assert vt.now >= 600.0 and sim.stats[Venue.BYBIT].rest_requests == 2


@pytest.mark.parametrize("venue", VENUES)
async def test_a_slow_answer_times_out_and_is_retried(
        sim: SimServer, http: aiohttp.ClientSession, vt: VirtualTime, venue: Venue) -> None:
    sim.set_rest_fault(venue, delay_s=0.3, times=1)
    rest = sim_client(sim, venue, http, vt, RestTiming(timeout_s=0.1, retries=2))
    assert len(await rest.fetch_instruments()) == 4
    assert sim.stats[venue].rest_requests == 2 and len(vt.slept) == 1


async def test_timeouts_exhaust_the_retries(
        sim: SimServer, http: aiohttp.ClientSession, vt: VirtualTime) -> None:
    sim.set_rest_fault(Venue.OKX, delay_s=0.3, times=2)
    rest = sim_client(sim, Venue.OKX, http, vt, RestTiming(timeout_s=0.05, retries=1))
    with pytest.raises(RestError) as caught:
        await rest.server_time_offset()
    assert str(caught.value) == ("okx GET /api/v5/public/time: timed out "
                                 "(no answer within 0.05 s) after 2 attempts")


REFUSED = {
    Venue.BINANCE: ("/api/v3/exchangeInfo?symbol=NOPE", 400, "-1121", "Invalid symbol."),
    Venue.BYBIT: ("/v5/market/instruments-info?category=linear", 200, "10001",
                  "params error: Category is invalid"),
    Venue.OKX: ("/api/v5/public/instruments", 400, "50014",
                "Parameter instType can not be empty."),
    Venue.BITGET: ("/api/v2/spot/public/symbols?symbol=NO", 400, "40034",
                   "Parameter NO does not exist"),
}


@pytest.mark.parametrize("venue", VENUES)
async def test_a_refused_request_is_not_retried(
        sim: SimServer, http: aiohttp.ClientSession, vt: VirtualTime, venue: Venue) -> None:
    path, status, code, message = REFUSED[venue]
    rest = sim_client(sim, venue, http, vt)
    with pytest.raises(RestError) as caught:
        await rest.get_json(path)
    err = caught.value
    assert (err.kind, err.status, err.code, err.message) == (
        RestErrorKind.BAD_REQUEST, status, code, message)
    assert str(err) == (f"{venue} GET {path}: request refused "
                        f"(HTTP {status}, code {code}: {message})")
    assert sim.stats[venue].rest_requests == 1 and vt.slept == []


async def test_an_unreadable_200_is_not_retried(
        sim: SimServer, http: aiohttp.ClientSession, vt: VirtualTime) -> None:
    sim.set_rest_fault(Venue.BINANCE, status=200)
    rest = sim_client(sim, Venue.BINANCE, http, vt)
    with pytest.raises(RestError) as caught:
        await rest.fetch_instruments()
    assert caught.value.kind is RestErrorKind.INVALID_RESPONSE
    assert "not a JSON object: 200 simulated fault" in str(caught.value)
    assert sim.stats[Venue.BINANCE].rest_requests == 1


# --- request budget --------------------------------------------------------------------


async def test_okx_time_calls_wait_for_their_endpoint_budget(
        sim: SimServer, http: aiohttp.ClientSession, vt: VirtualTime) -> None:
    """10 requests / 2 s: a bucket of 5 refilled at 2.5/s, so 7 calls need 0.8 s."""
    rest = sim_client(sim, Venue.OKX, http, vt)
    for _ in range(7):
        await rest.server_time_offset()
    assert vt.now == pytest.approx(0.8)
    await rest.fetch_instruments()  # another endpoint, another budget: no wait
    assert vt.now == pytest.approx(0.8)


async def test_binance_weight_counts_against_the_venue_budget(
        sim: SimServer, http: aiohttp.ClientSession, vt: VirtualTime) -> None:
    """6000 weight per minute: a bucket of 3000 refilled at 50/s."""
    rest = sim_client(sim, Venue.BINANCE, http, vt)
    await rest.get_json("/api/v3/time", weight=2990)
    assert vt.now == 0.0
    await rest.fetch_instruments()  # exchangeInfo weighs 20: 10 missing, 0.2 s
    assert vt.now == pytest.approx(0.2)


async def test_an_owned_session_is_made_and_closed(sim: SimServer, vt: VirtualTime) -> None:
    async with client(Venue.BITGET, sim.urls(Venue.BITGET).rest_url, None, vt) as rest:
        assert len(await rest.fetch_instruments()) == 4
        session = rest._session
        assert session is not None and not session.closed
    assert session.closed


# --- the adapters' REST data (pure) ----------------------------------------------------

K = RestErrorKind
CLASSIFIED = [
    (Venue.BINANCE, 200, b'{"serverTime":1499827319559}', None, ""),
    (Venue.BINANCE, 429, b'{"code":-1003,"msg":"Too many requests."}', K.RATE_LIMITED, "-1003"),
    (Venue.BINANCE, 418, b"", K.RATE_LIMITED, ""),
    (Venue.BINANCE, 400, b'{"code":-1021,"msg":"Timestamp for this request is outside of the '
                         b'recvWindow."}', K.TIMESTAMP, "-1021"),
    (Venue.BINANCE, 403, b"", K.BAD_REQUEST, ""),  # the WAF, not a rate limit
    (Venue.BINANCE, 503, b"<html>\n<h1>503 Service Unavailable</h1>\n</html>", K.SERVER, ""),
    (Venue.BYBIT, 200, b'{"retCode":0,"retMsg":"OK","result":{}}', None, ""),
    (Venue.BYBIT, 200, b'{"retCode":10006,"retMsg":"Too many visits!"}', K.RATE_LIMITED,
     "10006"),
    (Venue.BYBIT, 200, b'{"retCode":10002,"retMsg":"The request time exceeds the time window '
                       b'range."}', K.TIMESTAMP, "10002"),
    (Venue.BYBIT, 403, b"access too frequent", K.RATE_LIMITED, ""),
    (Venue.OKX, 200, b'{"code":"0","msg":"","data":[]}', None, ""),
    (Venue.OKX, 429, b'{"code":"50011","msg":"Too Many Requests"}', K.RATE_LIMITED, "50011"),
    (Venue.OKX, 401, b'{"code":"50102","msg":"Timestamp request expired."}', K.TIMESTAMP,
     "50102"),
    (Venue.OKX, 400, b'{"code":"50004","msg":"Endpoint request timeout."}', K.SERVER, "50004"),
    (Venue.OKX, 200, b'{"code":"59999","msg":"something new"}', K.OTHER, "59999"),
    (Venue.BITGET, 200, b'{"code":"00000","msg":"success","data":[]}', None, ""),
    (Venue.BITGET, 429, b'{"code":"429","msg":"Too many requests"}', K.RATE_LIMITED, "429"),
    (Venue.BITGET, 400, b'{"code":"40008","msg":"Request timestamp expired"}', K.TIMESTAMP,
     "40008"),
    (Venue.BITGET, 502, b"", K.SERVER, ""),
]


@pytest.mark.parametrize(("venue", "status", "body", "kind", "code"), CLASSIFIED)
def test_rest_error_maps_each_venues_envelope(venue: Venue, status: int, body: bytes,
                                              kind: RestErrorKind | None, code: str) -> None:
    problem = adapter_for(venue).rest_error(status, body)
    if kind is None:
        assert problem is None
        return
    assert problem is not None and (problem.kind, problem.code) == (kind, code)
    assert "\n" not in problem.message
    assert problem.retry_after_s == (600.0 if (venue, status) == (Venue.BYBIT, 403) else None)


SERVER_TIME = {
    Venue.BINANCE: b'{"serverTime": 1499827319559}',
    Venue.BYBIT: b'{"retCode":0,"retMsg":"OK","result":{"timeSecond":"1499827319",'
                 b'"timeNano":"1499827319559213947"},"retExtInfo":{},"time":1499827319559}',
    Venue.OKX: b'{"code":"0","msg":"","data":[{"ts":"1499827319559"}]}',
    Venue.BITGET: b'{"code":"00000","msg":"success","requestTime":1499827319560,'
                  b'"data":{"serverTime":"1499827319559"}}',
}


@pytest.mark.parametrize("venue", VENUES)
def test_parse_server_time(venue: Venue) -> None:
    adapter = adapter_for(venue)
    assert adapter.parse_server_time(SERVER_TIME[venue]) == 1499827319559
    for bad in (b"{}", b"not json", b'{"data":[]}'):
        with pytest.raises(ValueError):
            adapter.parse_server_time(bad)
