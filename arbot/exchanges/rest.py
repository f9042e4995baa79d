"""The only HTTP code for REST (so the transport can be swapped in one place): one client
per venue for its public endpoints, and the transport `private.PrivateClient` sends
signed requests through.

Everything that differs between venues is data on the adapter (time endpoint, request
weights and limits, error envelope), so `RestClient` never asks which venue it talks to.
A request waits for the venue's token buckets, has its own timeout, and an idempotent GET
is retried with capped exponential backoff and full jitter after a timeout, a broken
connection, a 5xx or a rate limit (waiting out Retry-After, and pausing the buckets so no
other request walks into the same wall). A refused request (other 4xx, or an error code
in an HTTP 200) is never retried: asking again gets the same answer.

`_attempt` sends any method with headers and a body, and blanks the strings it is told
are secret out of every error it raises, so signed requests never leak a key, secret,
passphrase or signature into an exception's text or a log line.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Callable
from typing import NamedTuple

import aiohttp
from yarl import URL

from arbot.coininfo import CoinNetwork
from arbot.domain import Instrument
from arbot.exchanges.base import Adapter
from arbot.exchanges.instrumentrules import checked
from arbot.exchanges.ratelimit import Clock, Sleep, TokenBucket
from arbot.exchanges.restspec import RestError, RestErrorKind
from arbot.exchanges.resttiming import DEFAULT_REST_TIMING, RestTiming, retry_after_s
from arbot.exchanges.signing import scrub
from arbot.exchanges.symbols import SymbolMap

log = logging.getLogger("arbot.rest")

SessionFactory = Callable[[], aiohttp.ClientSession]


class _Reply(NamedTuple):
    """A successful answer and the wall-clock ms around the exchange that produced it."""

    status: int
    body: bytes
    sent_ms: float
    recv_ms: float


class ClockSample(NamedTuple):
    """Venue clock minus ours (ms, at the round trip's midpoint) and the round trip (ms)."""

    offset_ms: float
    rtt_ms: float


def _wall_ms() -> float:
    return time.time_ns() / 1_000_000


class RestClient:
    """One venue's public REST API.

    `session` is an aiohttp session to use (the caller closes it) or a factory for one
    the client owns and closes in `aclose()`; by default the client makes its own. Clock,
    sleep, wall clock and random source are injectable for tests (docs/design.md, "No globals").
    """

    def __init__(self, adapter: Adapter, base_url: str | None = None,
                 session: aiohttp.ClientSession | SessionFactory | None = None, *,
                 timing: RestTiming = DEFAULT_REST_TIMING, clock: Clock = time.monotonic,
                 sleep: Sleep = asyncio.sleep, wall_ms: Callable[[], float] = _wall_ms,
                 rng: random.Random | None = None) -> None:
        self.adapter = adapter
        self.venue = adapter.venue
        self.base_url = (base_url or adapter.rest_url).rstrip("/")
        self.timing = timing
        self._clock = clock
        self._sleep = sleep
        self._wall_ms = wall_ms
        self._rng = rng or random.Random()
        self._session: aiohttp.ClientSession | None = None
        self._factory: SessionFactory | None = None
        if isinstance(session, aiohttp.ClientSession):
            self._session = session
        else:
            self._factory = session or aiohttp.ClientSession
        limits = adapter.rest_limits
        self._overall = None if limits.overall is None else \
            TokenBucket.for_limit(limits.overall, clock=clock, sleep=sleep)
        self._per_path = {key: TokenBucket.for_limit(e.limit, clock=clock, sleep=sleep)
                          for key, e in limits.endpoints.items() if e.limit is not None}

    async def aclose(self) -> None:
        """Close the session if this client made it."""
        if self._factory is not None and self._session is not None:
            await self._session.close()
            self._session = None

    async def __aenter__(self) -> RestClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    # --- public calls --------------------------------------------------------------

    async def get_json(self, path: str, *, weight: int | None = None) -> bytes:
        """GET `path` (with its query) and return the body of a successful answer.

        `weight` is what the call costs against the venue-wide budget; None takes the
        venue's documented weight for the path (1 if unlisted). Raises `RestError`.
        """
        return (await self._get(path, weight)).body

    async def server_time_offset(self) -> float:
        """Venue clock minus local wall clock, in ms, taken at the round trip's midpoint
        (the error is at most half the round trip). Signed requests need it: venues
        reject timestamps outside a window of a few seconds."""
        return (await self.server_time_sample()).offset_ms

    async def server_time_sample(self) -> ClockSample:
        """One reading of the venue's clock: the offset and the round trip it came with
        (`arbot.exchanges.venueclock` keeps the reading with the shortest)."""
        path = self.adapter.time_path
        reply = await self._get(path, None)
        try:
            server_ms = self.adapter.parse_server_time(reply.body)
        except ValueError as exc:
            raise self._unreadable(path, reply, exc) from exc
        return ClockSample(server_ms - (reply.sent_ms + reply.recv_ms) / 2,
                           reply.recv_ms - reply.sent_ms)

    async def fetch_instruments(self) -> list[Instrument]:
        """The venue's spot instruments with their tick and lot sizes; one whose rules
        cannot quantize an order is listed but not tradable (`instrumentrules`)."""
        path = self.adapter.instruments_path
        reply = await self._get(path, None)
        try:
            return [checked(i) for i in self.adapter.parse_instruments(reply.body)]
        except ValueError as exc:
            raise self._unreadable(path, reply, exc) from exc

    async def band_price(self, venue_id: str) -> float | None:
        """The price the venue measures a limit price's band from (its recent average;
        `Adapter.band_price_path`); None where the venue publishes none."""
        path = self.adapter.band_price_path(venue_id)
        if path is None:
            return None
        reply = await self._get(path, None)
        try:
            return self.adapter.parse_band_price(reply.body)
        except ValueError as exc:
            raise self._unreadable(path, reply, exc) from exc

    async def fetch_coins(self) -> list[CoinNetwork]:
        """Every coin's networks from a venue whose coin information is public (a signed
        one is read through `PrivateClient.coins`)."""
        path = self.adapter.coins_path
        reply = await self._get(path, None)
        try:
            return self.adapter.parse_coins(reply.body)
        except ValueError as exc:
            raise self._unreadable(path, reply, exc) from exc

    # --- the request loop ----------------------------------------------------------

    def _buckets(self, path: str, weight: int | None, method: str = "GET"
                 ) -> list[tuple[TokenBucket, int]]:
        """The buckets a call draws from: the venue-wide one by weight, the endpoint's
        own by count."""
        limits = self.adapter.rest_limits
        endpoint = limits.endpoint(path, method)
        out: list[tuple[TokenBucket, int]] = []
        if self._overall is not None:
            out.append((self._overall, endpoint.weight if weight is None else weight))
        own = self._per_path.get(limits.key(path, method))
        if own is not None:
            out.append((own, 1))
        return out

    def _all_buckets(self) -> list[TokenBucket]:
        """Every bucket of the venue, to hold all its traffic back after a ban."""
        own = list(self._per_path.values())
        return own if self._overall is None else [self._overall, *own]

    async def _get(self, path: str, weight: int | None) -> _Reply:
        buckets = self._buckets(path, weight)
        attempt = 0
        while True:
            attempt += 1
            for bucket, cost in buckets:
                await bucket.acquire(cost)
            try:
                return await self._attempt(path, attempt)
            except RestError as err:
                if not err.kind.retryable:
                    raise
                wait = err.retry_after_s
                if wait is None:
                    wait = self._backoff(attempt)
                if err.kind is RestErrorKind.RATE_LIMITED:  # also holds back other calls
                    until = self._clock() + wait
                    for bucket, _ in buckets:
                        bucket.pause_until(until)
                if attempt > self.timing.retries or wait > self.timing.max_wait_s:
                    raise
                log.info("%s; retry %d of %d in %.2f s", err, attempt, self.timing.retries, wait)
                await self._sleep(wait)

    def _backoff(self, attempt: int) -> float:
        """Full jitter: uniform in [0, min(cap, base * 2^(attempt-1))]."""
        t = self.timing
        return self._rng.uniform(0.0, min(t.backoff_cap_s, t.backoff_base_s * 2 ** (attempt - 1)))

    async def _attempt(self, path: str, attempt: int, *, method: str = "GET",
                       headers: dict[str, str] | None = None, body: bytes = b"",
                       shown_path: str | None = None, redact: tuple[str, ...] = ()
                       ) -> _Reply:
        """One HTTP exchange; raises `RestError` for anything but a successful answer.

        `path` (with its query) is sent exactly as given: a signed query must reach the
        venue byte for byte. Errors name `shown_path` (default `path`) and have every
        string in `redact` blanked out of their text.
        """
        if self._session is None:
            assert self._factory is not None
            self._session = self._factory()
        shown = path if shown_path is None else shown_path
        timeout = aiohttp.ClientTimeout(total=self.timing.timeout_s)
        url = URL(self.base_url + path, encoded=True)
        sent = self._wall_ms()

        def fail(kind: RestErrorKind, status: int | None, code: str, message: str,
                 retry_after_s: float | None = None) -> RestError:
            return RestError(kind, status, code, scrub(message, redact), self.venue, shown,
                             attempts=attempt, retry_after_s=retry_after_s, method=method)

        try:
            async with self._session.request(method, url, headers=headers,
                                             data=body or None, timeout=timeout) as resp:
                data = await resp.read()
                status = resp.status
                retry_after = retry_after_s(resp.headers.get("Retry-After"))
        except TimeoutError:
            raise fail(RestErrorKind.TIMEOUT, None, "",
                       f"no answer within {self.timing.timeout_s:g} s") from None
        # A signed request's cause is dropped: aiohttp's exceptions can quote the URL.
        except aiohttp.InvalidURL as exc:  # configuration, not the network: do not retry
            raise fail(RestErrorKind.OTHER, None, "", f"invalid URL {exc}"
                       ) from (None if redact else exc)
        except (aiohttp.ClientError, OSError) as exc:
            raise fail(RestErrorKind.NETWORK, None, "", str(exc) or type(exc).__name__
                       ) from (None if redact else exc)
        reply = _Reply(status, data, sent, self._wall_ms())
        problem = self.adapter.rest_error(status, data)
        if problem is None:
            return reply
        raise fail(problem.kind, status, problem.code, problem.message,
                   retry_after if retry_after is not None else problem.retry_after_s)

    def _unreadable(self, path: str, reply: _Reply, exc: ValueError) -> RestError:
        return RestError(RestErrorKind.INVALID_RESPONSE, reply.status, "", str(exc),
                         self.venue, path)


async def load_symbol_map(client: RestClient, adapter: Adapter, symbols: list[str]
                          ) -> tuple[SymbolMap, dict[str, Instrument], str | None]:
    """The start-up symbol map for the configured canonical `symbols` on one venue.

    From the venue's instruments when they can be fetched: ids as the venue lists them,
    tick and lot sizes in the returned instruments. Symbols the venue does not list, or
    lists but does not trade, are left out (no opportunity may rest on a book that cannot
    be traded) and named in the warning. When the instruments cannot be had, the map
    follows the venue's naming rule for the configured symbols, with no instruments and a
    warning saying so. Returns (map, instruments by symbol, warning or None).
    """
    venue = adapter.venue
    if client.venue is not venue:
        raise ValueError(f"a {client.venue} client cannot load {venue} symbols")
    try:
        instruments = await client.fetch_instruments()
    except RestError as err:
        return _fallback(adapter, symbols, f"{venue} instruments unavailable ({err})")
    if not instruments:
        return _fallback(adapter, symbols, f"{venue} instruments unavailable (it listed none)")
    listed = {i.symbol: i for i in instruments}
    found: dict[str, Instrument] = {}
    missing: list[str] = []
    halted: list[str] = []
    for symbol in dict.fromkeys(symbols):
        inst = listed.get(symbol)
        if inst is None:
            missing.append(symbol)
        elif not inst.trading:
            halted.append(f"{symbol} (status {inst.status})")
        else:
            found[symbol] = inst
    problems = []
    if missing:
        problems.append(f"{venue} does not list {', '.join(missing)}")
    if halted:
        problems.append(f"{venue} is not trading {', '.join(halted)}")
    return SymbolMap.from_instruments(venue, found.values()), found, "; ".join(problems) or None


def _fallback(adapter: Adapter, symbols: list[str], why: str
              ) -> tuple[SymbolMap, dict[str, Instrument], str]:
    smap = SymbolMap.from_symbols(adapter.venue, symbols, adapter.venue_id)
    return smap, {}, f"{why}; using configured symbols"


__all__ = ["RestClient", "RestError", "SessionFactory", "load_symbol_map"]
