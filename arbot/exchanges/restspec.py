"""What a venue's REST API is like, as data the adapters declare (request budgets, how
errors are reported), and the one error the REST clients raise.

Pure (no sockets, no await), so the adapters can hold it and `rest.py` can stay one
venue-neutral client. The venues disagree on envelopes (`{"code":-1121,"msg":..}` only
on errors, `retCode`/`retMsg`, `code`/`msg` with "0" plus a per-order `sCode` inside
`data[]`, "00000") and on which codes mean what; `ErrorTable` turns
all of them into one small set of causes a caller (or a trader) can act on.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence

import msgspec

from arbot.domain import Venue


class RestErrorKind(enum.StrEnum):
    """Why a REST call failed, in terms of what the caller should do about it."""

    RATE_LIMITED = "rate_limited"  # slow down; wait out Retry-After or a documented ban
    TIMESTAMP = "timestamp"  # our clock is outside the venue's window (signed requests)
    BAD_REQUEST = "bad_request"  # the venue refused the request itself; retrying won't help
    INSUFFICIENT_BALANCE = "insufficient_balance"  # not enough free funds for the order
    ORDER_RULES = "order_rules"  # lot size, min qty/notional, tick, precision violated
    NO_SUCH_ORDER = "no_such_order"  # the venue knows no (open) order by that id
    AUTH = "auth"  # bad key, bad signature, wrong passphrase, missing permission or IP
    ACCOUNT_MODE = "account_mode"  # the endpoint is not for this account's mode (unified)
    SERVER = "server"  # the venue failed: the outcome is unknown, a GET may be retried
    TIMEOUT = "timeout"  # no complete answer in time
    NETWORK = "network"  # could not connect, or the connection broke
    INVALID_RESPONSE = "invalid_response"  # an answer we cannot read
    OTHER = "other"  # a venue error code we have no mapping for

    @property
    def retryable(self) -> bool:
        """Worth repeating an idempotent GET: the cause is transient, not the request."""
        return self in _RETRYABLE

    @property
    def outcome_unknown(self) -> bool:
        """After an order request: the venue may have acted, so the order must be looked
        up by client id before anything else is decided. Every other kind is a refusal
        the venue gave before acting (an unmapped code counts as unknown, to be safe)."""
        return self in _UNKNOWN

    @property
    def text(self) -> str:
        return _TEXT[self]


_RETRYABLE = frozenset((RestErrorKind.RATE_LIMITED, RestErrorKind.SERVER,
                        RestErrorKind.TIMEOUT, RestErrorKind.NETWORK))
_UNKNOWN = frozenset((RestErrorKind.SERVER, RestErrorKind.TIMEOUT, RestErrorKind.NETWORK,
                      RestErrorKind.INVALID_RESPONSE, RestErrorKind.OTHER))
_TEXT = {
    RestErrorKind.RATE_LIMITED: "rate limited",
    RestErrorKind.TIMESTAMP: "timestamp outside the venue's window",
    RestErrorKind.BAD_REQUEST: "request refused",
    RestErrorKind.INSUFFICIENT_BALANCE: "insufficient balance",
    RestErrorKind.ORDER_RULES: "order breaks the symbol's rules",
    RestErrorKind.NO_SUCH_ORDER: "no such order",
    RestErrorKind.AUTH: "authentication refused",
    RestErrorKind.ACCOUNT_MODE: "not available in this account mode",
    RestErrorKind.SERVER: "venue error, status unknown",
    RestErrorKind.TIMEOUT: "timed out",
    RestErrorKind.NETWORK: "connection failed",
    RestErrorKind.INVALID_RESPONSE: "unreadable response",
    RestErrorKind.OTHER: "venue error",
}


class RestError(Exception):
    """A REST call that failed for good; `str()` is one line naming venue, method, path and
    cause.

    `status` is None when no HTTP answer arrived; `code` and `message` are the venue's own
    ("" when it sent none). For signed requests the client passes a path without the
    signature and a message with credentials blanked out, so the text is safe to log.
    """

    def __init__(self, kind: RestErrorKind, status: int | None, code: str, message: str,
                 venue: Venue, path: str, *, attempts: int = 1,
                 retry_after_s: float | None = None, method: str = "GET") -> None:
        self.kind = kind
        self.method = method
        self.status = status
        self.code = code
        self.message = message
        self.venue = venue
        self.path = path
        self.attempts = attempts
        self.retry_after_s = retry_after_s
        super().__init__(self._describe())

    def _describe(self) -> str:
        said = f"code {self.code}: {self.message}" if self.code else self.message
        detail = ", ".join(p for p in (f"HTTP {self.status}" if self.status else "", said) if p)
        text = f"{self.venue} {self.method} {self.path}: {self.kind.text}"
        text += f" ({detail})" if detail else ""
        text += f", retry after {self.retry_after_s:g} s" if self.retry_after_s else ""
        text += f" after {self.attempts} attempts" if self.attempts > 1 else ""
        return " ".join(text.split())


class RestProblem(msgspec.Struct, frozen=True):
    """One failed reply: the cause, the venue's own code and message ("" when it sent
    none), and how long the venue says to stay away when its docs say so."""

    kind: RestErrorKind
    code: str
    message: str
    retry_after_s: float | None = None


class ErrorTable:
    """One venue's error envelope and the codes and statuses that matter.

    `code_field`/`msg_field` name the envelope's fields; `ok_code` is the success code
    (None where success carries no code). `codes` maps the venue's codes, `statuses` HTTP
    statuses beyond 429 that mean something on their own (418 or 403 as rate limits), and
    `penalty_s` the documented wait for a status that comes without Retry-After (e.g. 403
    meaning "wait for at least 10 minutes").

    `messages` refines one code by a substring of its message (case-insensitive), for a
    venue that sends one code for several causes (one code for "insufficient balance" or a
    filter failure). `items` = (list field, code field, message field) names per-item
    results inside a reply (`data[i].sCode`/`sMsg`): an item whose code is not `ok_code`
    is the error, even under a top-level success code, and is more specific than the
    top-level code (a refused order answered with code "1" and sCode 51008).

    A code's mapping wins over the status's (a "timestamp expired" code may come with
    HTTP 401); anything unmapped falls back on the HTTP status: 5xx is a server error,
    other 4xx a refused request.
    """

    def __init__(self, code_field: str, msg_field: str, ok_code: str | None,
                 codes: Mapping[int | str, RestErrorKind],
                 statuses: Mapping[int, RestErrorKind] | None = None,
                 penalty_s: Mapping[int, float] | None = None, *,
                 messages: Mapping[int | str, Sequence[tuple[str, RestErrorKind]]] | None = None,
                 items: tuple[str, str, str] | None = None) -> None:
        self.ok_code = ok_code
        self.codes = {str(k): v for k, v in codes.items()}
        self.statuses = {429: RestErrorKind.RATE_LIMITED, **(statuses or {})}
        self.penalty_s = dict(penalty_s or {})
        self.messages = {str(k): [(text.lower(), kind) for text, kind in v]
                         for k, v in (messages or {}).items()}
        fields: list[tuple[str, object, object]] = [
            ("code", int | str | None, None), ("msg", str | None, None)]
        rename = {"code": code_field, "msg": msg_field}
        self._items: msgspec.json.Decoder[list[object]] | None = None
        if items is not None:
            fields.append(("items", msgspec.Raw, msgspec.Raw()))
            rename["items"] = items[0]
            item = msgspec.defstruct("Item", [("code", int | str | None, None),
                                              ("msg", str | None, None)],
                                     rename={"code": items[1], "msg": items[2]})
            self._items = msgspec.json.Decoder(list[item])  # type: ignore[valid-type]
        envelope = msgspec.defstruct("Envelope", fields, rename=rename)
        self._decoder = msgspec.json.Decoder(envelope)

    def classify(self, status: int, body: bytes) -> RestProblem | None:
        """None when the reply is a success; otherwise what went wrong.

        Only the envelope's fields are decoded; msgspec skips the rest of a large
        instruments body without building it. A bare JSON list with a 2xx status is an
        answer, not an error (a venue's coin list can be one; error envelopes are objects).
        """
        if 200 <= status < 300 and body.lstrip()[:1] == b"[":
            return None
        try:
            env: object = self._decoder.decode(body)
        except ValueError:  # msgspec.DecodeError, or UnicodeDecodeError for bad UTF-8
            env = None
        code = getattr(env, "code", None)
        code_text = "" if code is None else str(code)
        msg = getattr(env, "msg", None)
        failed = self._failed_item(env)
        if failed is not None:
            code_text, msg = failed
        elif 200 <= status < 300 and env is not None and (
                code is None or code_text == self.ok_code):
            return None
        msg = msg or ("" if env is not None else _snippet(body))
        if 200 <= status < 300 and env is None:
            return RestProblem(RestErrorKind.INVALID_RESPONSE, "", f"not a JSON object: {msg}")
        kind = self.kind_of(code_text, msg) or self.statuses.get(status)
        if kind is None:
            kind = (RestErrorKind.SERVER if status >= 500
                    else RestErrorKind.BAD_REQUEST if status >= 400 else RestErrorKind.OTHER)
        return RestProblem(kind, code_text, msg, self.penalty_s.get(status))

    def kind_of(self, code: str, message: str) -> RestErrorKind | None:
        """What a venue code means (refined by its message where the venue reuses a code);
        None for a code this table does not know."""
        rules = self.messages.get(code)
        if rules:
            lowered = message.lower()
            for text, kind in rules:
                if text in lowered:
                    return kind
        return self.codes.get(code)

    def _failed_item(self, env: object) -> tuple[str, str] | None:
        """(code, message) of the first per-item result that is not a success."""
        raw = getattr(env, "items", None)
        if self._items is None or not isinstance(raw, msgspec.Raw) or not raw:
            return None
        try:
            items = self._items.decode(raw)
        except ValueError:  # `data` that is not a list of objects carries no item codes
            return None
        for item in items:
            code = getattr(item, "code", None)
            if code is not None and str(code) not in ("", self.ok_code):
                return str(code), getattr(item, "msg", None) or ""
        return None


def _snippet(body: bytes, limit: int = 120) -> str:
    """The start of a non-JSON body (a proxy's HTML page) on one line."""
    text = " ".join(body[: limit * 2].decode("utf-8", "replace").split())
    return text[:limit]


class RateLimit(msgspec.Struct, frozen=True):
    """`limit` units of weight per `window_s` seconds, as the venue documents it."""

    limit: float
    window_s: float


class Endpoint(msgspec.Struct, frozen=True):
    """One endpoint's weight against the venue-wide budget and its own limit, if any."""

    weight: int = 1
    limit: RateLimit | None = None


class RestLimits(msgspec.Struct, frozen=True):
    """A venue's REST budget: one venue-wide limit (request weight, or requests per IP)
    and per-endpoint limits (most venues' public and every venue's private endpoints).
    Keys are paths without their query string, or "METHOD path" where one path serves
    endpoints of different cost (e.g. GET of an order weighs 4, POST 1)."""

    overall: RateLimit | None = None
    endpoints: dict[str, Endpoint] = {}

    def key(self, path: str, method: str = "GET") -> str:
        """The `endpoints` key that governs `method path` (the bare path if none is listed)."""
        bare = path.partition("?")[0]
        qualified = f"{method} {bare}"
        return qualified if qualified in self.endpoints else bare

    def endpoint(self, path: str, method: str = "GET") -> Endpoint:
        """The entry for `method path` (query ignored); weight 1 and no own limit if unlisted."""
        return self.endpoints.get(self.key(path, method), _DEFAULT_ENDPOINT)

    def window_s(self, path: str, method: str = "GET") -> float | None:
        """The window of the limit an endpoint counts against (its own, else the venue's):
        how long to hold back after a rate-limit answer that names no wait."""
        own = self.endpoint(path, method).limit
        limit = own if own is not None else self.overall
        return None if limit is None else limit.window_s


_DEFAULT_ENDPOINT = Endpoint()
