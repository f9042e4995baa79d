"""What a venue's public REST API is like, as data the adapters declare (request budgets,
how errors are reported), and the one error the REST client raises.

Pure (no sockets, no await), so the adapters can hold it and `rest.py` can stay one
venue-neutral client. The venues disagree on envelopes (Binance `{"code":-1121,"msg":..}`
only on errors, Bybit `retCode`/`retMsg`, OKX `code`/`msg` with "0", Bitget "00000")
and on which codes mean "slow down"; `ErrorTable` turns all of them into one small set
of causes the client can act on.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping

import msgspec

from arbot.domain import Venue


class RestErrorKind(enum.StrEnum):
    """Why a REST call failed, in terms of what the caller should do about it."""

    RATE_LIMITED = "rate_limited"  # slow down; wait out Retry-After or a documented ban
    TIMESTAMP = "timestamp"  # our clock is outside the venue's window (signed requests)
    BAD_REQUEST = "bad_request"  # the venue refused the request itself; retrying won't help
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
    def text(self) -> str:
        return _TEXT[self]


_RETRYABLE = frozenset((RestErrorKind.RATE_LIMITED, RestErrorKind.SERVER,
                        RestErrorKind.TIMEOUT, RestErrorKind.NETWORK))
_TEXT = {
    RestErrorKind.RATE_LIMITED: "rate limited",
    RestErrorKind.TIMESTAMP: "timestamp outside the venue's window",
    RestErrorKind.BAD_REQUEST: "request refused",
    RestErrorKind.SERVER: "venue error, status unknown",
    RestErrorKind.TIMEOUT: "timed out",
    RestErrorKind.NETWORK: "connection failed",
    RestErrorKind.INVALID_RESPONSE: "unreadable response",
    RestErrorKind.OTHER: "venue error",
}


class RestError(Exception):
    """A REST call that failed for good; `str()` is one line naming venue, path and cause.

    `status` is None when no HTTP answer arrived; `code` and `message` are the venue's own
    ("" when it sent none).
    """

    def __init__(self, kind: RestErrorKind, status: int | None, code: str, message: str,
                 venue: Venue, path: str, *, attempts: int = 1,
                 retry_after_s: float | None = None) -> None:
        self.kind = kind
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
        text = f"{self.venue} GET {self.path}: {self.kind.text}"
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
    (None where success carries no code, as on Binance). `codes` maps the venue's codes,
    `statuses` HTTP statuses beyond 429 that mean "rate limited" (Binance 418, Bybit 403),
    and `penalty_s` the documented wait for a status that comes without Retry-After
    (Bybit: 403 means "wait for at least 10 minutes"). Anything unmapped falls back on the
    HTTP status: 5xx is a server error, other 4xx a refused request.
    """

    def __init__(self, code_field: str, msg_field: str, ok_code: str | None,
                 codes: Mapping[int | str, RestErrorKind],
                 statuses: Mapping[int, RestErrorKind] | None = None,
                 penalty_s: Mapping[int, float] | None = None) -> None:
        self.ok_code = ok_code
        self.codes = {str(k): v for k, v in codes.items()}
        self.statuses = {429: RestErrorKind.RATE_LIMITED, **(statuses or {})}
        self.penalty_s = dict(penalty_s or {})
        envelope = msgspec.defstruct("Envelope", [("code", int | str | None, None),
                                                  ("msg", str | None, None)],
                                     rename={"code": code_field, "msg": msg_field})
        self._decoder = msgspec.json.Decoder(envelope)

    def classify(self, status: int, body: bytes) -> RestProblem | None:
        """None when the reply is a success; otherwise what went wrong.

        Only the envelope's two fields are decoded; msgspec skips the rest of a large
        instruments body without building it.
        """
        try:
            env: object = self._decoder.decode(body)
        except ValueError:  # msgspec.DecodeError, or UnicodeDecodeError for bad UTF-8
            env = None
        code = getattr(env, "code", None)
        code_text = "" if code is None else str(code)
        ok = 200 <= status < 300
        if ok and env is not None and (code is None or code_text == self.ok_code):
            return None
        msg = getattr(env, "msg", None) or ("" if env is not None else _snippet(body))
        if ok and env is None:
            return RestProblem(RestErrorKind.INVALID_RESPONSE, "", f"not a JSON object: {msg}")
        kind = self.statuses.get(status) or self.codes.get(code_text)
        if kind is None:
            kind = (RestErrorKind.SERVER if status >= 500
                    else RestErrorKind.BAD_REQUEST if status >= 400 else RestErrorKind.OTHER)
        return RestProblem(kind, code_text, msg, self.penalty_s.get(status))


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
    """A venue's public REST budget: one venue-wide limit (Binance's request weight,
    Bybit's requests per IP) and per-endpoint limits (OKX, Bitget). Paths are given
    without their query string."""

    overall: RateLimit | None = None
    endpoints: dict[str, Endpoint] = {}

    def endpoint(self, path: str) -> Endpoint:
        """The entry for `path` (query ignored); weight 1 and no own limit if unlisted."""
        return self.endpoints.get(path.partition("?")[0], _DEFAULT_ENDPOINT)


_DEFAULT_ENDPOINT = Endpoint()
