"""What an account trades in: sides, time in force, order states, refusals, balances,
fills and the remembered order, all immutable so a test can hold them safely.

The names are the simulator's own; each venue's `sim_private` module maps them to the
venue's words (`EXPIRED`, `PartiallyFilledCanceled`, `canceled`, ...).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum, StrEnum

from arbot.sim.instruments import SymbolSpec

ZERO = Decimal(0)


class Side(StrEnum):
    BUY = "buy"
    SELL = "sell"


class Tif(StrEnum):
    GTC = "GTC"
    IOC = "IOC"
    FOK = "FOK"


class State(StrEnum):
    NEW = "new"
    PARTIALLY_FILLED = "partially_filled"
    FILLED = "filled"
    CANCELED = "canceled"
    """Cancelled by the client (possibly after partial fills)."""
    EXPIRED = "expired"
    """IOC/FOK remainder dropped by the matching engine (possibly after partial fills)."""


class Reject(Enum):
    """Why an order was refused before it reached the book."""

    PRICE_TICK = "price is not a multiple of the tick size"
    LOT_SIZE = "quantity is not a multiple of the lot size"
    MIN_QTY = "quantity below the minimum"
    MIN_NOTIONAL = "order value below the minimum"
    DUPLICATE = "client order id already used"
    INSUFFICIENT = "insufficient balance"


class CancelError(Enum):
    NOT_FOUND = "no such order"
    FINISHED = "order already finished"


@dataclass(frozen=True)
class Forced:
    """A venue error a test asked the next order(s) to get, in the venue's own terms."""

    code: int | str
    msg: str
    status: int | None = None


@dataclass(frozen=True)
class Top:
    """Top of book as Decimals."""

    bid: Decimal
    bid_qty: Decimal
    ask: Decimal
    ask_qty: Decimal


@dataclass(frozen=True)
class Balance:
    free: Decimal
    locked: Decimal = ZERO

    @property
    def total(self) -> Decimal:
        return self.free + self.locked


@dataclass(frozen=True)
class Fill:
    price: Decimal
    qty: Decimal
    fee: Decimal
    trade_id: int


@dataclass(frozen=True)
class SimOrder:
    """An order as the account remembers it; replaced, never mutated."""

    order_id: int
    client_id: str
    spec: SymbolSpec
    side: Side
    tif: Tif
    price: Decimal
    qty: Decimal
    created_ms: int
    updated_ms: int
    fee_asset: str
    filled: Decimal = ZERO
    quote: Decimal = ZERO
    """Cumulative quote amount of the fills."""
    fee: Decimal = ZERO
    state: State = State.NEW
    fills: tuple[Fill, ...] = ()

    @property
    def symbol(self) -> str:
        return self.spec.symbol

    @property
    def remaining(self) -> Decimal:
        return self.qty - self.filled

    @property
    def avg_price(self) -> Decimal | None:
        return self.quote / self.filled if self.filled else None

    @property
    def is_open(self) -> bool:
        return self.state in (State.NEW, State.PARTIALLY_FILLED)


@dataclass(frozen=True)
class AccountView:
    """A read-only copy of an account for assertions."""

    balances: Mapping[str, Balance]
    orders: tuple[SimOrder, ...]

    def order(self, client_id: str) -> SimOrder | None:
        """The latest order with this client id."""
        return next((o for o in reversed(self.orders) if o.client_id == client_id), None)
