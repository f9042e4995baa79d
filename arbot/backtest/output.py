"""The report as a person reads it (plain-text tables) and as files in `--out`: summary.json,
trades.csv and episodes.csv (the same columns as `arbot export`), pnl_by_symbol.csv,
pnl_by_pair.csv, rejections.csv, and two charts.

Charts use matplotlib, imported only here and only when writing them, with the Agg
backend: no display, no GUI toolkit, and a plain `arbot` never pays for the import.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from arbot.backtest.report import Collector
from arbot.timefmt import format_time_ns

PNL_COLUMNS = ("trades", "filled", "pnl", "fees")


def _cell(v: object) -> str:
    if isinstance(v, float):
        return f"{v:,.4f}" if abs(v) < 1000 else f"{v:,.2f}"
    return "" if v is None else str(v)


def table(title: str, columns: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    text = [[_cell(v) for v in row] for row in rows]
    widths = [max([len(c), *(len(r[i]) for r in text)]) for i, c in enumerate(columns)]
    lines = [title, "  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(v.ljust(w) if i == 0 else v.rjust(w)
                        for i, (v, w) in enumerate(zip(r, widths, strict=True))) for r in text]
    if not rows:
        lines.append("(none)")
    return "\n".join(lines)


def render(summary: Mapping[str, Any]) -> str:
    """Every table of the report, separated by blank lines."""
    opp, trades, pnl = summary["opportunities"], summary["trades"], summary["pnl"]
    dist_cols = ("", "count", "mean", "min", "p50", "p90", "p99", "max")

    def dist(name: str, d: Mapping[str, Any]) -> list[object]:
        return [name, *(d[k] for k in dist_cols[1:])]

    run = [("quotes replayed", summary["quotes"]),
           ("book snapshots", summary.get("book_snapshots", "")), ("from", summary["from"]),
           ("until", summary["until"]), ("replay seconds", summary["replay_s"]),
           ("quotes/s", summary["quotes_per_s"]), ("settings", summary["settings"]),
           ("trading rules", summary["rules"])]
    parts = [
        table("backtest", ("", "value"), run),
        table(f"opportunities: {opp['count']} episodes, {opp['passed']} passed every filter",
              dist_cols, [dist("lifetime ms", opp["lifetime_ms"]),
                          dist("net bps at open", opp["net_bps_open"]),
                          dist("net bps at peak", opp["net_bps_peak"])]),
        table("episodes by close reason", ("reason", "count"),
              list(opp["close_reasons"].items())),
        table(f"trades: {trades['count']}, leg-risk incidents {trades['leg_risk_incidents']}"
              f" ({trades['leg_risk_unresolved']} left uneven)", ("status", "count"),
              list(trades["by_status"].items())),
        table(f"PnL net of fees: total {pnl['total']:+.4f}, fees {pnl['fees']:.4f}, "
              f"max drawdown {pnl['max_drawdown']:.4f}", ("symbol", *PNL_COLUMNS),
              [(k, *(v[c] for c in PNL_COLUMNS)) for k, v in pnl["by_symbol"].items()]),
        table("PnL by venue pair (buy>sell)", ("pair", *PNL_COLUMNS),
              [(k, *(v[c] for c in PNL_COLUMNS)) for k, v in pnl["by_pair"].items()]),
        table("rejections by funnel step", ("stage", "step", "count"),
              [(r["stage"], r["step"], r["count"]) for r in summary["rejections"]]),
    ]
    inv = summary.get("inventory")
    if inv is not None:
        parts += [
            table(f"inventory: {inv['trades_lost_to_inventory']} trades lost to inventory; "
                  f"PnL {inv['pnl_before_transfers']:+.4f} before transfers, "
                  f"{inv['pnl_after_transfers']:+.4f} after {inv['transfer_cost']:.4f} of "
                  f"transfer fees (coin information: {inv['coin_information']})",
                  ("direction", "ran dry at", "first out"),
                  [(d["direction"], d["at"], d["limited_by"]) for d in inv["ran_dry"]]),
            table("rebalance plan at the end (advice only)",
                  ("asset", "from", "to", "network", "amount", "fee", "fee quote"),
                  [(t["asset"], t["from"], t["to"], t["network"], t["amount"], t["fee"],
                    t["fee_quote"]) for t in inv["transfers"]]),
        ]
    return "\n\n".join(parts)


def write_csv(path: Path, header: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)


def write_tables(out: Path, summary: Mapping[str, Any]) -> None:
    """summary.json and the small CSVs (trades.csv and episodes.csv come from the
    output database, see `cli`)."""
    (out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    pnl = summary["pnl"]
    for name, key in (("pnl_by_symbol.csv", "symbol"), ("pnl_by_pair.csv", "pair")):
        data = pnl["by_symbol" if key == "symbol" else "by_pair"]
        write_csv(out / name, (key, *PNL_COLUMNS),
                  [(k, *(repr(v[c]) if isinstance(v[c], float) else v[c] for c in PNL_COLUMNS))
                   for k, v in data.items()])
    write_csv(out / "rejections.csv", ("stage", "step", "count"),
              [(r["stage"], r["step"], r["count"]) for r in summary["rejections"]])


def pnl_line(closed_ns: Sequence[int], pnls: Sequence[float], breaks: Sequence[int]
             ) -> tuple[np.ndarray, np.ndarray]:
    """The cumulative PnL's step points from 0, with a NaN point at each recorded run's
    start that falls between two trades, so the line stops at the end of one run and
    starts again in the next instead of drawing across the time nothing ran."""
    xs: list[int] = [closed_ns[0]] if closed_ns else []
    ys: list[float] = [0.0] if closed_ns else []
    cum, pending = 0.0, sorted(breaks)
    for when, pnl in zip(closed_ns, pnls, strict=True):
        while pending and pending[0] <= when:
            start = pending.pop(0)
            if xs and xs[-1] < start:
                xs += [start, start]
                ys += [float("nan"), cum]
        cum += pnl
        xs.append(when)
        ys.append(cum)
    return np.asarray(xs, dtype=np.int64), np.asarray(ys, dtype=np.float64)


def run_segments(summary: Mapping[str, object]) -> list[Mapping[str, Any]]:
    """The report's replayed segments (one per recorded run), for the charts."""
    segments = summary.get("segments", [])
    return [s for s in segments if isinstance(s, Mapping)] if isinstance(segments, list) else []


def write_charts(out: Path, c: Collector,
                 segments: Sequence[Mapping[str, Any]] = ()) -> list[Path]:
    """pnl.png (cumulative PnL by settlement time, broken between recorded runs, the
    report's `segments`) and opportunities.png (episodes opened per time bucket, split by
    whether they ever passed every filter)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt

    def when(ns: np.ndarray) -> np.ndarray:
        return ns.astype("datetime64[ns]")

    paths = [out / "pnl.png", out / "opportunities.png"]
    fig, ax = plt.subplots(figsize=(10, 4), dpi=100)
    breaks = [int(s["start_ns"]) for s in segments if s.get("start_ns") is not None]
    xs, ys = pnl_line([t.closed_ns for t in c.trades], [t.pnl for t in c.trades], breaks)
    if xs.size:
        ax.step(when(xs), ys, where="post")
    ax.axhline(0.0, color="grey", linewidth=0.5)
    ax.set_title(f"cumulative PnL net of fees ({len(c.trades)} trades)")
    ax.set_ylabel("quote currency")
    _time_axis(ax, mdates)
    fig.tight_layout()
    fig.savefig(paths[0])
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(10, 4), dpi=100)
    opened = np.asarray(c.opened_ns, dtype=np.int64)
    passed = np.asarray(c.passed_flags, dtype=bool)
    if opened.size:
        lo, hi = int(opened.min()), int(opened.max())
        bins = np.linspace(lo, max(hi, lo + 1), min(100, max(2, opened.size)) + 1)
        width = (bins[1] - bins[0]) / 86_400e9  # days, matplotlib's date unit
        counts_all, _ = np.histogram(opened, bins)
        counts_ok, _ = np.histogram(opened[passed], bins)
        left = when(bins[:-1].astype(np.int64))
        ax.bar(left, counts_all - counts_ok, width=width, align="edge", label="filtered")
        ax.bar(left, counts_ok, width=width, align="edge", bottom=counts_all - counts_ok,
               label="passed every filter")
        ax.legend(loc="upper right")
        ax.set_ylabel(f"episodes per {_duration((bins[1] - bins[0]) / 1e9)}")
    ax.set_title(f"opportunities opened over time ({opened.size} episodes)")
    _time_axis(ax, mdates)
    fig.tight_layout()
    fig.savefig(paths[1])
    plt.close(fig)
    return paths


def _duration(seconds: float) -> str:
    for unit, size in (("h", 3600.0), ("min", 60.0), ("s", 1.0)):
        if seconds >= size:
            return f"{seconds / size:.3g} {unit}"
    return f"{seconds * 1000:.3g} ms"


def _time_axis(ax: Any, mdates: Any) -> None:
    locator = mdates.AutoDateLocator()
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    ax.set_xlabel("UTC")


def iso(ns: int | None) -> str | None:
    return None if ns is None else format_time_ns(ns)
