"""Each venue's signed requests for a fixed timestamp: exact method, path, headers and body
bytes, with the signature recomputed here from the venue's documented rule (plain
`hmac`, not the code under test)."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest

from arbot.domain import OrderRequest, Side, Venue
from arbot.exchanges import adapter_for
from arbot.exchanges.orderwire import OrderRef
from arbot.exchanges.signing import Credentials, SignedRequest

KEY, SECRET, PASS = "my-api-key", "my-secret", "my-pass"
CREDS = Credentials(KEY, SECRET, PASS)
TS = 1700000000123
ISO = "2023-11-14T22:13:20.123Z"
JSON = {"Content-Type": "application/json"}


def order(venue: Venue, venue_symbol: str, side: Side = Side.BUY) -> OrderRequest:
    return OrderRequest(client_id="arb1x", venue=venue, symbol="BTC-USDT",
                        venue_symbol=venue_symbol, side=side, price="30000.1", qty="0.0015")


def hex_mac(message: bytes) -> str:
    return hmac.new(SECRET.encode(), message, hashlib.sha256).hexdigest()


def b64_mac(message: bytes) -> str:
    return base64.b64encode(hmac.new(SECRET.encode(), message, hashlib.sha256).digest()
                            ).decode()


# --- Binance: everything in the signed query string -----------------------------------

def binance(method: str, path_query: str) -> SignedRequest:
    """The signature covers the query string alone (there is no body) and goes last."""
    sig = hex_mac(path_query.partition("?")[2].encode())
    return SignedRequest(method, f"{path_query}&signature={sig}", {"X-MBX-APIKEY": KEY}, b"",
                         sig)


def test_binance_requests() -> None:
    a = adapter_for(Venue.BINANCE)
    ref = OrderRef("BTCUSDT", "arb1x")
    cases = [
        (a.sign_place(CREDS, order(Venue.BINANCE, "BTCUSDT", Side.SELL), TS),
         "POST", "/api/v3/order?newClientOrderId=arb1x&newOrderRespType=FULL&price=30000.1"
                 "&quantity=0.0015&recvWindow=5000&side=SELL&symbol=BTCUSDT"
                 "&timeInForce=IOC&timestamp=1700000000123&type=LIMIT"),
        (a.sign_status(CREDS, ref, TS), "GET",
         "/api/v3/order?origClientOrderId=arb1x&recvWindow=5000&symbol=BTCUSDT"
         "&timestamp=1700000000123"),
        (a.sign_cancel(CREDS, ref, TS), "DELETE",
         "/api/v3/order?origClientOrderId=arb1x&recvWindow=5000&symbol=BTCUSDT"
         "&timestamp=1700000000123"),
        (a.sign_balances(CREDS, TS), "GET",
         "/api/v3/account?omitZeroBalances=true&recvWindow=5000&timestamp=1700000000123"),
        (a.sign_fee_rates(CREDS, "BTCUSDT", TS), "GET",
         "/api/v3/account/commission?recvWindow=5000&symbol=BTCUSDT"
         "&timestamp=1700000000123"),
    ]
    for got, method, path_query in cases:
        assert got == binance(method, path_query)
        assert got.path.endswith(f"&signature={got.signature}")
        assert "signature" not in got.redacted_path


# --- Bybit: X-BAPI-* headers over ts+key+recvWindow+(query|body) ------------------------

def bybit(method: str, path: str, query: str = "", body: bytes = b"") -> SignedRequest:
    sig = hex_mac(f"{TS}{KEY}5000".encode() + (body or query.encode()))
    headers = {"X-BAPI-API-KEY": KEY, "X-BAPI-TIMESTAMP": str(TS), "X-BAPI-SIGN": sig,
               "X-BAPI-RECV-WINDOW": "5000"}
    return SignedRequest(method, f"{path}?{query}" if query else path,
                         {**headers, **JSON} if body else headers, body, sig)


def test_bybit_requests() -> None:
    a = adapter_for(Venue.BYBIT)
    ref = OrderRef("BTCUSDT", "arb1x")
    assert a.sign_place(CREDS, order(Venue.BYBIT, "BTCUSDT"), TS) == bybit(
        "POST", "/v5/order/create", body=b'{"category":"spot","symbol":"BTCUSDT","side":"Buy",'
        b'"orderType":"Limit","qty":"0.0015","price":"30000.1","timeInForce":"IOC",'
        b'"orderLinkId":"arb1x"}')
    assert a.sign_status(CREDS, ref, TS) == bybit(
        "GET", "/v5/order/realtime", "category=spot&orderLinkId=arb1x&symbol=BTCUSDT")
    assert a.sign_cancel(CREDS, ref, TS) == bybit(
        "POST", "/v5/order/cancel",
        body=b'{"category":"spot","symbol":"BTCUSDT","orderLinkId":"arb1x"}')
    assert a.sign_balances(CREDS, TS) == bybit("GET", "/v5/account/wallet-balance",
                                               "accountType=UNIFIED")
    assert a.sign_fee_rates(CREDS, "BTCUSDT", TS) == bybit(
        "GET", "/v5/account/fee-rate", "category=spot&symbol=BTCUSDT")


# --- OKX and Bitget: base64 over ts+METHOD+path(?query)+body, passphrase header ---------

def okx(method: str, path: str, body: bytes = b"") -> SignedRequest:
    sig = b64_mac(f"{ISO}{method}{path}".encode() + body)
    headers = {"OK-ACCESS-KEY": KEY, "OK-ACCESS-SIGN": sig, "OK-ACCESS-TIMESTAMP": ISO,
               "OK-ACCESS-PASSPHRASE": PASS}
    return SignedRequest(method, path, {**headers, **JSON} if body else headers, body, sig)


def test_okx_requests() -> None:
    a = adapter_for(Venue.OKX)
    ref = OrderRef("BTC-USDT", "arb1x")
    assert a.sign_place(CREDS, order(Venue.OKX, "BTC-USDT", Side.SELL), TS) == okx(
        "POST", "/api/v5/trade/order", b'{"instId":"BTC-USDT","tdMode":"cash","clOrdId":'
        b'"arb1x","side":"sell","ordType":"ioc","px":"30000.1","sz":"0.0015"}')
    assert a.sign_status(CREDS, ref, TS) == okx(
        "GET", "/api/v5/trade/order?clOrdId=arb1x&instId=BTC-USDT")
    assert a.sign_cancel(CREDS, ref, TS) == okx(
        "POST", "/api/v5/trade/cancel-order", b'{"instId":"BTC-USDT","clOrdId":"arb1x"}')
    assert a.sign_balances(CREDS, TS) == okx("GET", "/api/v5/account/balance")
    assert a.sign_fee_rates(CREDS, "BTC-USDT", TS) == okx(
        "GET", "/api/v5/account/trade-fee?instId=BTC-USDT&instType=SPOT")


def bitget(method: str, path: str, body: bytes = b"") -> SignedRequest:
    sig = b64_mac(f"{TS}{method}{path}".encode() + body)
    headers = {"ACCESS-KEY": KEY, "ACCESS-SIGN": sig, "ACCESS-TIMESTAMP": str(TS),
               "ACCESS-PASSPHRASE": PASS}
    return SignedRequest(method, path, {**headers, **JSON} if body else headers, body, sig)


def test_bitget_requests() -> None:
    a = adapter_for(Venue.BITGET)
    ref = OrderRef("BTCUSDT", "arb1x")
    assert a.sign_place(CREDS, order(Venue.BITGET, "BTCUSDT"), TS) == bitget(
        "POST", "/api/v2/spot/trade/place-order", b'{"symbol":"BTCUSDT","side":"buy",'
        b'"orderType":"limit","force":"ioc","price":"30000.1","size":"0.0015",'
        b'"clientOid":"arb1x"}')
    assert a.sign_status(CREDS, ref, TS) == bitget(
        "GET", "/api/v2/spot/trade/orderInfo?clientOid=arb1x")
    assert a.sign_cancel(CREDS, ref, TS) == bitget(
        "POST", "/api/v2/spot/trade/cancel-order", b'{"symbol":"BTCUSDT","clientOid":"arb1x"}')
    assert a.sign_balances(CREDS, TS) == bitget("GET", "/api/v2/spot/account/assets")
    assert a.sign_fee_rates(CREDS, "BTCUSDT", TS) == bitget(
        "GET", "/api/v2/common/trade-rate?businessType=spot&symbol=BTCUSDT")


@pytest.mark.parametrize("venue", list(Venue))
def test_a_new_timestamp_makes_a_new_signature(venue: Venue) -> None:
    a = adapter_for(venue)
    one = a.sign_balances(CREDS, TS)
    two = a.sign_balances(CREDS, TS + 1)
    assert one.signature != two.signature
    other = a.sign_balances(Credentials(KEY, "another-secret", PASS), TS)
    assert other.signature != one.signature


@pytest.mark.parametrize("venue", list(Venue))
def test_no_secret_in_any_request_text(venue: Venue) -> None:
    """The secret signs but is never sent; the passphrase goes only where it is due."""
    a = adapter_for(venue)
    req = a.sign_place(CREDS, order(venue, a.venue_id("BTC", "USDT")), TS)
    sent = req.path + repr(req.headers) + req.body.decode()
    assert SECRET not in sent
    assert (PASS in sent) == (venue in (Venue.OKX, Venue.BITGET))
