"""One partition of a split backtest run where a Dask task puts it, and the report of
the whole merged from the partitions' (`split` plans them).

The merge is deterministic: episodes and trades are put in one canonical order, counts
are summed, and the report's distributions do not depend on the order values came in.
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from array import array
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path

from arbot.backtest.output import iso
from arbot.backtest.partrows import Rows, owned_rows
from arbot.backtest.report import Collector, TradeRow, summarize, trade_order
from arbot.backtest.runner import OUT_DB, Options, Result, run_backtest, settings_note
from arbot.backtest.split import Plan
from arbot.config import ArbotSettings
from arbot.engine.funnel import COUNTS, Funnel


@dataclass
class PartResult:
    """What one partition sends back: compact, picklable, independent of its order."""

    index: int
    episodes: list[tuple[int, int, float, float, int]]  # opened, lifetime, open, peak, passed
    close_reasons: dict[str, int]
    trades: list[TradeRow]
    funnel: dict[str, object]
    trader: dict[str, int]
    quotes: int  # quotes in the partition's own window
    replayed: int  # quotes replayed, warm-up and tail included
    books: int | str
    segments: list[dict[str, object]]
    rows: Rows | None = None  # the rows it owns, when the backtest writes its database


def run_part(settings: ArbotSettings, opts: Options, index: int, rows: bool = False
             ) -> PartResult:
    """One partition, start to end, on this process (a Dask task calls this); with
    `rows`, the database rows it owns come back too (`partrows`)."""
    if not rows:
        return _part_result(index, asyncio.run(run_backtest(settings, opts)), None)
    tmp = tempfile.mkdtemp(prefix="arbot-part-")
    try:
        result = asyncio.run(run_backtest(settings, replace(opts, out=Path(tmp))))
        owned = owned_rows(Path(tmp) / OUT_DB, opts.own_since, opts.own_until,
                           [t.trade_id for t in result.collector.trades])
        return _part_result(index, result, owned)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _part_result(index: int, result: Result, rows: Rows | None) -> PartResult:
    c, s = result.collector, result.summary
    rejections = s["rejections"]
    assert isinstance(rejections, list)
    funnel = s["funnel"]
    assert isinstance(funnel, dict)
    segments = s["segments"]
    assert isinstance(segments, list)
    quotes, books = s["quotes"], s["book_snapshots"]
    assert isinstance(quotes, int) and isinstance(books, int | str)
    return PartResult(
        index, list(zip(c.opened_ns, c.lifetime_ns, c.net_bps_open, c.net_bps_peak,
                        c.passed_flags, strict=True)),
        dict(c.close_reasons), list(c.trades), funnel,
        {r["step"]: r["count"] for r in rejections if r["stage"] == "trader"}, quotes,
        result.replayed, books, segments, rows)


def merge(results: list[PartResult], p: Plan, opts: Options, settings: ArbotSettings,
          kind: str, workers: str, replay_s: float) -> tuple[dict[str, object], Collector]:
    """The report of the whole backtest from its partitions', in a canonical order."""
    results = sorted(results, key=lambda r: r.index)
    c = Collector(lambda: 0)
    episodes = sorted(e for r in results for e in r.episodes)
    c.opened_ns = array("q", (e[0] for e in episodes))
    c.lifetime_ns = array("q", (e[1] for e in episodes))
    c.net_bps_open = array("d", (e[2] for e in episodes))
    c.net_bps_peak = array("d", (e[3] for e in episodes))
    c.passed_flags = array("b", (e[4] for e in episodes))
    c.close_reasons = Counter()
    for r in results:
        c.close_reasons.update(r.close_reasons)
    c.trades = sorted((t for r in results for t in r.trades), key=trade_order)
    funnel = Funnel()
    trader: Counter[str] = Counter()
    for r in results:
        funnel.add(_funnel(r.funnel))
        trader.update(r.trader)
    seen: dict[tuple[object, object], dict[str, object]] = {}
    for r in results:
        for seg in r.segments:
            seen.setdefault((seg["run_id"], seg["start_ns"]), seg)
    used = sorted(seen.values(), key=lambda d: (d["start_ns"] is not None, d["start_ns"] or 0))
    quotes = sum(r.quotes for r in results)
    replayed = sum(r.replayed for r in results)
    books = [r.books for r in results]
    w = opts.window
    span = p.span
    trading = settings.trading.mode
    meta: dict[str, object] = {
        "source": opts.archive if opts.archive is not None else str(opts.db),
        "from": iso(w.since_ns if w.since_ns is not None else (span[0] if span else None)),
        "until": iso(w.until_ns if w.until_ns is not None else (span[1] if span else None)),
        "symbols": list(w.symbols) if w.symbols is not None else "all",
        "quotes": quotes,
        "book_snapshots": (sum(b for b in books if isinstance(b, int))
                           if any(isinstance(b, int) for b in books) else books[0]),
        "replay_s": replay_s,
        "quotes_per_s": quotes / replay_s if replay_s > 0 else 0.0,
        "settings": settings_note({str(d["settings_from"]) for d in used},
                                  opts.use_run_settings),
        "rules": kind,
        "trading": trading,
        "segments": used,
        "output_db": None,
        "split": {
            "workers": workers, "partitions": len(results), "symbol_groups": p.groups,
            "time_windows": p.windows, "warmup_s": p.warmup_ns / 1e9,
            "quotes_replayed": replayed,
            "inventory": "one per partition: paper trades and PnL are those of separate "
                         "accounts, each starting from the configured balances"
                         if trading != "off" else "trading off",
        },
    }
    return summarize(c, funnel.as_dict(), dict(sorted(trader.items())), meta), c


def _funnel(d: dict[str, object]) -> Funnel:
    f = Funnel()
    for name in COUNTS:
        value = d[name]
        assert isinstance(value, int)
        setattr(f, name, value)
    filtered = d["filtered"]
    assert isinstance(filtered, dict)
    f.filtered = {str(k): int(v) for k, v in filtered.items()}
    return f
