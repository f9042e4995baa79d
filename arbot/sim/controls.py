"""The test and demo controls of the private REST side, mixed into `SimServer`.

Like `set_faults` and `set_rest_fault` for the market side, these change the running
simulator: refuse or cut short the next orders, move a balance behind the trader's back
(also `POST /sim/balance`, from another process), move the venues' clock, force the rate
limit, and read an account back for assertions.
"""

from __future__ import annotations

from decimal import Decimal

from aiohttp import web

from arbot.domain import Venue
from arbot.sim.account import AccountView
from arbot.sim.config import Credentials
from arbot.sim.desk import TradingDesk
from arbot.sim.limits import SkewedClock


class AccountControls:
    """Needs `desk` and `clock`, which `SimServer` sets up."""

    desk: TradingDesk
    clock: SkewedClock

    def account(self, venue: Venue) -> AccountView:
        """A read-only copy of the venue's demo account (balances, orders)."""
        return self.desk.accounts[venue].view()

    def credentials(self, venue: Venue) -> Credentials:
        """The key the venue accepts (the config's, by default `DEMO_CREDENTIALS`)."""
        return self.desk.credentials[venue]

    def set_balance(self, venue: Venue, asset: str, free: Decimal | str) -> None:
        """Move the venue's free balance of `asset` to `free`, as a user trading by hand
        or a deposit would: what ArBot's ledger expects no longer holds."""
        amount = Decimal(free)
        if not amount.is_finite() or amount < 0:
            raise ValueError(f"balance {free} is not a finite amount >= 0")
        self.desk.accounts[venue].set_free(asset, amount)

    async def balance_handler(self, request: web.Request) -> web.Response:
        """`POST /sim/balance` {"venue", "asset", "free"}: `set_balance` from another
        process (a test, a rehearsal of a manual trade)."""
        try:
            body = await request.json()
            venue, asset, free = Venue(body["venue"]), str(body["asset"]), str(body["free"])
            self.set_balance(venue, asset, free)
        except (ValueError, KeyError, TypeError, ArithmeticError) as exc:
            return web.json_response({"error": f"bad balance request: {exc!r}"}, status=400)
        return web.json_response({"venue": venue.value, "asset": asset, "free": free})

    def reject_orders(self, venue: Venue, code: int | str, msg: str, *, count: int = 1,
                      status: int | None = None) -> None:
        """Refuse the next `count` orders with this venue error code and message (HTTP
        `status` where the venue answers errors with one; default the venue's usual)."""
        self.desk.reject_orders(venue, code, msg, count, status)

    def account_mode(self, venue: Venue) -> str:
        """The demo account's mode on `venue` ("" where the venue has none)."""
        return self.desk.apis[venue].account_mode

    def set_account_mode(self, venue: Venue, mode: str) -> None:
        """Move the demo account to another mode (as an upgrade to a unified account
        does): from now on the other mode's endpoints are refused."""
        self.desk.set_account_mode(venue, mode)

    def restart_service(self, venue: Venue) -> None:
        """The venue's own service restarts: orders finished so far leave its live order
        lookups where its docs say so (then only the venue's order history has them)."""
        self.desk.restart(venue)

    def cap_fills(self, venue: Venue, fraction: float, *, count: int = 1) -> None:
        """The next `count` orders fill at most `fraction` (0..1) of what they would."""
        self.desk.cap_fills(venue, fraction, count)

    @property
    def clock_skew_ms(self) -> int:
        return self.clock.skew_ms

    def set_clock_skew(self, skew_ms: int) -> None:
        """Move every venue's clock (time endpoints, pushes, signature windows)."""
        self.clock.skew_ms = skew_ms

    def set_rate_limit(self, venue: Venue, requests: int, window_s: float) -> None:
        self.desk.set_rate_limit(venue, requests, window_s)

    def force_rate_limit(self, venue: Venue, times: int | None = 1) -> None:
        """Answer the next `times` private requests (None: all, until cleared) with the
        venue's rate-limit response."""
        self.desk.limiters[venue].force(times)

    def clear_rate_limit(self, venue: Venue) -> None:
        self.desk.limiters[venue].clear()
