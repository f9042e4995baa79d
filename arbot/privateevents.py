"""What a venue's private stream tells ArBot, in venue-neutral words.

Each venue's `private` module turns its own pushes into these; the private feed
(`arbot.exchanges.privatefeed`) hands them to whoever trades (`PrivateSink`). An order
update carries the order's cumulative state (filled quantity, average price, fees so
far), so the latest update of an order is all a trader needs to know; a `Fill` is one
execution, for whoever wants each one; a `BalanceUpdate` lists the assets whose balance
the venue says changed (all of them when `snapshot`).
"""

from __future__ import annotations

import enum
from typing import Protocol

import msgspec

from arbot.domain import Balance, OrderReport, OrderStatus, Side, Venue


class OrderUpdate(msgspec.Struct, frozen=True, kw_only=True):
    """One order's state as the venue pushed it (cumulative, not per fill)."""

    venue: Venue
    client_id: str
    venue_order_id: str
    venue_symbol: str
    status: OrderStatus
    filled_qty: float = 0.0
    avg_price: float = 0.0
    fee: float = 0.0  # cumulative, a positive charge
    fee_asset: str = ""
    ts_exchange_ms: int | None = None
    ts_recv_ns: int = 0

    def report(self) -> OrderReport:
        """The update as the report a REST lookup would have given."""
        return OrderReport(client_id=self.client_id, venue_order_id=self.venue_order_id,
                           status=self.status, filled_qty=self.filled_qty,
                           avg_price=self.avg_price, fee=self.fee, fee_asset=self.fee_asset)


class Fill(msgspec.Struct, frozen=True, kw_only=True):
    """One execution of an order. `client_id` is "" where the venue's fill push does not
    name it (the order update that follows does)."""

    venue: Venue
    client_id: str
    venue_order_id: str
    venue_symbol: str
    trade_id: str
    side: Side | None
    price: float
    qty: float
    fee: float = 0.0  # a positive charge
    fee_asset: str = ""
    ts_exchange_ms: int | None = None
    ts_recv_ns: int = 0


class BalanceUpdate(msgspec.Struct, frozen=True, kw_only=True):
    """Balances the venue pushed: the changed assets, or every asset when `snapshot`."""

    venue: Venue
    balances: dict[str, Balance]
    snapshot: bool = False
    ts_exchange_ms: int | None = None
    ts_recv_ns: int = 0


PrivateEvent = OrderUpdate | Fill | BalanceUpdate


class StreamState(enum.StrEnum):
    CONNECTING = "connecting"
    LOGGING_IN = "logging_in"
    LIVE = "live"  # logged in and subscribed: pushes are arriving as they happen
    RECONNECTING = "reconnecting"
    REFUSED = "refused"  # the venue refused the keys: trading on it is paused


class StreamStatus(msgspec.Struct, frozen=True, kw_only=True):
    """The private stream's state. `epoch` counts the sockets that went live: an order
    sent under one epoch and still open under another may have had its pushes lost in
    between, so it is looked up by REST."""

    venue: Venue
    state: StreamState
    epoch: int
    reconnects: int = 0
    last_error: str | None = None
    refused: str = ""  # the one clear message while the venue refuses the keys
    ts_ns: int = 0
    account_mode: str = ""  # where the venue has modes: the account's (classic, unified)


class PrivateSink(Protocol):
    """Whoever trades: every private event and every change of the stream's state."""

    def on_private(self, event: PrivateEvent) -> None: ...

    def on_stream_status(self, status: StreamStatus) -> None: ...


__all__ = ["BalanceUpdate", "Fill", "OrderUpdate", "PrivateEvent", "PrivateSink",
           "StreamState", "StreamStatus"]
