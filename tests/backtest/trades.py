"""Comparing the trades a live paper run journaled with the trades its replay made.

Trades are matched by episode. Live, an order fills once the executor's sleep of
`latency_ms` has ended, which the event loop may overshoot; the replay fills at exactly
the latency. So a trade may differ only where the recording shows why: a quote for one of
its opening legs' books received after the replay's fill time and before the live order's
report was journaled (the live fill saw it, the modelled one could not). After such a trade
the two runs' accounts and timings part, so the comparison stops there.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

COLUMNS = ("episode_id, status, leg_outcome, realized_profit, buy_qty, sell_qty, buy_avg,"
           " sell_avg, fees, trade_id")


@dataclass(frozen=True)
class Parity:
    compared: list[tuple[object, ...]]  # live trades the replay made identically
    late_fill: str  # the first difference, explained ("" when none)


def trades(db: Path) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(f"SELECT {COLUMNS} FROM trades ORDER BY ts_open_ns").fetchall()
    finally:
        conn.close()


def _legs(db: Path, trade_id: object) -> dict[str, tuple[str, str, int, int]]:
    """An opening leg's venue, symbol, when it was sent and when its report was journaled
    (after both legs' reports: the trader journals them together)."""
    conn = sqlite3.connect(db)
    try:
        rows = conn.execute("SELECT purpose, venue, symbol, ts_created_ns, ts_updated_ns "
                            "FROM orders WHERE trade_id = ? AND purpose IN ('buy', 'sell')",
                            (trade_id,)).fetchall()
    finally:
        conn.close()
    return {p: (v, s, c, u) for p, v, s, c, u in rows}


def _quotes_between(db: Path, venue: str, symbol: str, after: int, until: int) -> int:
    conn = sqlite3.connect(db)
    try:
        (n,) = conn.execute("SELECT count(*) FROM quotes WHERE venue = ? AND symbol = ? AND "
                            "ts_recv_ns > ? AND ts_recv_ns <= ?",
                            (venue, symbol, after, until)).fetchone()
    finally:
        conn.close()
    return int(n)


def _same(a: tuple[object, ...], b: tuple[object, ...]) -> bool:
    if a[:3] != b[:3]:
        return False
    return all(x == pytest.approx(y, abs=1e-9) for x, y in zip(a[3:9], b[3:9], strict=True))


def _late_fill(recording: Path, replay: Path, live: tuple[object, ...],
               bt: tuple[object, ...] | None, latency_ns: Callable[[str], int]) -> str:
    """Why the live trade differs, or "" when the recording cannot explain it."""
    if bt is None:
        return ""
    live_legs, bt_legs = _legs(recording, live[9]), _legs(replay, bt[9])
    for purpose, (venue, symbol, _, live_done) in live_legs.items():
        modelled = bt_legs[purpose][2] + latency_ns(venue)
        n = _quotes_between(recording, venue, symbol, modelled, live_done)
        if n:
            return (f"{live[0]}: the live {purpose} leg on {venue} was reported "
                    f"{(live_done - modelled) / 1e6:.3f} ms after its modelled fill, and "
                    f"{n} {symbol} quote(s) arrived meanwhile")
    return ""


def _trade_legs(db: Path) -> list[tuple[str, str, int]]:
    """(trade, venue, report time - send time) of every opening leg."""
    conn = sqlite3.connect(db)
    try:
        return conn.execute("SELECT trade_id, venue, ts_updated_ns - ts_created_ns FROM orders"
                            " WHERE purpose IN ('buy', 'sell')").fetchall()
    finally:
        conn.close()


def compare(recording: Path, replay: Path, latency_ns: Callable[[str], int], *,
            every_trade: bool = True) -> Parity:
    """Assert the replay made the live trades, up to a difference the recording explains.
    Both replayed opening legs were reported exactly the slower venue's latency after they
    were sent. With `every_trade` false, the replay may also trade episodes the live run
    refused (a live trade still in flight because the machine was slow: the recording
    does not carry the refusals)."""
    legs: dict[str, list[tuple[str, int]]] = {}
    for trade_id, venue, delay in _trade_legs(replay):
        legs.setdefault(trade_id, []).append((venue, delay))
    for trade_id, pair in legs.items():
        slower = max(latency_ns(v) for v, _ in pair)
        assert [d for _, d in pair] == [slower, slower], (trade_id, pair)
    live, bt = trades(recording), trades(replay)
    by_episode = {t[0]: t for t in bt}
    compared: list[tuple[object, ...]] = []
    for t in live:
        r = by_episode.get(t[0])
        if r is not None and _same(t, r):
            compared.append(t)
            continue
        why = _late_fill(recording, replay, t, r, latency_ns)
        assert why, f"trade {t} replayed as {r}, unexplained"
        return Parity(compared, why)
    if every_trade:
        assert len(bt) == len(live), "the replay made trades the live run did not"
        assert [b[0] for b in bt] == [t[0] for t in live]
    return Parity(compared, "")
