"""Signed-request checks: each venue's scheme is data, one function verifies them all.

A scheme says where the key, signature, timestamp (and passphrase) travel, which bytes
are signed, how the timestamp reads and how fresh it must be, and how the HMAC-SHA256
is encoded. `verify` runs the same steps for every venue in the same order, over the
request exactly as received (raw query string, raw body bytes), never a re-serialization,
and names the first thing wrong; each venue turns that into its own error.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Literal

from arbot.sim.config import Credentials
from arbot.sim.wire import RestRequest

Getter = Callable[[RestRequest], str | None]
Encoding = Literal["hex", "base64"]


class AuthFailure(Enum):
    """What is wrong with a signed request, in the order `verify` checks."""

    MISSING_KEY = "missing key"
    UNKNOWN_KEY = "unknown key"
    MISSING_PASSPHRASE = "missing passphrase"
    BAD_PASSPHRASE = "wrong passphrase"
    MISSING_TIMESTAMP = "missing timestamp"
    BAD_TIMESTAMP = "unreadable timestamp"
    EXPIRED = "timestamp outside the window"
    MISSING_SIGNATURE = "missing signature"
    BAD_SIGNATURE = "wrong signature"


@dataclass(frozen=True)
class AuthScheme:
    """One venue's request signing, as its documentation describes it."""

    key: Getter
    signature: Getter
    timestamp: Getter
    prehash: Callable[[RestRequest, str], bytes]
    """The signed bytes, given the request and its timestamp text."""
    parse_ms: Callable[[str], int | None]
    """Timestamp text -> epoch ms, or None when it is not one."""
    fresh: Callable[[int, int, RestRequest], bool]
    """(timestamp ms, server now ms, request) -> inside the venue's window."""
    encoding: Encoding
    passphrase: Getter | None = None


def header(name: str) -> Getter:
    """A getter for one request header (aiohttp's headers are case-insensitive)."""
    def get(req: RestRequest) -> str | None:
        return req.headers.get(name) or None
    return get


def sign(secret: str, message: bytes, encoding: Encoding) -> str:
    """HMAC-SHA256 of `message` keyed with `secret`, as hex or base64 text."""
    digest = hmac.new(secret.encode(), message, hashlib.sha256).digest()
    return digest.hex() if encoding == "hex" else base64.b64encode(digest).decode()


def verify(scheme: AuthScheme, req: RestRequest, keys: Mapping[str, Credentials],
           now_ms: int) -> Credentials | AuthFailure:
    """The account whose key signed `req`, or the first reason to refuse it."""
    key = scheme.key(req)
    if key is None:
        return AuthFailure.MISSING_KEY
    creds = keys.get(key)
    if creds is None:
        return AuthFailure.UNKNOWN_KEY
    if scheme.passphrase is not None:
        passphrase = scheme.passphrase(req)
        if passphrase is None:
            return AuthFailure.MISSING_PASSPHRASE
        if not hmac.compare_digest(passphrase.encode(), creds.passphrase.encode()):
            return AuthFailure.BAD_PASSPHRASE
    ts_text = scheme.timestamp(req)
    if ts_text is None:
        return AuthFailure.MISSING_TIMESTAMP
    ts_ms = scheme.parse_ms(ts_text)
    if ts_ms is None:
        return AuthFailure.BAD_TIMESTAMP
    if not scheme.fresh(ts_ms, now_ms, req):
        return AuthFailure.EXPIRED
    given = scheme.signature(req)
    if given is None:
        return AuthFailure.MISSING_SIGNATURE
    expected = sign(creds.secret, scheme.prehash(req, ts_text), scheme.encoding)
    if scheme.encoding == "hex":  # hex signatures are case-insensitive (the hex venue says so)
        given = given.lower()
    if not hmac.compare_digest(given.encode(), expected.encode()):
        return AuthFailure.BAD_SIGNATURE
    return creds


def ts_method_target_body(req: RestRequest, ts: str) -> bytes:
    """timestamp + METHOD + requestPath (+ "?" + query) + body: the prehash of venues that
    sign headers with base64 HMAC."""
    return f"{ts}{req.method}{req.target}".encode() + req.body


def parse_int_ms(text: str) -> int | None:
    """Epoch milliseconds written as an integer."""
    return int(text) if text.isascii() and text.isdigit() else None


def parse_iso_ms(text: str) -> int | None:
    """An ISO 8601 UTC time with milliseconds, e.g. 2020-12-08T09:08:57.715Z."""
    if not text.endswith("Z"):
        return None
    try:
        moment = datetime.fromisoformat(text[:-1] + "+00:00")
    except ValueError:
        return None
    return round(moment.timestamp() * 1000)


def within(window_ms: int) -> Callable[[int, int, RestRequest], bool]:
    """Fresh when no more than `window_ms` away from server time, either way."""
    def fresh(ts_ms: int, now_ms: int, req: RestRequest) -> bool:
        return abs(now_ms - ts_ms) <= window_ms
    return fresh
