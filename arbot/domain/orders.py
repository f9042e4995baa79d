"""Orders as they leave the process and as venues report them, and the account figures
(balances, fee rates) they are sized and charged by."""

from __future__ import annotations

import enum

import msgspec

from arbot.domain.venue import Venue


class Side(enum.StrEnum):
    BUY = "buy"
    SELL = "sell"


class OrderStatus(enum.StrEnum):
    """An order's state in ArBot's words; each venue's own names map onto these.

    UNKNOWN is what a timeout or a 5xx leaves behind: the order may or may not exist, so
    it must be looked up by client id before anything else is decided.
    """

    NEW = "new"
    PARTIALLY_FILLED = "partially_filled"
    FILLED = "filled"
    CANCELED = "canceled"
    REJECTED = "rejected"
    EXPIRED = "expired"
    UNKNOWN = "unknown"

    @property
    def final(self) -> bool:
        """Nothing more will fill: filled, canceled, rejected or expired."""
        return self in _FINAL


_FINAL = frozenset((OrderStatus.FILLED, OrderStatus.CANCELED, OrderStatus.REJECTED,
                    OrderStatus.EXPIRED))


class OrderRequest(msgspec.Struct, frozen=True, kw_only=True):
    """One IOC limit order as it leaves the process.

    `price` and `qty` are decimal text already quantized to the venue's tick and lot
    (floats never reach an order). `client_id` is at most 32 ASCII letters and digits,
    which every venue accepts (OKX is the strictest), and is the key under which the
    order is recorded before it is sent and looked up after a lost answer.
    """

    client_id: str
    venue: Venue
    symbol: str
    venue_symbol: str
    side: Side
    price: str
    qty: str


class OrderReport(msgspec.Struct, frozen=True, kw_only=True):
    """What a venue (or the paper executor) says about one order.

    `filled_qty` is in base currency, `avg_price` 0.0 when nothing filled, `fee` the
    total charged in `fee_asset` ("" when none). `error` is the venue's reason for a
    rejection, in its own words with its code.
    """

    client_id: str
    venue_order_id: str
    status: OrderStatus
    filled_qty: float = 0.0
    avg_price: float = 0.0
    fee: float = 0.0
    fee_asset: str = ""
    error: str = ""


class Balance(msgspec.Struct, frozen=True, kw_only=True):
    """One asset on one venue: what can be used now and what orders hold."""

    asset: str
    free: float
    locked: float = 0.0


class FeeRates(msgspec.Struct, frozen=True, kw_only=True):
    """Account fee rates as fractions charged (0.001 = 10 bps); a rebate is negative."""

    maker: float
    taker: float


class OrderNotSent(Exception):
    """ArBot's own last check, made right before an order would leave, refused it
    (trading halted, paused or disarmed while the order waited): nothing reached the
    venue, so the order is final as rejected."""
