"""One venue's signed (private) REST API for live trading: place, look up and cancel IOC
orders by client id, read balances and fee rates.

`PrivateClient` is a `RestClient` (same session, token buckets, transport, clock
offset); the adapter builds and signs each request (pure) and parses each answer, so
nothing here asks which venue it is. The rules a trader relies on:

* Every signed timestamp is the local wall clock plus the venue's measured clock offset
  (measured on first use, and again whenever the venue says the timestamp is off; that
  refusal happens before the venue acts, so the request is then signed afresh and sent
  once more, once).
* A rate-limit answer pauses the whole venue until the pause (Retry-After, the venue's
  documented penalty, or else one window of the limit that was hit) is over: every
  signed call (and `sync_clock`) fails fast with RATE_LIMITED without touching the
  network, and every token bucket holds, so public calls through the same client wait.
* An order is never sent twice: a POST that times out, breaks or meets a 5xx raises with
  that kind (`kind.outcome_unknown`), and the caller looks the order up by client id.
  Only GETs are retried, with the public client's backoff.
* Nothing secret reaches an exception's text or a log line: errors show the path
  without its signature, and the key, secret, passphrase and signature are blanked out
  of every message, including the venue's own (one echoes the signed string).
* Where accounts come in modes (`adapter.account_modes`: classic or unified),
  the mode is asked once before the first signed call and kept (`account_mode`); a
  request the venue refuses as meant for the other mode (refused before acting) is sent
  once more in the other mode, which is kept from then on; `mode_listeners` hear of
  every mode found or changed (the venue's private stream follows it).
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Callable
from typing import TypeVar

import aiohttp

from arbot.coininfo import CoinNetwork
from arbot.domain import Balance, FeeRates, OrderNotSent, OrderReport, OrderRequest
from arbot.exchanges.base import Adapter
from arbot.exchanges.orderwire import OrderRef
from arbot.exchanges.ratelimit import Clock, Sleep
from arbot.exchanges.rest import RestClient, SessionFactory, _wall_ms
from arbot.exchanges.restspec import RestError, RestErrorKind
from arbot.exchanges.resttiming import DEFAULT_REST_TIMING, RestTiming
from arbot.exchanges.signing import Credentials, SignedRequest, scrub

log = logging.getLogger("arbot.rest.private")

T = TypeVar("T")
Build = Callable[[int], SignedRequest]
Order = OrderRequest | OrderRef | tuple[str, str]

# Without Retry-After, a documented penalty or a limit window: hold back this long.
_FALLBACK_PAUSE_S = 1.0


class PrivateClient(RestClient):
    """One venue's signed REST API with one set of credentials.

    Arguments as for `RestClient`, plus the credentials. `paused_until` is in the
    injected clock's time (monotonic by default).
    """

    def __init__(self, adapter: Adapter, base_url: str | None, credentials: Credentials,
                 session: aiohttp.ClientSession | SessionFactory | None = None, *,
                 timing: RestTiming = DEFAULT_REST_TIMING, clock: Clock = time.monotonic,
                 sleep: Sleep = asyncio.sleep, wall_ms: Callable[[], float] = _wall_ms,
                 rng: random.Random | None = None) -> None:
        super().__init__(adapter, base_url, session, timing=timing, clock=clock, sleep=sleep,
                         wall_ms=wall_ms, rng=rng)
        self._creds = credentials
        self._mode: str | None = None
        self._trading = adapter  # the adapter for the account's mode (`for_mode`)
        self._offset_ms: float | None = None
        self._paused_until = float("-inf")
        self.mode_listeners: list[Callable[[str], None]] = []
        """Told the account's mode when it is found or changes (its private stream)."""

    def __repr__(self) -> str:
        return f"PrivateClient({self.venue}, {self.base_url}, {self._creds!r})"

    # --- state -----------------------------------------------------------------------

    @property
    def offset_ms(self) -> float | None:
        """Venue clock minus local wall clock in ms; None until first measured."""
        return self._offset_ms

    @property
    def account_mode(self) -> str | None:
        """The account's mode where the venue has modes (`adapter.account_modes`),
        once known; None before that and on venues with one kind of account."""
        return self._mode

    @property
    def paused_until(self) -> float:
        """Clock time before which every call fails fast (-inf when not paused)."""
        return self._paused_until

    @property
    def paused(self) -> bool:
        return self._clock() < self._paused_until

    def timestamp_ms(self) -> int:
        """The venue's clock now, by our wall clock and the last measured offset."""
        return round(self._wall_ms() + (self._offset_ms or 0.0))

    # --- calls -----------------------------------------------------------------------

    async def sync_clock(self) -> float:
        """Measure the venue's clock offset (ms) from its time endpoint and keep it."""
        self._check_pause("GET", self.adapter.time_path)
        self._offset_ms = await self.server_time_offset()
        log.info("%s clock offset %+.0f ms", self.venue, self._offset_ms)
        return self._offset_ms

    async def detect_account_mode(self) -> str | None:
        """Ask the venue which mode the account is in and keep it (None where the venue
        has no modes). A mode the venue is still moving into (an upgrade in progress)
        raises ACCOUNT_MODE: nothing can be traded until it is done."""
        modes = self.adapter.account_modes
        if modes is None:
            return None
        try:
            found = await self._call(lambda ts: modes.sign_probe(self._creds, ts),
                                     modes.parse_probe, modal=False)
        except RestError as err:
            if err.kind is not RestErrorKind.ACCOUNT_MODE:
                raise
            found = modes.refused_means
        if found not in modes.modes:
            path = modes.sign_probe(self._creds, 0).redacted_path
            raise RestError(RestErrorKind.ACCOUNT_MODE, None, "",
                            f"the account is {found}; trading waits until that is done",
                            self.venue, path)
        self._set_mode(found)
        return found

    def _set_mode(self, mode: str) -> None:
        changed = mode != self._mode
        self._mode = mode
        self._trading = self.adapter.for_mode(mode)
        log.info("%s account mode: %s", self.venue, mode)
        if changed:
            for listener in self.mode_listeners:
                listener(mode)

    async def place(self, order: OrderRequest, check: Callable[[], str] | None = None
                    ) -> OrderReport:
        """Send one IOC limit order. Never retried: on a RestError whose
        `kind.outcome_unknown`, look the order up with `order_status(order)`. `check` is
        asked after the last wait (clock sync, rate-limit bucket), right before the bytes
        leave; a reason from it raises OrderNotSent and nothing is sent."""
        ref = OrderRef.of(order)
        return await self._call(lambda ts: self._trading.sign_place(self._creds, order, ts),
                                lambda body: self._trading.parse_place(body, ref),
                                check=check)

    async def order_status(self, order: Order) -> OrderReport:
        """The order's state by client id; pass the OrderRequest where there is one (some
        venues need its symbol to name the fee's asset). Where the venue keeps finished
        orders apart (`sign_status_history`), an order the live lookup does not know is
        looked for there before NO_SUCH_ORDER is raised."""
        ref = OrderRef.of(order)
        missing = f"no order with client id {ref.client_id}"
        try:
            return await self._call(lambda ts: self._trading.sign_status(self._creds, ref, ts),
                                    lambda body: self._trading.parse_status(body, ref),
                                    missing=missing)
        except RestError as err:
            if err.kind is not RestErrorKind.NO_SUCH_ORDER or \
                    self._trading.sign_status_history(self._creds, ref, 0) is None:
                raise
            log.info("%s; looking in the order history", err)
        return await self._call(
            lambda ts: self._history(ref, ts), lambda body: self._trading.parse_status(body, ref),
            missing=f"{missing}, live or in the order history")

    def _history(self, ref: OrderRef, ts_ms: int) -> SignedRequest:
        req = self._trading.sign_status_history(self._creds, ref, ts_ms)
        assert req is not None  # order_status asked first
        return req

    async def cancel(self, order: Order) -> OrderReport:
        """Cancel by client id. Most venues only acknowledge (status NEW);
        the order's final state comes from `order_status`."""
        ref = OrderRef.of(order)
        return await self._call(lambda ts: self._trading.sign_cancel(self._creds, ref, ts),
                                lambda body: self._trading.parse_cancel(body, ref))

    async def balances(self) -> dict[str, Balance]:
        """The spot account's balances by asset."""
        return await self._call(lambda ts: self._trading.sign_balances(self._creds, ts),
                                lambda body: self._trading.parse_balances(body))

    async def fee_rates(self, venue_symbol: str) -> FeeRates:
        """The account's maker/taker rates for one symbol, as fractions charged."""
        return await self._call(
            lambda ts: self._trading.sign_fee_rates(self._creds, venue_symbol, ts),
            lambda body: self._trading.parse_fee_rates(body, venue_symbol))

    async def coins(self) -> list[CoinNetwork]:
        """Every coin's networks (withdrawal fees, open networks, contracts), from the
        venue's signed coin-information endpoint."""
        return await self._call(lambda ts: self.adapter.sign_coins(self._creds, ts),
                                self.adapter.parse_coins)

    # --- the signed request loop -------------------------------------------------------

    async def _call(self, build: Build, parse: Callable[[bytes], T | None], *,
                    missing: str = "nothing in the answer",
                    check: Callable[[], str] | None = None, modal: bool = True) -> T:
        """Send a signed request under the rules above and parse its answer; a parser's
        None (the venue lists no such order) raises NO_SUCH_ORDER with `missing`.
        `modal`: the request depends on the account's mode (all but the mode probe)."""
        if self._offset_ms is None:
            await self.sync_clock()
        modes = self.adapter.account_modes if modal else None
        if modes is not None and self._mode is None:
            await self.detect_account_mode()
        redact = self._creds.redactions()
        resynced = switched = False
        attempt = 0
        while True:
            attempt += 1
            probe = build(0)  # method and path (they follow the mode); signed when sent
            method = probe.method
            buckets = self._buckets(probe.path, None, method)
            self._check_pause(method, probe.path)
            for bucket, cost in buckets:
                await bucket.acquire(cost)
            why = check() if check is not None else ""
            if why:  # no await between this check and the send
                raise OrderNotSent(why)
            req = build(self.timestamp_ms())
            sent_in = self._mode  # the mode `req` was built for
            secrets = redact + req.redactions()
            shown = req.redacted_path
            log.debug("%s %s %s", self.venue, method, shown)
            try:
                reply = await self._attempt(req.path, attempt, method=method,
                                            headers=req.headers, body=req.body,
                                            shown_path=shown, redact=secrets)
            except RestError as err:
                if err.kind is RestErrorKind.TIMESTAMP and not resynced:
                    resynced = True  # refused before acting: safe to sign again and resend
                    log.info("%s; resyncing the clock and sending once more", err)
                    await self.sync_clock()
                    continue
                if err.kind is RestErrorKind.ACCOUNT_MODE and modes is not None and \
                        sent_in is not None and not switched:
                    switched = True  # refused before acting, as meant for the other mode
                    log.warning("%s; switching the account mode and sending once more", err)
                    if self._mode == sent_in:  # not already switched by a request alongside
                        self._set_mode(modes.other(sent_in))
                    continue
                if err.kind is RestErrorKind.RATE_LIMITED:
                    self._pause(err)
                    raise
                if method != "GET" or not err.kind.retryable or \
                        attempt > self.timing.retries:
                    raise
                wait = self._backoff(attempt)
                log.info("%s; retry %d of %d in %.2f s", err, attempt, self.timing.retries,
                         wait)
                await self._sleep(wait)
                continue
            try:
                result = parse(reply.body)
            except ValueError as exc:
                raise RestError(RestErrorKind.INVALID_RESPONSE, reply.status, "",
                                scrub(str(exc), secrets), self.venue, shown,
                                attempts=attempt, method=method) from None
            if result is None:
                raise RestError(RestErrorKind.NO_SUCH_ORDER, reply.status, "", missing,
                                self.venue, shown, attempts=attempt, method=method)
            return result

    def _check_pause(self, method: str, path: str) -> None:
        """Fail fast, without touching the network, while the venue is paused."""
        left = self._paused_until - self._clock()
        if left > 0:
            raise RestError(RestErrorKind.RATE_LIMITED, None, "",
                            f"venue paused after a rate limit, {left:.3g} s left",
                            self.venue, path.partition("?")[0], retry_after_s=left,
                            method=method)

    def _pause(self, err: RestError) -> None:
        """Hold the whole venue back after a rate-limit answer: Retry-After or the
        documented penalty when given, else one window of the limit the call counts
        against."""
        wait = err.retry_after_s
        if wait is None:
            wait = self.adapter.rest_limits.window_s(err.path, err.method) or _FALLBACK_PAUSE_S
        until = self._clock() + wait
        if until > self._paused_until:
            self._paused_until = until
        for bucket in self._all_buckets():
            bucket.pause_until(until)
        log.warning("%s; %s paused for %.3g s", err, self.venue, wait)


__all__ = ["Credentials", "PrivateClient"]
