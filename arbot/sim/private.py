"""Private REST, the part every venue shares: rate limit, then signature, then the
endpoint, each answered in the venue's own words.

A venue's private API (`<venue>_private.py`) is a `PrivateApi`: its signing scheme as
data, its routes, and how it words a rate-limit hit, an auth failure and a bad request.
`serve` runs the same pipeline for all four; handlers get a `Call` with the parsed
parameters and the venue's `VenueAccount` and return a `Reply`.
"""

from __future__ import annotations

import abc
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import ClassVar
from urllib.parse import parse_qsl

from arbot.domain import Venue
from arbot.sim.account import VenueAccount
from arbot.sim.auth import AuthFailure, AuthScheme, verify
from arbot.sim.config import Credentials
from arbot.sim.instruments import SymbolSpec
from arbot.sim.limits import Limiter, Usage
from arbot.sim.wire import INVALID, RestRequest, loads

Params = Mapping[str, object]


@dataclass(frozen=True)
class Reply:
    status: int
    body: object
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Call:
    """One authenticated request, ready for an endpoint handler."""

    req: RestRequest
    params: Params
    account: VenueAccount
    lookup: Mapping[str, SymbolSpec]
    """Venue symbol id -> spec, for the symbols being served."""
    usd: Callable[[str], Decimal]
    """USD value of one unit of an asset (for the venues' equity fields)."""

    @property
    def now_ms(self) -> int:
        return self.req.now_ms

    def text(self, key: str) -> str | None:
        """A parameter as text; JSON numbers are written back as text; "" counts as absent."""
        value = self.params.get(key)
        if isinstance(value, bool) or value is None:
            return None
        text = str(value)
        return text or None


Handler = Callable[[Call], Reply]


class PrivateApi(abc.ABC):
    """One venue's signed REST endpoints."""

    venue: ClassVar[Venue]
    scheme: ClassVar[AuthScheme]
    first_order_id: ClassVar[int]
    unique_among_open: ClassVar[bool] = False
    """Client order ids must be unique among open orders only (True), else forever."""
    checks_min_qty: ClassVar[bool] = True
    """The venue refuses an order below the symbol's minimum quantity (False where the
    venue has dropped that check and keeps only the minimum value)."""

    def __init__(self, account_mode: str = "") -> None:
        self.account_mode = account_mode
        """The account's mode where the venue has modes (`VenueSpec.account_modes`);
        a venue's routes refuse the other mode's endpoints. Tests may change it."""

    @abc.abstractmethod
    def routes(self) -> Mapping[tuple[str, str], Handler]:
        """(HTTP method, path under the venue prefix) -> handler."""

    @abc.abstractmethod
    def auth_error(self, failure: AuthFailure, req: RestRequest) -> Reply:
        """The venue's answer to a request that fails `verify`."""

    @abc.abstractmethod
    def too_many(self, usage: Usage, req: RestRequest) -> Reply:
        """The venue's rate-limit answer."""

    @abc.abstractmethod
    def bad_request(self, req: RestRequest, detail: str) -> Reply:
        """The venue's answer to unreadable or missing parameters."""

    def usage_headers(self, usage: Usage, req: RestRequest) -> Mapping[str, str]:
        """Headers reporting rate-limit use on every answer, where the venue sends them."""
        return {}

    def params(self, req: RestRequest) -> Params | Reply:
        """Query parameters for GET and DELETE, the JSON object body otherwise."""
        if req.method in ("GET", "DELETE"):
            return dict(parse_qsl(req.raw_query, keep_blank_values=True))
        obj = loads(req.body) if req.body else {}
        if obj is INVALID or not isinstance(obj, dict):
            return self.bad_request(req, "body")
        return obj


def serve(api: PrivateApi, handler: Handler, req: RestRequest, account: VenueAccount,
          limiter: Limiter, keys: Mapping[str, Credentials],
          lookup: Mapping[str, SymbolSpec], usd: Callable[[str], Decimal]) -> Reply:
    """Rate limit, authenticate, parse and handle one private request."""
    usage = limiter.hit(req.path)
    if not usage.allowed:
        reply = api.too_many(usage, req)
    else:
        who = verify(api.scheme, req, keys, req.now_ms)
        if isinstance(who, AuthFailure):
            reply = api.auth_error(who, req)
        else:
            params = api.params(req)
            reply = params if isinstance(params, Reply) else handler(
                Call(req, params, account, lookup, usd))
    extra = api.usage_headers(usage, req)
    return Reply(reply.status, reply.body, {**extra, **reply.headers}) if extra else reply


def to_decimal(text: str | None) -> Decimal | None:
    """A finite decimal written in plain digits, or None."""
    if text is None:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None
