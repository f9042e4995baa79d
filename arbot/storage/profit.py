"""Performance across runs: PnL, trades, fees, win rate and drawdown per day, per run or per
symbol and venue pair, over every trade the journal recorded.

One reader serves `arbot report`, `GET /api/profit` and the UI's History screen, so the
three can never disagree. Every figure is a sum over the trades' own rows (`realized_profit`
is net of fees, `fees` in quote currency, both written by the journal at settlement), so a
report can be recomputed from `arbot export trades`. A trade still open has no outcome
yet: it is counted as open and left out of the sums.
"""

from __future__ import annotations

import enum
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field

import aiosqlite
import msgspec

from arbot.storage.db import DatabaseError, database_error, open_db
from arbot.timefmt import format_time_ns

NS_PER_DAY = 86_400 * 1_000_000_000


class ProfitGroup(enum.StrEnum):
    """What one row of the report covers."""

    DAY = "day"  # the UTC day a trade settled (opened, while it is open)
    RUN = "run"  # one start of ArBot (`runs.id`)
    PAIR = "pair"  # a symbol bought on one venue and sold on another


class ProfitRow(msgspec.Struct, frozen=True, kw_only=True):
    """One group's figures; `win_rate` and the times are None before any trade settled."""

    key: str  # 2026-12-05, the run's id, or BTC-USDT binance>okx
    label: str  # what a person reads: the day, the run's start (and DEMO), the pair
    trades: int  # settled trades
    open: int  # trades without an outcome yet
    filled: int  # settled with both legs filled and balanced
    wins: int  # settled with a PnL above zero
    win_rate: float | None
    pnl: float  # quote currency, net of fees
    fees: float  # quote currency
    max_drawdown: float  # largest fall of the cumulative PnL from a previous high
    modes: str  # paper, live, or paper+live
    first: str | None  # ISO-8601 UTC of the first and last settlement
    last: str | None


class ProfitReport(msgspec.Struct, frozen=True, kw_only=True):
    """The rows of one grouping, oldest or alphabetical first, and the total over all."""

    group: ProfitGroup
    rows: list[ProfitRow]
    total: ProfitRow


def max_drawdown(pnls: Iterable[float]) -> float:
    """Largest fall of cumulative PnL from a previous high (the start, 0, counts as one)."""
    cum = peak = worst = 0.0
    for p in pnls:
        cum += p
        peak = max(peak, cum)
        worst = max(worst, peak - cum)
    return worst


@dataclass
class _Tally:
    """A group's running sums while the trades stream past in settlement order."""

    key: str
    label: str
    pnls: list[float] = field(default_factory=list)
    open: int = 0
    filled: int = 0
    fees: float = 0.0
    modes: set[str] = field(default_factory=set)
    first_ns: int | None = None
    last_ns: int | None = None

    def add(self, t: _Trade) -> None:
        self.modes.add(t.mode)
        if t.pnl is None:
            self.open += 1
            return
        self.pnls.append(t.pnl)
        self.filled += t.status == "filled"
        self.fees += t.fees
        self.first_ns = t.when_ns if self.first_ns is None else self.first_ns
        self.last_ns = t.when_ns

    def row(self) -> ProfitRow:
        n = len(self.pnls)
        wins = sum(p > 0 for p in self.pnls)
        return ProfitRow(
            key=self.key, label=self.label, trades=n, open=self.open, filled=self.filled,
            wins=wins, win_rate=wins / n if n else None, pnl=sum(self.pnls), fees=self.fees,
            max_drawdown=max_drawdown(self.pnls), modes="+".join(sorted(self.modes)),
            first=None if self.first_ns is None else format_time_ns(self.first_ns),
            last=None if self.last_ns is None else format_time_ns(self.last_ns))


@dataclass(frozen=True)
class _Trade:
    when_ns: int  # settled (opened, while open)
    run_id: int | None
    run_started_ns: int | None
    demo: bool
    mode: str
    symbol: str
    buy_venue: str
    sell_venue: str
    status: str
    pnl: float | None
    fees: float

    def key(self, group: ProfitGroup) -> tuple[str, str]:
        if group is ProfitGroup.DAY:
            day = format_time_ns(self.when_ns // NS_PER_DAY * NS_PER_DAY)[:10]
            return day, day
        if group is ProfitGroup.RUN:
            if self.run_id is None:
                return "", "trades without a run"
            started = format_time_ns(self.run_started_ns or self.run_id)[:19].replace("T", " ")
            return str(self.run_id), f"{started}{' DEMO' if self.demo else ''}"
        pair = f"{self.symbol} {self.buy_venue}>{self.sell_venue}"
        return pair, pair


_SQL = ("SELECT coalesce(t.ts_close_ns, t.ts_open_ns) AS settled, t.run_id, r.started_ns,"
        " coalesce(r.demo, 0), t.mode, t.symbol, t.buy_venue, t.sell_venue, t.status,"
        " CASE WHEN t.status = 'open' THEN NULL ELSE t.realized_profit END,"
        " coalesce(t.fees, 0)"
        " FROM trades t LEFT JOIN runs r ON r.id = t.run_id")


async def _trades(conn: aiosqlite.Connection, since_ns: int | None, until_ns: int | None,
                  run_id: int | None, mode: str | None) -> list[_Trade]:
    clauses, args = [], []
    for clause, value in (("settled >= ?", since_ns), ("settled < ?", until_ns),
                          ("t.run_id = ?", run_id), ("t.mode = ?", mode)):
        if value is not None:
            clauses.append(clause)
            args.append(value)
    where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
    try:
        rows = await conn.execute_fetchall(f"{_SQL}{where} ORDER BY settled, t.id", args)
    except sqlite3.Error as exc:
        raise database_error(exc) from exc
    return [_Trade(int(r[0]), r[1], r[2], bool(r[3]), str(r[4]), str(r[5]), str(r[6]),
                   str(r[7]), str(r[8]), None if r[9] is None else float(r[9]), float(r[10]))
            for r in rows]


def summarize(trades: Iterable[_Trade], group: ProfitGroup) -> ProfitReport:
    """The trades (in settlement order) as one row per group and a total."""
    groups: dict[str, _Tally] = {}
    total = _Tally("total", "total")
    for t in trades:
        key, label = t.key(group)
        groups.setdefault(key, _Tally(key, label)).add(t)
        total.add(t)
    rows = [g.row() for _, g in sorted(groups.items())]
    return ProfitReport(group=group, rows=rows, total=total.row())


async def read_profit(path: str, group: ProfitGroup, *, since_ns: int | None = None,
                      until_ns: int | None = None, run_id: int | None = None,
                      mode: str | None = None) -> ProfitReport:
    """The report over the trades settled in [since, until) (of one run, of one mode),
    read on a read-only connection; empty when there is no database yet."""
    try:
        conn = await open_db(path, readonly=True)
    except DatabaseError as exc:
        if exc.kind != "missing":
            raise
        return summarize([], group)
    try:
        return await profit_from(conn, group, since_ns=since_ns, until_ns=until_ns,
                                 run_id=run_id, mode=mode)
    finally:
        await conn.close()


async def profit_from(conn: aiosqlite.Connection, group: ProfitGroup, *,
                      since_ns: int | None = None, until_ns: int | None = None,
                      run_id: int | None = None, mode: str | None = None) -> ProfitReport:
    """`read_profit` on a connection the caller holds."""
    return summarize(await _trades(conn, since_ns, until_ns, run_id, mode), group)
