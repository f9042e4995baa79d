"""What a backtest found: opportunities, trades, PnL, rejections, leg risk, drawdown.

The collector is a sink that keeps only compact numbers per episode (open time, lifetime,
net bps at open and peak) and one small row per trade, so memory grows with what was
found, never with the quotes replayed. Every total in the summary is a sum over the
trades it lists, so it can be recomputed from `trades.csv` or the journal's fills.
"""

from __future__ import annotations

from array import array
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from arbot.domain import EpisodeEvent, EpisodeKind, Side, TradeOutcome
from arbot.events import Sink
from arbot.storage.profit import max_drawdown
from arbot.tradekinds import LEG_RISK_INCIDENTS, LegOutcome, OrderPurpose, TradeStatus

NS_PER_MS = 1_000_000


@dataclass(frozen=True)
class TradeRow:
    """One settled trade, as the report needs it."""

    trade_id: str
    closed_ns: int
    symbol: str
    buy_venue: str
    sell_venue: str
    status: TradeStatus
    leg_outcome: LegOutcome
    pnl: float
    fees: float

    @property
    def pair(self) -> str:
        return f"{self.buy_venue}>{self.sell_venue}"


@dataclass
class Collector(Sink):
    """Episode and trade sink for the report; `clock` stamps each trade's settlement.

    A partition of a split backtest (`arbot.backtest.split`) owns the episodes that open,
    and the trades that settle, within its time window [`own_since`, `own_until`): what it
    replays before (its warm-up) and after (until its own episodes have closed) belongs to
    its neighbours."""

    clock: Callable[[], int]
    own_since: int | None = None
    own_until: int | None = None
    opened_ns: array[int] = field(default_factory=lambda: array("q"))
    lifetime_ns: array[int] = field(default_factory=lambda: array("q"))
    net_bps_open: array[float] = field(default_factory=lambda: array("d"))
    net_bps_peak: array[float] = field(default_factory=lambda: array("d"))
    passed_flags: array[int] = field(default_factory=lambda: array("b"))
    close_reasons: Counter[str] = field(default_factory=Counter)
    trades: list[TradeRow] = field(default_factory=list)

    def on_episode(self, event: EpisodeEvent) -> None:
        if event.kind is not EpisodeKind.CLOSE:
            return
        e = event.episode
        if not self.owns(e.opened_ns):
            return
        closed = e.closed_ns if e.closed_ns is not None else e.opened_ns
        self.opened_ns.append(e.opened_ns)
        self.lifetime_ns.append(closed - e.opened_ns)
        self.net_bps_open.append(e.first.net_bps)
        self.net_bps_peak.append(e.peak.net_bps)
        self.passed_flags.append(1 if e.passed else 0)
        self.close_reasons[e.close_reason or ""] += 1

    def owns(self, t_ns: int) -> bool:
        return ((self.own_since is None or t_ns >= self.own_since)
                and (self.own_until is None or t_ns < self.own_until))

    def on_trade(self, outcome: TradeOutcome) -> None:
        if not self.owns(self.clock()):
            return
        buy = next((o.request.venue.value for o in outcome.orders
                    if o.purpose == OrderPurpose.BUY or o.request.side is Side.BUY), "")
        sell = next((o.request.venue.value for o in outcome.orders
                     if o.purpose == OrderPurpose.SELL or o.request.side is Side.SELL), "")
        s = outcome.settlement
        self.trades.append(TradeRow(outcome.trade_id, self.clock(), outcome.symbol, buy, sell,
                                    outcome.status, outcome.leg_outcome, s.pnl, s.fees))


def distribution(values: Sequence[float] | np.ndarray) -> dict[str, float | int | None]:
    """Sorted first, so the mean's rounding does not depend on the order values came in (a
    split backtest's merged report equals the single-process one exactly)."""
    a = np.sort(np.asarray(values, dtype=np.float64))
    if not a.size:
        return {"count": 0, "mean": None, "min": None, "p50": None, "p90": None, "p99": None,
                "max": None}
    p50, p90, p99 = np.percentile(a, [50, 90, 99])
    return {"count": int(a.size), "mean": float(a.mean()), "min": float(a.min()),
            "p50": float(p50), "p90": float(p90), "p99": float(p99), "max": float(a.max())}


def pnl_by(trades: Iterable[TradeRow], key: Callable[[TradeRow], str]
           ) -> dict[str, dict[str, float | int]]:
    out: dict[str, dict[str, float | int]] = {}
    for t in trades:
        row = out.setdefault(key(t), {"trades": 0, "filled": 0, "pnl": 0.0, "fees": 0.0})
        row["trades"] += 1
        row["filled"] += t.status == TradeStatus.FILLED
        row["pnl"] += t.pnl
        row["fees"] += t.fees
    return dict(sorted(out.items()))


def trade_order(t: TradeRow) -> tuple[int, str]:
    """Trades by settlement, then id: one order for a single run and a merged split one."""
    return t.closed_ns, t.trade_id


def rejections(funnel: Mapping[str, object], trader: Mapping[str, int]
               ) -> list[tuple[str, str, int]]:
    """(stage, step, count): where candidates stopped in the engine, then where passed
    episodes were refused by the trader (risk, pre-flight, journal)."""
    rows = [("engine", step, int(funnel.get(step, 0)))  # type: ignore[call-overload]
            for step in ("not_live", "stale", "resyncing", "below_min", "too_small",
                         "too_thin")]
    filtered = funnel.get("filtered", {})
    assert isinstance(filtered, Mapping)
    rows += [("engine", f"filtered:{name}", int(n)) for name, n in sorted(filtered.items())]
    rows += [("trader", step, n) for step, n in sorted(trader.items())]
    return rows


def summarize(c: Collector, funnel: Mapping[str, object], trader_rejections: Mapping[str, int],
              meta: Mapping[str, object]) -> dict[str, object]:
    """The whole report as plain data (written as summary.json, printed as tables)."""
    trades = c.trades
    statuses = Counter(t.status for t in trades)
    outcomes = Counter(t.leg_outcome for t in trades)
    lifetimes_ms = np.asarray(c.lifetime_ns, dtype=np.float64) / NS_PER_MS
    return {
        **meta,
        "opportunities": {
            "count": len(c.opened_ns),
            "passed": int(sum(c.passed_flags)),
            "lifetime_ms": distribution(lifetimes_ms),
            "net_bps_open": distribution(c.net_bps_open),
            "net_bps_peak": distribution(c.net_bps_peak),
            "close_reasons": dict(sorted(c.close_reasons.items())),
        },
        "trades": {
            "count": len(trades),
            "by_status": dict(sorted(statuses.items())),
            "by_leg_outcome": dict(sorted(outcomes.items())),
            "leg_risk_incidents": sum(outcomes[o] for o in LEG_RISK_INCIDENTS),
            "leg_risk_unresolved": statuses[TradeStatus.LEG_RISK],
        },
        "pnl": {
            "total": sum(t.pnl for t in trades),
            "fees": sum(t.fees for t in trades),
            "max_drawdown": max_drawdown(t.pnl for t in trades),
            "by_symbol": pnl_by(trades, lambda t: t.symbol),
            "by_pair": pnl_by(trades, lambda t: t.pair),
        },
        "funnel": dict(funnel),
        "rejections": [{"stage": s, "step": step, "count": n}
                       for s, step, n in rejections(funnel, trader_rejections)],
    }
