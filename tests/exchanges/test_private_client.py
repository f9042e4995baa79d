"""PrivateClient over real HTTP against a tiny fake venue written here (not arbot.sim).

The fake venue checks every signed request the way the venue's docs say (its own
`hmac` code, not the code under test), keeps its own clock, refuses stale timestamps
with the venue's code, and otherwise answers from a per-endpoint script or the recorded
fixtures. The client's wall clock is a constant and its sleeps are virtual, so clock
offsets are exact and waits cost nothing; only the timeout test waits for real, briefly.
"""

from __future__ import annotations

import asyncio
import base64
import calendar
import hashlib
import hmac
import json
import logging
import random
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import aiohttp
import pytest
from aiohttp import web

from arbot.domain import OrderRequest, OrderStatus, Side, Venue
from arbot.exchanges import adapter_for
from arbot.exchanges.private import PrivateClient
from arbot.exchanges.restspec import RestError, RestErrorKind
from arbot.exchanges.resttiming import RestTiming
from arbot.exchanges.signing import Credentials
from tests.exchanges import FIXTURES
from tests.exchanges.test_ratelimit import VirtualTime

K = RestErrorKind
WALL_MS = 1_700_000_000_000  # the client's (frozen) wall clock
KEY, SECRET, PASS = "KEY-4f1c9e2a77", "SECRET-d3b07384d1", "PASS-9a0364b9e9"
TIMING = RestTiming(timeout_s=2.0, retries=2, backoff_base_s=0.5, backoff_cap_s=4.0)

PATHS = {  # place, status, balances, time
    Venue.BINANCE: ("POST /api/v3/order", "GET /api/v3/order", "GET /api/v3/account",
                    "/api/v3/time"),
    Venue.BYBIT: ("POST /v5/order/create", "GET /v5/order/realtime",
                  "GET /v5/account/wallet-balance", "/v5/market/time"),
    Venue.OKX: ("POST /api/v5/trade/order", "GET /api/v5/trade/order",
                "GET /api/v5/account/balance", "/api/v5/public/time"),
    Venue.BITGET: ("POST /api/v2/spot/trade/place-order", "GET /api/v2/spot/trade/orderInfo",
                   "GET /api/v2/spot/account/assets", "/api/v2/public/time"),
}
FIXTURE = {
    "POST /api/v3/order": "binance/private/DOCS_order_FULL.json",
    "GET /api/v3/order": "binance/private/DOCS_order_query.json",
    "GET /api/v3/account": "binance/private/DOCS_account.json",
    "POST /v5/order/create": "bybit/private/DOCS_order_create.json",
    "GET /v5/order/realtime": "bybit/private/DOCS_order_realtime.json",
    "GET /v5/account/wallet-balance": "bybit/private/DOCS_wallet_balance.json",
    "POST /api/v5/trade/order": "okx/private/DOCS_order_place.json",
    "GET /api/v5/trade/order": "okx/private/DOCS_order_details.json",
    "GET /api/v5/account/balance": "okx/private/CCXT_balance_TRIMMED.json",
    "POST /api/v2/spot/trade/place-order": "bitget/private/DOCS_place_order.json",
    "GET /api/v2/spot/trade/orderInfo": "bitget/private/DOCS_orderInfo.json",
    "GET /api/v2/spot/account/assets": "bitget/private/DOCS_assets.json",
}
STALE = {  # the venue's answer to a timestamp outside its window
    Venue.BINANCE: (400, {"code": -1021, "msg": "Timestamp for this request is outside of "
                                                "the recvWindow."}),
    Venue.BYBIT: (200, {"retCode": 10002, "retMsg": "The request time exceeds the time "
                                                    "window range."}),
    Venue.OKX: (401, {"code": "50102", "msg": "Timestamp request expired.", "data": []}),
    Venue.BITGET: (400, {"code": "40008", "msg": "Request timestamp expired"}),
}
RATE_LIMITED = {  # (status, body, Retry-After, the pause the client should take)
    Venue.BINANCE: (429, {"code": -1003, "msg": "Too many requests."}, "30", 30.0),
    Venue.BYBIT: (200, {"retCode": 10006, "retMsg": "Too many visits!"}, None, 1.0),
    Venue.OKX: (200, {"code": "50011", "msg": "Rate limit reached.", "data": []}, None, 2.0),
    Venue.BITGET: (429, {"code": "429", "msg": "Too many requests"}, None, 1.0),
}
VENUES = list(Venue)
# Bitget asks the account's mode before its first signed call; the fake is a classic
# account, refused as such ("uta" accounts: tests/exchanges/test_bitget_uta.py).
MODE_PROBE = "GET /api/v3/account/settings"
CLASSIC_ACCOUNT = (400, {"code": "40084", "msg": "You are in Classic Account mode, and the "
                         "Unified Account API is not supported at this time", "data": None})


@dataclass
class Answer:
    status: int = 200
    body: object = None  # JSON-able; None: the endpoint's fixture
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0
    drop: bool = False  # close the connection instead of answering


@dataclass
class Seen:
    method: str
    path: str  # raw path and query, as received
    ts: int | None  # the signed timestamp, ms (None for the time endpoint)
    verified: bool


class FakeVenue:
    """One venue's signed REST endpoints on 127.0.0.1."""

    def __init__(self, venue: Venue, vt: VirtualTime) -> None:
        self.venue = venue
        self.vt = vt
        self.skew_ms = 0
        self.seen: list[Seen] = []
        self.script: dict[str, list[Answer]] = {}
        self.probes = 0

    def now_ms(self) -> int:
        return round(WALL_MS + self.vt.now * 1000) + self.skew_ms

    def answer(self, endpoint: str, *answers: Answer) -> None:
        self.script.setdefault(endpoint, []).extend(answers)

    def signed(self) -> list[Seen]:
        return [s for s in self.seen if s.ts is not None]

    async def handle(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        endpoint = f"{request.method} {request.path}"
        if request.path == PATHS[self.venue][3]:
            self.seen.append(Seen(request.method, request.raw_path, None, True))
            return web.json_response(self._time())
        ts, ok = self._verify(request, body)
        if endpoint == MODE_PROBE and ok:  # counted apart, so `seen` is the trading calls
            self.probes += 1
            scripted = self.script.get(endpoint)
            return self._reply(scripted.pop(0) if scripted else Answer(*CLASSIC_ACCOUNT))
        self.seen.append(Seen(request.method, request.raw_path, ts, ok))
        if not ok:
            return self._reply(Answer(*self._bad_signature(request, body)))
        queue = self.script.get(endpoint)
        if queue:
            return await self._play(queue.pop(0), endpoint, request)
        if abs(ts - self.now_ms()) > 5000:
            return self._reply(Answer(*STALE[self.venue]))
        return await self._play(Answer(), endpoint, request)

    async def _play(self, a: Answer, endpoint: str, request: web.Request
                    ) -> web.StreamResponse:
        if a.delay_s:
            await asyncio.sleep(a.delay_s)
        if a.drop:
            assert request.transport is not None
            request.transport.abort()
            return web.Response()
        if a.body is None:
            a = Answer(a.status, json.loads((FIXTURES / FIXTURE[endpoint]).read_bytes()),
                       a.headers)
        return self._reply(a)

    @staticmethod
    def _reply(a: Answer) -> web.Response:
        return web.Response(status=a.status, body=json.dumps(a.body).encode(),
                            headers=a.headers, content_type="application/json")

    def _time(self) -> object:
        now = self.now_ms()
        return {
            Venue.BINANCE: {"serverTime": now},
            Venue.BYBIT: {"retCode": 0, "retMsg": "OK", "result": {
                "timeSecond": str(now // 1000), "timeNano": str(now * 1_000_000)},
                "retExtInfo": {}, "time": now},
            Venue.OKX: {"code": "0", "msg": "", "data": [{"ts": str(now)}]},
            Venue.BITGET: {"code": "00000", "msg": "success", "requestTime": now,
                           "data": {"serverTime": str(now)}},
        }[self.venue]

    def _verify(self, request: web.Request, body: bytes) -> tuple[int, bool]:
        """(signed timestamp, signature valid), by each venue's documented rule."""
        h = request.headers
        raw = request.raw_path
        query = raw.partition("?")[2]
        if self.venue is Venue.BINANCE:
            payload, _, sig = query.rpartition("&signature=")
            ts = int(request.query["timestamp"])
            good = hmac.new(SECRET.encode(), payload.encode() + body, hashlib.sha256
                            ).hexdigest()
            return ts, h.get("X-MBX-APIKEY") == KEY and sig == good
        if self.venue is Venue.BYBIT:
            ts = int(h["X-BAPI-TIMESTAMP"])
            signed = f"{ts}{KEY}{h['X-BAPI-RECV-WINDOW']}".encode() + (body or query.encode())
            good = hmac.new(SECRET.encode(), signed, hashlib.sha256).hexdigest()
            return ts, h.get("X-BAPI-API-KEY") == KEY and h.get("X-BAPI-SIGN") == good
        names = ("OK-ACCESS-", "OK-ACCESS-") if self.venue is Venue.OKX else ("ACCESS-",) * 2
        stamp = h[f"{names[0]}TIMESTAMP"]
        ts = _iso_ms(stamp) if self.venue is Venue.OKX else int(stamp)
        signed = f"{stamp}{request.method}{raw}".encode() + body
        good = base64.b64encode(hmac.new(SECRET.encode(), signed, hashlib.sha256).digest())
        return ts, (h.get(f"{names[0]}KEY") == KEY and h.get(f"{names[0]}PASSPHRASE") == PASS
                    and h.get(f"{names[0]}SIGN", "").encode() == good)

    def _bad_signature(self, request: web.Request, body: bytes) -> tuple[int, object]:
        """Bybit echoes what it expected to be signed, key included: the client must
        scrub it."""
        if self.venue is Venue.BYBIT:
            h = request.headers
            echo = f"{h.get('X-BAPI-TIMESTAMP')}{h.get('X-BAPI-API-KEY')}5000" + \
                (body.decode() or request.raw_path.partition("?")[2])
            return 200, {"retCode": 10004, "retMsg": f"error sign! origin_string[{echo}]"}
        return {
            Venue.BINANCE: (400, {"code": -1022,
                                  "msg": "Signature for this request is not valid."}),
            Venue.OKX: (401, {"code": "50113", "msg": "Invalid signature.", "data": []}),
            Venue.BITGET: (400, {"code": "40009", "msg": "sign signature error"}),
        }[self.venue]


def _iso_ms(stamp: str) -> int:
    whole, _, frac = stamp.rstrip("Z").partition(".")
    return calendar.timegm(time.strptime(whole, "%Y-%m-%dT%H:%M:%S")) * 1000 + int(frac)


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


class Harness:
    def __init__(self, venue: FakeVenue, url: str, http: aiohttp.ClientSession) -> None:
        self.fake = venue
        self.url = url
        self.http = http
        self.vt = venue.vt

    def client(self, secret: str = SECRET, timing: RestTiming = TIMING) -> PrivateClient:
        return PrivateClient(adapter_for(self.fake.venue), self.url,
                             Credentials(KEY, secret, PASS), self.http, timing=timing,
                             rng=random.Random(7),  # fixed jitter: every backoff > 1 ms
                             clock=self.vt.clock, sleep=self.vt.sleep, wall_ms=self.wall_ms)

    def wall_ms(self) -> float:
        """Our wall clock: frozen but for virtual sleeps, so offsets come out exact."""
        return WALL_MS + self.vt.now * 1000

    def order(self, client_id: str = "arb1") -> OrderRequest:
        venue = self.fake.venue
        return OrderRequest(client_id=client_id, venue=venue, symbol="BTC-USDT",
                            venue_symbol=adapter_for(venue).venue_id("BTC", "USDT"), side=Side.BUY,
                            price="30000", qty="0.001")


async def harness(venue: Venue, http: aiohttp.ClientSession) -> AsyncIterator[Harness]:
    fake = FakeVenue(venue, VirtualTime())
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", fake.handle)
    runner = web.AppRunner(app, access_log=None)  # the venue's own log is not ours to test
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    try:
        yield Harness(fake, f"http://{host}:{port}", http)
    finally:
        await runner.cleanup()


@pytest.fixture(params=VENUES, ids=[v.value for v in VENUES])
async def h(request: pytest.FixtureRequest, http: aiohttp.ClientSession
            ) -> AsyncIterator[Harness]:
    async for x in harness(request.param, http):
        yield x


@pytest.fixture
async def binance(http: aiohttp.ClientSession) -> AsyncIterator[Harness]:
    async for x in harness(Venue.BINANCE, http):
        yield x


@pytest.fixture
async def bitget(http: aiohttp.ClientSession) -> AsyncIterator[Harness]:
    async for x in harness(Venue.BITGET, http):
        yield x


# --- account modes ----------------------------------------------------------------------------


def settings(account_mode: str) -> Answer:
    return Answer(body={"code": "00000", "msg": "success", "requestTime": 0,
                        "data": {"uid": "1", "accountMode": account_mode}})


async def test_an_account_on_its_way_to_a_mode_trades_nothing_until_it_is_there(
        bitget: Harness) -> None:
    bitget.fake.answer(MODE_PROBE, settings("upgrading"))
    client = bitget.client()
    with pytest.raises(RestError) as err:
        await client.place(bitget.order())
    assert err.value.kind is K.ACCOUNT_MODE and not err.value.kind.outcome_unknown
    assert "the account is upgrading" in str(err.value)
    assert bitget.fake.signed() == [] and client.account_mode is None  # nothing was sent
    await client.balances()  # asked again: now a classic account, refused as such
    assert (bitget.fake.probes, client.account_mode) == (2, "classic")


@pytest.mark.parametrize("answer", [
    Answer(body={"code": "00000", "data": {"accountMode": 7}}),
    Answer(status=200, body="<html>maintenance</html>"),
    Answer(status=400, body={"code": "40009", "msg": "sign signature error"})])
async def test_an_unreadable_or_refused_mode_probe_stops_the_call(bitget: Harness,
                                                                  answer: Answer) -> None:
    bitget.fake.answer(MODE_PROBE, answer)
    client = bitget.client()
    with pytest.raises(RestError) as err:
        await client.balances()
    assert err.value.kind in (K.INVALID_RESPONSE, K.AUTH)
    assert bitget.fake.signed() == [] and client.account_mode is None


# --- signing, clock -------------------------------------------------------------------------


async def test_signed_calls_verify_and_carry_the_venue_clock(h: Harness) -> None:
    h.fake.skew_ms = 7_250  # the venue's clock runs 7.25 s ahead of ours
    client = h.client()
    report = await client.place(h.order())  # measures the offset first
    assert client.offset_ms == 7_250
    assert report.status in (OrderStatus.NEW, OrderStatus.FILLED)
    balances = await client.balances()
    assert balances
    # Bybit's answer must name the order asked for; its fixture's is test-000005
    client_id = "test-000005" if h.fake.venue is Venue.BYBIT else "arb1"
    status = await client.order_status(h.order(client_id))
    assert status.venue_order_id
    assert [s.path.partition("?")[0] for s in h.fake.seen[:1]] == [PATHS[h.fake.venue][3]]
    assert [s.ts for s in h.fake.signed()] == [WALL_MS + 7_250] * 3
    assert all(s.verified for s in h.fake.seen)
    # Bitget asked the account's mode once, signed and verified like the rest.
    assert h.fake.probes == (1 if h.fake.venue is Venue.BITGET else 0)
    assert client.account_mode == ("classic" if h.fake.venue is Venue.BITGET else None)


async def test_a_bad_signature_is_an_auth_error(h: Harness) -> None:
    client = h.client(secret="not-the-secret")
    with pytest.raises(RestError) as caught:
        await client.balances()
    assert caught.value.kind is K.AUTH
    assert len(h.fake.signed()) == 1  # refused requests are not repeated


async def test_a_stale_timestamp_resyncs_once_and_resends(h: Harness) -> None:
    client = h.client()
    await client.sync_clock()
    assert client.offset_ms == 0
    h.fake.skew_ms = 20_000  # the venue's clock jumps: our next timestamp is stale
    report = await client.place(h.order())
    assert report.client_id
    times = [s.ts for s in h.fake.seen]
    assert times == [None, WALL_MS, None, WALL_MS + 20_000]  # time, POST, time, POST
    assert client.offset_ms == 20_000


async def test_a_second_stale_answer_is_raised(h: Harness) -> None:
    endpoint = PATHS[h.fake.venue][0]
    status, body = STALE[h.fake.venue]
    h.fake.answer(endpoint, Answer(status, body), Answer(status, body))
    client = h.client()
    with pytest.raises(RestError) as caught:
        await client.place(h.order())
    assert caught.value.kind is K.TIMESTAMP and caught.value.attempts == 2
    assert [s.method for s in h.fake.signed()] == ["POST", "POST"]
    assert len(h.fake.seen) == 4  # time, POST, time (resync), POST


# --- rate limits ----------------------------------------------------------------------------


async def test_a_rate_limit_pauses_the_whole_venue(h: Harness) -> None:
    status, body, retry_after, pause = RATE_LIMITED[h.fake.venue]
    headers = {"Retry-After": retry_after} if retry_after else {}
    h.fake.answer(PATHS[h.fake.venue][0], Answer(status, body, headers))
    client = h.client()
    await client.sync_clock()
    with pytest.raises(RestError) as caught:
        await client.place(h.order())
    assert caught.value.kind is K.RATE_LIMITED
    assert client.paused and client.paused_until == pytest.approx(h.vt.now + pause)
    seen = len(h.fake.seen)
    with pytest.raises(RestError) as fast:
        await client.balances()  # fails fast: never reaches the venue
    assert fast.value.kind is K.RATE_LIMITED and fast.value.status is None
    assert fast.value.retry_after_s == pytest.approx(pause)
    assert len(h.fake.seen) == seen
    h.vt.now += pause + 0.01
    assert not client.paused
    assert await client.balances() is not None
    assert len(h.fake.seen) == seen + 1


async def test_bybits_ip_ban_takes_the_documented_ten_minutes(http: aiohttp.ClientSession
                                                              ) -> None:
    async for h in harness(Venue.BYBIT, http):
        h.fake.answer("GET /v5/account/wallet-balance", Answer(403, "access too frequent"))
        client = h.client()
        with pytest.raises(RestError) as caught:
            await client.balances()
        assert caught.value.kind is K.RATE_LIMITED and caught.value.retry_after_s == 600.0
        assert client.paused_until == pytest.approx(h.vt.now + 600.0)
        assert len(h.fake.signed()) == 1  # a GET, but a rate limit is never retried


# --- orders are never sent twice; GETs are retried ----------------------------------------


@pytest.mark.parametrize("answer", [Answer(503, {"code": -1, "msg": "busy"}),
                                    Answer(drop=True)], ids=["5xx", "dropped"])
async def test_an_order_post_is_not_retried(h: Harness, answer: Answer) -> None:
    h.fake.answer(PATHS[h.fake.venue][0], answer)
    client = h.client()
    with pytest.raises(RestError) as caught:
        await client.place(h.order())
    err = caught.value
    assert err.kind in (K.SERVER, K.NETWORK) and err.kind.outcome_unknown
    assert err.method == "POST" and " POST " in str(err)
    assert [s.method for s in h.fake.signed()] == ["POST"]
    assert h.vt.slept == []


async def test_an_order_post_that_times_out_is_not_retried(binance: Harness) -> None:
    binance.fake.answer("POST /api/v3/order", Answer(delay_s=0.5))
    client = binance.client(timing=RestTiming(timeout_s=0.1, retries=3))
    with pytest.raises(RestError) as caught:
        await client.place(binance.order())
    assert caught.value.kind is K.TIMEOUT and caught.value.attempts == 1
    assert len(binance.fake.signed()) == 1


async def test_a_get_is_retried_and_signed_afresh(h: Harness) -> None:
    endpoint = PATHS[h.fake.venue][2]
    h.fake.answer(endpoint, Answer(502, {"msg": "bad gateway"}), Answer(503, {"msg": "busy"}))
    client = h.client()
    assert await client.balances() is not None
    assert [s.method for s in h.fake.signed()] == ["GET"] * 3
    assert len(h.vt.slept) == 2  # backoff, in virtual time
    assert all(s.verified for s in h.fake.seen)
    first, second, third = (s.ts for s in h.fake.signed())
    assert first is not None and second is not None and third is not None
    assert first < second < third  # each attempt carries the time it was sent


async def test_a_missing_order_is_no_such_order(binance: Harness) -> None:
    binance.fake.answer("GET /api/v3/order",
                        Answer(400, {"code": -2013, "msg": "Order does not exist."}))
    with pytest.raises(RestError) as caught:
        await binance.client().order_status(("BTCUSDT", "nope"))
    assert caught.value.kind is K.NO_SUCH_ORDER
    assert len(binance.fake.signed()) == 1


async def test_an_empty_order_list_is_no_such_order(http: aiohttp.ClientSession) -> None:
    async for h in harness(Venue.OKX, http):
        h.fake.answer("GET /api/v5/trade/order", Answer(200, {"code": "0", "msg": "",
                                                              "data": []}))
        with pytest.raises(RestError) as caught:
            await h.client().order_status(("BTC-USDT", "nope"))
        err = caught.value
        assert (err.kind, err.status) == (K.NO_SUCH_ORDER, 200)
        assert "no order with client id nope" in str(err)


async def test_an_okx_order_refused_inside_data_raises_its_kind(
        http: aiohttp.ClientSession) -> None:
    async for h in harness(Venue.OKX, http):
        h.fake.answer("POST /api/v5/trade/order", Answer(200, {
            "code": "1", "msg": "Operation failed.", "data": [{
                "clOrdId": "arb1", "ordId": "", "sCode": "51008",
                "sMsg": "Order failed. Insufficient USDT balance in account.", "tag": "",
                "ts": "1695190491421"}], "inTime": "1", "outTime": "2"}))
        with pytest.raises(RestError) as caught:
            await h.client().place(h.order())
        err = caught.value
        assert (err.kind, err.code) == (K.INSUFFICIENT_BALANCE, "51008")
        assert not err.kind.outcome_unknown


# --- secrets stay secret -------------------------------------------------------------------


async def test_no_secret_in_errors_or_logs(h: Harness, caplog: pytest.LogCaptureFixture
                                           ) -> None:
    caplog.set_level(logging.DEBUG)
    errors: list[RestError] = []
    client = h.client()
    h.fake.answer(PATHS[h.fake.venue][2], Answer(500, {"msg": "boom"}),
                  Answer(500, {"msg": "boom"}), Answer(500, {"msg": "boom"}))
    h.fake.answer(PATHS[h.fake.venue][0], Answer(drop=True))
    for call in (client.balances, lambda: client.place(h.order())):
        with pytest.raises(RestError) as caught:
            await call()
        errors.append(caught.value)
    with pytest.raises(RestError) as caught:  # the venue echoes the key (Bybit does)
        await h.client(secret="wrong-secret-0000").balances()
    errors.append(caught.value)
    texts = [str(e) for e in errors] + [repr(e.args) for e in errors] + \
        [e.message + e.path for e in errors] + [caplog.text, repr(client)]
    signatures = [s.path.rpartition("signature=")[2] for s in h.fake.seen if s.ts]
    for text in texts:
        for secret in (KEY, SECRET, PASS, "wrong-secret-0000"):
            assert secret not in text
        assert "signature=" not in text
    assert errors[0].kind is K.SERVER and errors[0].attempts == TIMING.retries + 1
    assert errors[2].kind is K.AUTH
    if h.fake.venue is Venue.BINANCE:
        assert all(sig and sig not in t for sig in signatures for t in texts)
    if h.fake.venue is Venue.BYBIT:
        assert "error sign! origin_string[" in errors[2].message and "***" in errors[2].message
