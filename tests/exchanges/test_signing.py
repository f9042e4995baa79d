"""Signing: the official Binance vectors and derived Bybit/OKX/Bitget vectors, through
each venue's own functions, plus the shared pieces (credentials that never print, query
and body text, scrubbing). Where each venue documents its signing: docs/venues/<venue>.md,
"Signing"."""

from __future__ import annotations

import pickle

import pytest

from arbot.exchanges.signing import (
    Credentials,
    SignedRequest,
    encode_query,
    hmac_b64,
    hmac_hex,
    iso_ms,
    json_body,
    prehash,
    scrub,
    split_fields,
    with_query,
)
from arbot.venues.binance import rest as binance
from arbot.venues.bybit import rest as bybit

# --- Binance: official vectors, verbatim (rest-api.md, "SIGNED Endpoint Examples for
# POST /api/v3/order") --------------------------------------------------------------

BINANCE_SECRET = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"
BINANCE_PAYLOAD_1 = ("symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1"
                     "&recvWindow=5000&timestamp=1499827319559")
BINANCE_PAYLOAD_2 = ("symbol=%EF%BC%91%EF%BC%92%EF%BC%93%EF%BC%94%EF%BC%95%EF%BC%96&side=BUY"
                     "&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000"
                     "&timestamp=1499827319559")


@pytest.mark.parametrize(("payload", "expected"), [
    (BINANCE_PAYLOAD_1, "c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71"),
    (BINANCE_PAYLOAD_2, "e1353ec6b14d888f1164ae9af8228a3dbd508bc82eb867db8ab6046442f33ef3"),
])
def test_binance_official_vectors(payload: str, expected: str) -> None:
    assert binance.signature(BINANCE_SECRET, payload) == expected


def test_binance_payload_is_query_then_body() -> None:
    """ "the query string concatenated without separator to the HTTP body"."""
    query, body = BINANCE_PAYLOAD_1[:40], BINANCE_PAYLOAD_1[40:].encode()
    assert binance.signature(BINANCE_SECRET, query, body) == binance.signature(
        BINANCE_SECRET, BINANCE_PAYLOAD_1)


def test_the_non_ascii_symbol_is_encoded_as_binance_signs_it() -> None:
    assert encode_query({"symbol": "１２３４５６"}) == BINANCE_PAYLOAD_2.split("&")[0]


# --- derived vectors: prehash building AND the HMAC ---------------------------------
# No venue but Binance publishes a (key, message, signature) triple. These are the
# venues' own example prehash strings, signed here with Python's hmac under OKX's
# example SecretKey: they prove the wiring, they are not venue-published values.

DOC_KEY = "22582BD0CFF14C41EDBF1AB98506286D"


@pytest.mark.parametrize(("ts", "payload", "quoted", "expected"), [
    (1658384314791, b"category=option&symbol=BTC-29JUL22-25000-C",
     "1658384314791XXXXXXXXXX5000category=option&symbol=BTC-29JUL22-25000-C",
     "6ffe92d55e809d8723ee51ed95f03ba8174b905fcdfc37542d56aa0d03b8ffbc"),
    (1658385579423, b'{"category": "option"}',
     '1658385579423XXXXXXXXXX5000{"category": "option"}',
     "cab54947d603681df4a804818aad076ce9b80a8bf616546812ae61d22ef0dff7"),
])
def test_bybit_prehash_and_signature(ts: int, payload: bytes, quoted: str,
                                     expected: str) -> None:
    built = bybit.prehash(ts, "XXXXXXXXXX", 5000, payload)
    assert built == quoted.encode()  # the official prehash string, byte for byte
    assert hmac_hex(DOC_KEY, built) == expected


OKX_ORDER = {"instId": "BTC-USDT", "tdMode": "cash", "clOrdId": "b15", "side": "buy",
             "ordType": "limit", "px": "2.15", "sz": "2"}


def test_okx_get_vector() -> None:
    ts = iso_ms(1607418537715)
    assert ts == "2020-12-08T09:08:57.715Z"  # the doc's example timestamp
    built = prehash(ts, "GET", "/api/v5/account/balance?ccy=BTC", b"")
    assert built == b"2020-12-08T09:08:57.715ZGET/api/v5/account/balance?ccy=BTC"
    assert hmac_b64(DOC_KEY, built) == "HiZhvSfMtWJA3uUIVXV3a/bSXNPCWvYFXoGCVS8V4zY="


def test_okx_post_vector_with_the_body_as_we_encode_it() -> None:
    body = json_body(OKX_ORDER)
    assert body == (b'{"instId":"BTC-USDT","tdMode":"cash","clOrdId":"b15","side":"buy",'
                    b'"ordType":"limit","px":"2.15","sz":"2"}')
    built = prehash("2020-12-08T09:08:57.715Z", "post", "/api/v5/trade/order", body)
    assert built == b"2020-12-08T09:08:57.715ZPOST/api/v5/trade/order" + body
    assert hmac_b64(DOC_KEY, built) == "dI6rrL9rXW/HdaPKJ/6LC1OgvH4/PYju6R3CqixMTNQ="


def test_okx_and_bitget_ws_login_vectors() -> None:
    assert hmac_b64(DOC_KEY, prehash("1538054050", "GET", "/users/self/verify", b"")) == \
        "+LdIr8lkkvhr5hoA3g9TMC0+uQJ849ftAcocA/ouu4M="
    assert hmac_b64(DOC_KEY, prehash("1538054050", "GET", "/user/verify", b"")) == \
        "/4S0C3L8mGdm8894ulf8wfnQ6dqMXO8Iw95zlvMN8Zw="


def test_bitget_get_vector_with_a_sorted_query() -> None:
    query, body = split_fields("GET", {"symbol": "BTCUSDT", "limit": "20"})
    assert (query, body) == ("limit=20&symbol=BTCUSDT", b"")  # sorted, as Bitget requires
    built = prehash("16273667805456", "GET", with_query("/api/mix/v2/market/depth", query),
                    body)
    assert built == b"16273667805456GET/api/mix/v2/market/depth?limit=20&symbol=BTCUSDT"
    assert hmac_b64(DOC_KEY, built) == "30l+qfOwyfwL90Ss/Wz2h2be1+vlW/DKH5rcFIsocEI="


def test_bitget_post_vector() -> None:
    query, body = split_fields("POST", {
        "productType": "usdt-futures", "symbol": "BTCUSDT", "size": "8",
        "marginMode": "crossed", "side": "buy", "orderType": "limit",
        "clientOid": "channel#123456"})
    built = prehash("16273667805456", "POST", with_query("/api/v2/mix/order/place-order",
                                                         query), body)
    assert built == (b'16273667805456POST/api/v2/mix/order/place-order{"productType":'
                     b'"usdt-futures","symbol":"BTCUSDT","size":"8","marginMode":"crossed",'
                     b'"side":"buy","orderType":"limit","clientOid":"channel#123456"}')
    assert hmac_b64(DOC_KEY, built) == "jIRuviYIBOMtYTXX+ji2u+/QsuvmwgqRWhM6kiexTEU="


# --- shared pieces ----------------------------------------------------------------------


def test_credentials_never_print_their_secrets() -> None:
    creds = Credentials("AKIDLONGAPIKEY123", "s3cr3t-value-xyz", "pass-phrase-42")
    for text in (repr(creds), str(creds), f"{creds}", repr([creds])):
        assert "s3cr3t-value-xyz" not in text
        assert "pass-phrase-42" not in text
        assert "AKIDLONGAPIKEY123" not in text
    assert repr(creds) == "Credentials(key='AKID...', secret='***', passphrase='***')"
    assert repr(Credentials("k", "s")) == "Credentials(key='***', secret='***')"
    assert creds.secret == "s3cr3t-value-xyz" and creds.passphrase == "pass-phrase-42"
    assert set(creds.redactions()) == {"AKIDLONGAPIKEY123", "s3cr3t-value-xyz",
                                       "pass-phrase-42"}
    assert not hasattr(creds, "__dict__")


def test_pickled_credentials_come_back_whole() -> None:
    creds = pickle.loads(pickle.dumps(Credentials("k" * 10, "s", "p")))
    assert (creds.key, creds.secret, creds.passphrase) == ("k" * 10, "s", "p")


def test_redacted_path_drops_only_the_signature() -> None:
    req = SignedRequest("GET", "/api/v3/account?omitZeroBalances=true&timestamp=1"
                               "&signature=abc123", {}, b"", "abc123")
    assert req.redacted_path == "/api/v3/account?omitZeroBalances=true&timestamp=1"
    assert SignedRequest("GET", "/x?signature=a", {}).redacted_path == "/x"
    assert SignedRequest("GET", "/x", {}).redacted_path == "/x"
    assert req.redactions() == ("abc123",)


def test_query_and_body_text() -> None:
    assert encode_query({"b": "2", "a": "x y/z+"}) == "a=x%20y%2Fz%2B&b=2"
    assert encode_query({}) == ""
    assert with_query("/p", "") == "/p" and with_query("/p", "a=1") == "/p?a=1"
    assert split_fields("POST", {"z": "1", "a": "2"}) == ("", b'{"z":"1","a":"2"}')
    assert iso_ms(0) == "1970-01-01T00:00:00.000Z"


def test_scrub_blanks_secrets_and_their_url_encoding() -> None:
    sig = "ab+c/d="
    text = f"error sign! origin_string[1KEY5000x] sig={sig} url=?s=ab%2Bc%2Fd%3D"
    out = scrub(text, ["KEY", sig, ""])
    assert "KEY" not in out and sig not in out and "ab%2Bc%2Fd%3D" not in out
    assert out.count("***") == 3
