"""The shape of a venue's signed REST module (`arbot.venues.<venue>.rest`): what the
adapter hands live trading. Every request is built and signed there, pure, and sent as
is; `ts_ms` is the venue's clock in ms (local wall clock plus the measured offset, worked
out by the caller). Parsers raise ValueError on an unreadable answer."""

from __future__ import annotations

from typing import Protocol

from arbot.domain import Balance, FeeRates, OrderReport, OrderRequest
from arbot.exchanges.orderwire import OrderRef
from arbot.exchanges.restspec import ErrorTable, RestLimits
from arbot.exchanges.signing import Credentials, SignedRequest


class SignedRest(Protocol):
    """A venue's signed REST requests and their answers, as a module provides them."""

    ORDER_WINDOW_MS: int
    """How long after its timestamp the venue still accepts a signed request: once that
    has passed, an order the last run signed can no longer reach the venue."""
    LIMITS: RestLimits
    """What the venue's REST requests cost, overall and per endpoint."""
    ERRORS: ErrorTable
    """How the venue reports REST errors."""

    def sign_place(self, creds: Credentials, order: OrderRequest, ts_ms: int
                   ) -> SignedRequest:
        """An immediate-or-cancel limit order keyed by `order.client_id`."""

    def sign_status(self, creds: Credentials, ref: OrderRef, ts_ms: int) -> SignedRequest:
        """The order's state, looked up by client id."""

    def sign_cancel(self, creds: Credentials, ref: OrderRef, ts_ms: int) -> SignedRequest:
        """Cancel the order by client id."""

    def sign_balances(self, creds: Credentials, ts_ms: int) -> SignedRequest:
        """The spot account's balances."""

    def sign_fee_rates(self, creds: Credentials, venue_symbol: str, ts_ms: int
                       ) -> SignedRequest:
        """The account's maker/taker rates for one symbol."""

    def parse_place(self, body: bytes, ref: OrderRef) -> OrderReport:
        """The answer to `sign_place` (the fills, or only an acknowledgement)."""

    def parse_status(self, body: bytes, ref: OrderRef) -> OrderReport | None:
        """The answer to `sign_status`; None when the venue lists no such order."""

    def parse_cancel(self, body: bytes, ref: OrderRef) -> OrderReport:
        """The answer to `sign_cancel`."""

    def parse_balances(self, body: bytes) -> dict[str, Balance]:
        """Balances by asset (upper case) from the answer to `sign_balances`."""

    def parse_fee_rates(self, body: bytes, venue_symbol: str) -> FeeRates:
        """Fractions charged (a rebate negative) from the answer to `sign_fee_rates`."""
