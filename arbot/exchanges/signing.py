"""The venue-neutral pieces of signed REST: credentials that never print, the request a
venue adapter builds, HMAC in the two encodings the venues use, and the query/body text.

Pure (no sockets, no await): each adapter turns an order or a query into a
`SignedRequest` here, and `rest.py` only sends it. What gets signed and what gets sent
are the same bytes by construction (the body is encoded once, then both signed and sent),
which is the one property every venue's signature check depends on.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Iterable, Mapping
from urllib.parse import quote

import msgspec

_MASK = "***"


class Credentials:
    """One venue's API key, secret and (where the venue issues one) passphrase.

    `repr`/`str` show only the start of the key: secrets must never reach logs, and a
    Credentials object ends up in tracebacks and debug prints sooner or later. There is no
    `__dict__` to dump and msgspec cannot encode it.
    """

    __slots__ = ("_passphrase", "_secret", "key")

    def __init__(self, key: str, secret: str, passphrase: str = "") -> None:
        self.key = key
        self._secret = secret
        self._passphrase = passphrase

    @property
    def secret(self) -> str:
        return self._secret

    @property
    def passphrase(self) -> str:
        return self._passphrase

    def redactions(self) -> tuple[str, ...]:
        """The strings that must never appear in an error message or a log line."""
        return tuple(s for s in (self.key, self._secret, self._passphrase) if s)

    def __repr__(self) -> str:
        shown = f"{self.key[:4]}..." if len(self.key) > 8 else _MASK
        passphrase = f", passphrase={_MASK!r}" if self._passphrase else ""
        return f"Credentials(key={shown!r}, secret={_MASK!r}{passphrase})"

    __str__ = __repr__


class SignedRequest(msgspec.Struct, frozen=True):
    """One signed HTTP request, ready to send as is.

    `path` carries the query string exactly as signed; `body` is the exact bytes signed
    (empty for none). `signature` is the value the venue checks, wherever the venue
    wants it (a header, or a `signature` query parameter), kept so that error
    text can be scrubbed of it.
    """

    method: str
    path: str
    headers: dict[str, str]
    body: bytes = b""
    signature: str = ""

    @property
    def redacted_path(self) -> str:
        """`path` without a `signature` query parameter: what error messages may show."""
        base, sep, query = self.path.partition("?")
        if not sep:
            return base
        kept = [p for p in query.split("&") if not p.startswith("signature=")]
        return f"{base}?{'&'.join(kept)}" if kept else base

    def redactions(self) -> tuple[str, ...]:
        return (self.signature,) if self.signature else ()


def hmac_hex(secret: str, message: str | bytes) -> str:
    """HMAC-SHA256 as lowercase hex."""
    return _mac(secret, message).hexdigest()


def hmac_b64(secret: str, message: str | bytes) -> str:
    """HMAC-SHA256 as base64."""
    return base64.b64encode(_mac(secret, message).digest()).decode()


def _mac(secret: str, message: str | bytes) -> hmac.HMAC:
    data = message.encode() if isinstance(message, str) else message
    return hmac.new(secret.encode(), data, hashlib.sha256)


def encode_query(params: Mapping[str, str] | Iterable[tuple[str, str]]) -> str:
    """`k=v&...` sorted by key, values percent-encoded as UTF-8 (RFC 3986 unreserved kept).

    Sorted for every venue: one requires GET parameters in ascending key order, the
    others accept any order, and one rule is easier to check. A non-ASCII symbol is
    signed percent-encoded (an official signing vector shows it; tests hold it).
    """
    pairs = params.items() if isinstance(params, Mapping) else params
    return "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in sorted(pairs))


def with_query(path: str, query: str) -> str:
    """`path?query`, or `path` alone for an empty query (no dangling "?": venues that sign
    the request path sign it without one)."""
    return f"{path}?{query}" if query else path


def json_body(fields: Mapping[str, str]) -> bytes:
    """Compact JSON in the given key order: the bytes that are both signed and sent."""
    return msgspec.json.encode(fields)


def split_fields(method: str, fields: Mapping[str, str]) -> tuple[str, bytes]:
    """(query, body) for the venues that sign headers: a GET sends
    its fields as a sorted query string, a POST as a JSON body in the given order."""
    if method == "POST":
        return "", json_body(fields)
    return encode_query(fields), b""


def prehash(timestamp: str, method: str, path_with_query: str, body: bytes) -> bytes:
    """`timestamp + METHOD + requestPath(+?query) + body`: the string the base64-HMAC
    venues sign (they differ only in the timestamp's format and the header names)."""
    return f"{timestamp}{method.upper()}{path_with_query}".encode() + body


class HeaderNames(msgspec.Struct, frozen=True):
    """Where a timestamp+method+path+body venue wants the key, signature, timestamp and
    passphrase."""

    key: str
    sign: str
    timestamp: str
    passphrase: str


def sign_prehash(creds: Credentials, names: HeaderNames, method: str, path: str,
                 fields: Mapping[str, str], timestamp: str) -> SignedRequest:
    """A request signed the `prehash` way: base64 HMAC-SHA256 of `prehash`, sent in
    headers with the key, the timestamp and the passphrase."""
    query, body = split_fields(method, fields)
    request_path = with_query(path, query)
    sig = hmac_b64(creds.secret, prehash(timestamp, method, request_path, body))
    headers = {names.key: creds.key, names.sign: sig, names.timestamp: timestamp,
               names.passphrase: creds.passphrase}
    if body:
        headers["Content-Type"] = "application/json"
    return SignedRequest(method, request_path, headers, body, sig)


def iso_ms(ts_ms: int) -> str:
    """UTC ISO-8601 with milliseconds and a Z, e.g. 2020-12-08T09:08:57.715Z."""
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ts_ms // 1000)) + \
        f".{ts_ms % 1000:03d}Z"


def scrub(text: str, secrets: Iterable[str]) -> str:
    """`text` with every secret (and its URL-encoded form) replaced by ***: venues echo
    request text in some errors (an "error sign! origin_string[...]" holds the key)."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, _MASK)
            encoded = quote(secret, safe="")
            if encoded != secret:
                text = text.replace(encoded, _MASK)
    return text
