"""Comparing the trades a live paper run journaled with the trades its replay made.

A live paper trade runs on its modelled clock (`arbot.trading.papertape`): its legs leave
at the hand-over (the receive time of the quote that passed the episode) and fill at that
plus their venue's latency against the books as they were then, its follow-ups leave when
the later report came back, and the journal records those times. The replay does the same
on the recorded receive times. So, however busy the machine that ran the paper run, the
trades of each episode must be identical: the same orders with the same prices,
quantities, statuses and fills, journaled at the same times, and the same outcome and PnL
(to 1e-9).

One difference is allowed, where the recording shows why: the replay traded an episode the
live run refused because its trade of the same symbol was still in flight there (modelled,
that trade had ended, but the busy loop booked it only later: its `ts_close_ns`, the wall
clock's moment the symbol was free again, is after the replayed trade's hand-over). After
it the runs' cool-downs and accounts part, so the comparison stops there.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

Row = tuple[Any, ...]
COLUMNS = ("episode_id, status, leg_outcome, realized_profit, buy_qty, sell_qty, buy_avg,"
           " sell_avg, fees, trade_id, symbol, ts_open_ns, ts_close_ns")
ORDERS = ("substr(client_order_id, length(trade_id) + 1), purpose, venue, side, qty, price,"
          " status, filled_qty, avg_price, fee, ts_created_ns, ts_updated_ns")


@dataclass(frozen=True)
class Parity:
    compared: list[Row]  # live trades the replay made identically
    parted: str  # where the runs parted, explained ("" when they never did)


def trades(db: Path) -> list[Row]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(f"SELECT {COLUMNS} FROM trades ORDER BY ts_open_ns").fetchall()
    finally:
        conn.close()


def _orders(db: Path, trade_id: object) -> list[Row]:
    """A trade's orders by their purpose tag (b, s, u0...), times included."""
    conn = sqlite3.connect(db)
    try:
        return conn.execute(f"SELECT {ORDERS} FROM orders WHERE trade_id = ? ORDER BY 1",
                            (trade_id,)).fetchall()
    finally:
        conn.close()


def _close(a: Row, b: Row) -> bool:
    return len(a) == len(b) and all(
        x == y if not isinstance(x, float) else x == pytest.approx(y, abs=1e-9)
        for x, y in zip(a, b, strict=True))


def _differs(recording: Path, replay: Path, live: Row,
             bt: Row) -> str:
    """How the replayed trade differs from the live one ("" when it does not)."""
    if not _close(live[:9] + live[11:12], bt[:9] + bt[11:12]):
        return f"trade {live[:12]} replayed as {bt[:12]}"
    live_orders, bt_orders = _orders(recording, live[9]), _orders(replay, bt[9])
    if len(live_orders) != len(bt_orders) or not all(
            _close(a, b) for a, b in zip(live_orders, bt_orders, strict=False)):
        return f"the orders of {live[0]}: live {live_orders}, replayed {bt_orders}"
    return ""


def _still_booked(live: list[Row], bt: Row) -> str:
    """Why the live run refused the episode the replay traded, if the recording shows a
    trade of its symbol that live booked only after the replayed trade's hand-over."""
    for t in live:
        if t[10] == bt[10] and t[11] < bt[11] < t[12]:
            return (f"{bt[0]}: traded by the replay, refused live while its {t[10]} trade "
                    f"{t[9]} was in flight (booked {(t[12] - bt[11]) / 1e6:.3f} ms after "
                    "the hand-over)")
    return ""


def _trade_legs(db: Path) -> list[tuple[str, str, int]]:
    """(trade, venue, report time - send time) of every opening leg."""
    conn = sqlite3.connect(db)
    try:
        return conn.execute("SELECT trade_id, venue, ts_updated_ns - ts_created_ns FROM orders"
                            " WHERE purpose IN ('buy', 'sell')").fetchall()
    finally:
        conn.close()


def compare(recording: Path, replay: Path, latency_ns: Callable[[str], int]) -> Parity:
    """Assert the replay made the live trades, up to a difference the recording explains.
    Both replayed opening legs were reported exactly the slower venue's latency after they
    were sent (so were the live ones, their times being equal)."""
    legs: dict[str, list[tuple[str, int]]] = {}
    for trade_id, venue, delay in _trade_legs(replay):
        legs.setdefault(trade_id, []).append((venue, delay))
    for trade_id, pair in legs.items():
        slower = max(latency_ns(v) for v, _ in pair)
        assert [d for _, d in pair] == [slower, slower], (trade_id, pair)
    live, bt = trades(recording), trades(replay)
    live_by, bt_by = {t[0]: t for t in live}, {t[0]: t for t in bt}
    compared: list[Row] = []
    for episode in sorted(live_by.keys() | bt_by.keys(),
                          key=lambda e: (live_by.get(e) or bt_by[e])[11]):
        t, r = live_by.get(episode), bt_by.get(episode)
        if t is not None and r is not None:
            why = _differs(recording, replay, t, r)
            assert not why, why
            compared.append(t)
            continue
        assert r is not None, f"the replay did not trade {t}"
        why = _still_booked(live, r)
        assert why, f"the replay traded {r}, which the live run did not"
        return Parity(compared, why)
    return Parity(compared, "")
