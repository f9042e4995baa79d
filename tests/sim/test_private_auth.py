"""Private REST authentication, clock skew and rate limits, per venue, over real HTTP;
and Binance's official signature vectors accepted by the simulator's verifier."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

import aiohttp
import pytest

from arbot.domain import Venue
from arbot.sim import SimConfig, SimServer
from arbot.sim.auth import verify
from arbot.sim.config import Accounts, Credentials
from arbot.sim.wire import RestRequest
from arbot.venues.binance.sim_private import BinancePrivate
from tests.sim import running
from tests.sim.signed import Answer, Signed, hmac_hex, wall_ms

VENUES = list(Venue)
BALANCES: dict[Venue, tuple[str, dict[str, str]]] = {
    Venue.BINANCE: ("/api/v3/account", {}),
    Venue.BYBIT: ("/v5/account/wallet-balance", {"accountType": "UNIFIED"}),
    Venue.OKX: ("/api/v5/account/balance", {}),
    Venue.BITGET: ("/api/v2/spot/account/assets", {}),
}
FAILURES: dict[str, dict[Venue, tuple[int, Any]]] = {
    "bad signature": {Venue.BINANCE: (400, -1022), Venue.BYBIT: (200, 10004),
                      Venue.OKX: (401, "50113"), Venue.BITGET: (400, "40009")},
    "expired": {Venue.BINANCE: (400, -1021), Venue.BYBIT: (200, 10002),
                Venue.OKX: (401, "50102"), Venue.BITGET: (400, "40008")},
    "unknown key": {Venue.BINANCE: (401, -2015), Venue.BYBIT: (200, 10003),
                    Venue.OKX: (401, "50111"), Venue.BITGET: (400, "40006")},
    "wrong passphrase": {Venue.OKX: (401, "50105"), Venue.BITGET: (400, "40012")},
}
TIME_PATHS = {Venue.BINANCE: "/api/v3/time", Venue.BYBIT: "/v5/market/time",
              Venue.OKX: "/api/v5/public/time", Venue.BITGET: "/api/v2/public/time"}


def code(venue: Venue, ans: Answer) -> tuple[int, Any]:
    return ans.status, ans.body["retCode" if venue is Venue.BYBIT else "code"]


async def balances(c: Signed, **kw: Any) -> Answer:
    path, params = BALANCES[c.venue]
    return await c.send("GET", path, params, **kw)


@pytest.mark.parametrize("venue", VENUES)
async def test_each_auth_failure_gets_the_venue_code_and_status(venue: Venue) -> None:
    async with running() as (srv, http):
        c = Signed(srv, http, venue)
        assert (await balances(c)).status == 200
        tries: dict[str, dict[str, Any]] = {"bad signature": {"secret": "not-the-secret"},
                 "expired": {"ts_ms": wall_ms() - 60_000},
                 "unknown key": {"key": "someone-else"},
                 "wrong passphrase": {"passphrase": "guess"}}
        for name, expected in FAILURES.items():
            if venue in expected:
                assert code(venue, await balances(c, **tries[name])) == expected[venue], name


async def test_auth_error_bodies_are_the_documented_ones() -> None:
    async with running() as (srv, http):
        ans = await balances(Signed(srv, http, Venue.BINANCE), secret="x")
        assert ans.body == {"code": -1022, "msg": "Signature for this request is not valid."}
        ans = await balances(Signed(srv, http, Venue.BINANCE), key="nobody")
        assert ans.body == {"code": -2015,
                            "msg": "Invalid API-key, IP, or permissions for action."}
        ans = await balances(Signed(srv, http, Venue.OKX), passphrase="guess")
        assert ans.body == {"msg": 'Request header "OK-ACCESS-PASSPHRASE" incorrect.',
                            "code": "50105"}
        ans = await balances(Signed(srv, http, Venue.BITGET), secret="x")
        assert (ans.body["msg"], ans.body["data"]) == ("sign signature error", None)
        ans = await balances(Signed(srv, http, Venue.BYBIT), secret="x")
        assert list(ans.body) == ["retCode", "retMsg", "result", "retExtInfo", "time"]
        async with http.get(srv.urls(Venue.OKX).rest_url + "/api/v5/account/balance") as resp:
            assert resp.status == 401 and (await resp.json())["code"] == "50103"


async def test_binance_future_timestamp_and_recv_window() -> None:
    async with running() as (srv, http):
        c = Signed(srv, http, Venue.BINANCE)
        ahead = await balances(c, ts_ms=wall_ms() + 5_000)
        assert ahead.body == {"code": -1021, "msg": "Timestamp for this request was 1000ms "
                                                    "ahead of the server's time."}
        late = wall_ms() - 8_000  # outside the default 5000, inside an explicit 10000
        assert (await balances(c, ts_ms=late)).body["code"] == -1021
        ans = await c.send("GET", "/api/v3/account", {"recvWindow": "10000"}, ts_ms=late)
        assert ans.status == 200 and "balances" in ans.body


async def test_binance_signature_may_be_in_query_or_body_over_exact_bytes() -> None:
    async with running() as (srv, http):
        c = Signed(srv, http, Venue.BINANCE)
        query = f"symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&timestamp={wall_ms()}"
        body = "quantity=0.01&price=60000&newClientOrderId=mixed1"
        sig = hmac_hex(c.secret, (query + body).encode())
        ans = await c.raw("POST", "/api/v3/order", query, f"{body}&signature={sig}".encode(),
                          {"X-MBX-APIKEY": c.key,
                           "Content-Type": "application/x-www-form-urlencoded"})
        # a GTC buy below the market (inside PERCENT_PRICE_BY_SIDE): it rests
        assert ans.status == 200, ans.body
        assert (ans.body["clientOrderId"], ans.body["status"]) == ("mixed1", "NEW")
        # the same parameters, percent-encoded differently: the signature no longer fits
        tweaked = query.replace("symbol=BTCUSDT", "symbol=BTC%55SDT")
        ans = await c.raw("POST", "/api/v3/order", tweaked,
                          f"{body}&signature={sig}".encode(), {"X-MBX-APIKEY": c.key})
        assert ans.body["code"] == -1022


# Binance rest-api.md, "SIGNED Endpoint Examples for POST /api/v3/order" (HMAC keys).
VECTOR_KEY = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A"
VECTOR_SECRET = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"
VECTORS = [
    ("symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1"
     "&recvWindow=5000&timestamp=1499827319559",
     "c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71"),
    ("symbol=%EF%BC%91%EF%BC%92%EF%BC%93%EF%BC%94%EF%BC%95%EF%BC%96&side=BUY&type=LIMIT"
     "&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559",
     "e1353ec6b14d888f1164ae9af8228a3dbd508bc82eb867db8ab6046442f33ef3"),
]
VECTOR_NOW = 1499827319559


@pytest.mark.parametrize(("payload", "signature"), VECTORS)
def test_binance_official_vectors_pass_the_verifier(payload: str, signature: str) -> None:
    creds = Credentials(VECTOR_KEY, VECTOR_SECRET)
    req = RestRequest({}, (), VECTOR_NOW, "POST", "/api/v3/order",
                      f"{payload}&signature={signature}", {"X-MBX-APIKEY": VECTOR_KEY})
    assert verify(BinancePrivate.scheme, req, {VECTOR_KEY: creds}, VECTOR_NOW) == creds
    upper = RestRequest({}, (), VECTOR_NOW, "POST", "/api/v3/order",
                        f"{payload}&signature={signature.upper()}", {"X-MBX-APIKEY": VECTOR_KEY})
    assert verify(BinancePrivate.scheme, upper, {VECTOR_KEY: creds}, VECTOR_NOW) == creds


@pytest.mark.parametrize(("payload", "signature"), VECTORS)
async def test_binance_official_vectors_over_http_with_the_clock_pinned(payload: str,
                                                                        signature: str) -> None:
    config = SimConfig(accounts=Accounts(credentials={
        Venue.BINANCE: Credentials(VECTOR_KEY, VECTOR_SECRET)}))
    async with SimServer(config, now_ms=lambda: VECTOR_NOW) as srv, \
            aiohttp.ClientSession() as http:
        c = Signed(srv, http, Venue.BINANCE)
        headers = {"X-MBX-APIKEY": VECTOR_KEY}
        ans = await c.raw("POST", "/api/v3/order", f"{payload}&signature={signature}", b"",
                          headers)
        # Signature and timestamp accepted; the simulator does not list LTCBTC.
        assert (ans.status, ans.body) == (400, {"code": -1121, "msg": "Invalid symbol."})
        wrong = signature[:-1] + ("0" if signature[-1] != "0" else "1")
        ans = await c.raw("POST", "/api/v3/order", f"{payload}&signature={wrong}", b"", headers)
        assert ans.body["code"] == -1022


async def server_time(http: aiohttp.ClientSession, srv: SimServer, venue: Venue) -> int:
    async with http.get(srv.urls(venue).rest_url + TIME_PATHS[venue]) as resp:
        body = await resp.json()
    if venue is Venue.BINANCE:
        return int(body["serverTime"])
    if venue is Venue.BYBIT:
        return int(body["result"]["timeNano"]) // 1_000_000
    if venue is Venue.OKX:
        return int(body["data"][0]["ts"])
    return int(body["data"]["serverTime"])


@pytest.mark.parametrize("venue", VENUES)
async def test_clock_skew_shows_in_server_time_and_clients_must_follow_it(venue: Venue
                                                                          ) -> None:
    skew = 90_000
    async with running(SimConfig(accounts=Accounts(clock_skew_ms=skew))) as (srv, http):
        assert abs(await server_time(http, srv, venue) - wall_ms() - skew) < 5_000
        c = Signed(srv, http, venue)
        assert code(venue, await balances(c)) == FAILURES["expired"][venue]
        c.offset_ms = await server_time(http, srv, venue) - wall_ms()
        assert (await balances(c)).status == 200
        srv.set_clock_skew(-skew)
        assert srv.clock_skew_ms == -skew
        assert abs(await server_time(http, srv, venue) - wall_ms() + skew) < 5_000
        assert code(venue, await balances(c)) == FAILURES["expired"][venue]


RATE_LIMITED = {Venue.BINANCE: (429, -1003), Venue.BYBIT: (200, 10006),
                Venue.OKX: (429, "50011"), Venue.BITGET: (429, "429")}


@pytest.mark.parametrize("venue", VENUES)
async def test_rate_limit_answers_forced_and_counted(venue: Venue) -> None:
    async with running() as (srv, http):
        c = Signed(srv, http, venue)
        srv.force_rate_limit(venue)
        limited = await balances(c)
        assert code(venue, limited) == RATE_LIMITED[venue]
        assert (await balances(c)).status == 200
        srv.set_rate_limit(venue, 2, 60.0)
        srv.clear_rate_limit(venue)
        assert [(await balances(c)).status for _ in range(2)] == [200, 200]
        assert code(venue, await balances(c)) == RATE_LIMITED[venue]
        srv.force_rate_limit(venue, None)
        srv.set_rate_limit(venue, 100, 60.0)
        assert code(venue, await balances(c)) == RATE_LIMITED[venue]
        srv.clear_rate_limit(venue)
        assert (await balances(c)).status == 200


async def test_rate_limit_bodies_and_headers() -> None:
    async with running() as (srv, http):
        for venue in VENUES:
            srv.force_rate_limit(venue)
        ans = await balances(Signed(srv, http, Venue.BINANCE))
        assert ans.headers["Retry-After"].isdigit() and "X-MBX-USED-WEIGHT-1M" in ans.headers
        assert ans.body["msg"].startswith("Too much request weight used; current limit is 1200")
        ans = await balances(Signed(srv, http, Venue.BYBIT))
        assert ans.body["retMsg"] == "Too many visits!"
        assert {"X-Bapi-Limit", "X-Bapi-Limit-Status", "X-Bapi-Limit-Reset-Timestamp"} <= set(
            ans.headers)
        ans = await balances(Signed(srv, http, Venue.OKX))
        assert ans.body == {"msg": "Too Many Requests", "code": "50011"}
        ans = await balances(Signed(srv, http, Venue.BITGET))
        assert ans.body["code"] == "429"


async def test_requests_in_flight_together_share_one_account_consistently() -> None:
    async with running(SimConfig(tick_s=3600.0)) as (srv, http):
        c = Signed(srv, http, Venue.OKX)
        spec = srv.catalog.by_symbol["BTC-USDT"]
        q, dp = srv.model.quote(Venue.OKX, spec.symbol), spec.rules[Venue.OKX].price_dp
        ask = Decimal(q.ask).scaleb(-dp)
        answers = await asyncio.gather(*(c.place(spec, "buy", ask, Decimal("0.001"), f"p{n}")
                                         for n in range(8)))
        assert all(a.body["code"] == "0" for a in answers)
        view = srv.account(Venue.OKX)
        assert len(view.orders) == 8 and len({o.order_id for o in view.orders}) == 8
