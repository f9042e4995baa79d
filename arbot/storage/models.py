"""Read models: the episode, trade and order rows as the read side hands them out.

Each is decoded once, where it is read, and checked against the schema's types, so the
export, the API and the UI read named fields instead of unpacking 20-column tuples, and a
row some other program wrote in the wrong type is one clear error instead of a wrong
number on screen. A record's field order is its SELECT list (`columns`), so the columns
are named in one place. Statuses, leg outcomes and purposes stay text: history is shown as
it was recorded, whichever version of ArBot recorded it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TypeVar

import msgspec

from arbot.storage.errors import DatabaseError
from arbot.tradekinds import TradingMode


class EpisodeRecord(msgspec.Struct, frozen=True, array_like=True):
    """An `opportunities` row: figures at open, peak figures once closed."""

    episode_id: str
    symbol: str
    buy_venue: str
    sell_venue: str
    opened_ns: int
    closed_ns: int | None  # None while the episode is open
    net_bps_open: float
    net_bps_peak: float
    size_peak: float
    profit_peak: float
    buy_ask: float  # the quotes at open
    sell_bid: float
    buy_ask_size: float | None  # None in rows from before these were recorded
    sell_bid_size: float | None
    buy_fee_bps: float | None
    sell_fee_bps: float | None
    buy_quote_ns: int | None
    sell_quote_ns: int | None
    verdict: str | None
    close_reason: str | None
    # The walked figures at the peak (at open while the episode is open); None in rows
    # recorded before migration 7 (arbot.storage.rows.WALK_COLUMNS).
    walk_size_peak: float | None = None
    walk_profit_peak: float | None = None
    walk_net_bps_peak: float | None = None
    buy_vwap_peak: float | None = None
    sell_vwap_peak: float | None = None
    buy_worst_peak: float | None = None
    sell_worst_peak: float | None = None
    buy_levels_peak: int | None = None
    sell_levels_peak: int | None = None
    # The amortized transfer cost in bps (migration 10); None in older rows.
    transfer_bps: float | None = None

    @property
    def net_bps_after_transfers(self) -> float | None:
        """The peak (open, while open) net after fees and the transfer cost."""
        if self.transfer_bps is None:
            return None
        net = self.net_bps_open if self.closed_ns is None else self.net_bps_peak
        return net - self.transfer_bps


class TradeRecord(msgspec.Struct, frozen=True, array_like=True):
    """A `trades` row; the outcome columns are None while the trade is open."""

    trade_id: str
    ts_open_ns: int
    ts_close_ns: int | None
    mode: TradingMode
    symbol: str
    buy_venue: str
    sell_venue: str
    qty: float
    buy_qty: float | None
    sell_qty: float | None
    buy_avg: float | None
    sell_avg: float | None
    buy_price: float | None  # the prices the trade was decided at
    sell_price: float | None
    fees: float | None  # quote currency
    expected_profit: float | None
    realized_profit: float | None
    status: str
    leg_outcome: str | None
    detail: str | None


class OrderRecord(msgspec.Struct, frozen=True, array_like=True):
    """An `orders` row with its last recorded report."""

    trade_id: str
    purpose: str | None  # None in rows from before purposes were recorded
    venue: str
    side: str
    qty: float
    price: float | None
    filled_qty: float
    avg_price: float | None
    fee: float | None
    fee_asset: str | None
    status: str
    error: str | None


R = TypeVar("R", bound=msgspec.Struct)


def columns(record: type[msgspec.Struct]) -> tuple[str, ...]:
    """The table columns a record is read from, in its field order."""
    return record.__struct_fields__


def decode(record: type[R], table: str, row_id: object, values: Sequence[object]) -> R:
    """`values` (in `columns(record)` order) as a record; a value of the wrong type raises
    a `DatabaseError` naming the table, the row and the column."""
    try:
        return msgspec.convert(values, record)
    except msgspec.ValidationError as exc:
        names = columns(record)
        where = re.sub(r"`\$\[(\d+)\]`", lambda m: names[int(m.group(1))], str(exc))
        raise DatabaseError(f"row {row_id} of {table} cannot be read: {where}; the database "
                            "was changed by another program or is damaged", kind="corrupt"
                            ) from exc
