"""A quiet symbol straddling a time window's start: its last quote arrived before the
window's warm-up, and a split backtest still finds the opportunities it makes with later
quotes, exactly as the single-process backtest does (the window is seeded with each
venue's last quote of each symbol), and only while its venue stood behind it."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from arbot.backtest.opening import open_history
from arbot.backtest.partition import merge, run_part
from arbot.backtest.runner import Options, run_backtest
from arbot.backtest.split import make_plan, part_options, plan_kind
from arbot.config import ArbotSettings
from arbot.demo import demo_instrument
from arbot.parquet.archive import archive
from bench.backtest_data import T0_NS, generate
from tests.backtest.conftest import Recording
from tests.backtest.test_split import detection

QUIET = "QUIET-USDT"
INSERT = ("INSERT INTO quotes (ts_recv_ns, ts_exchange_ms, venue, symbol, bid, bid_size, ask,"
          " ask_size) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
S = 1_000_000_000


def quiet_quotes(db: Path, rows: list[tuple[int, str, float, float]]) -> None:
    """(receive time, venue, bid, ask) quotes of the quiet symbol, added to `db`."""
    conn = sqlite3.connect(db)
    try:
        with conn:
            conn.executemany(INSERT, [(t, t // 1_000_000, v, QUIET, bid, 5.0, ask, 5.0)
                                      for t, v, bid, ask in rows])
    finally:
        conn.close()


def quiet_sellers(out_db: Path | None, after_ns: int) -> set[str]:
    """The venues selling in the quiet symbol's episodes opened after `after_ns`."""
    assert out_db is not None
    conn = sqlite3.connect(out_db)
    try:
        return {v for v, in conn.execute("SELECT sell_venue FROM opportunities WHERE symbol = ?"
                                         " AND opened_ns > ?", (QUIET, after_ns))}
    finally:
        conn.close()


def split_report(settings: ArbotSettings, opts: Options, windows: int) -> dict[str, object]:
    history = open_history(opts.db, opts.archive)
    try:
        plan = make_plan(history, settings, opts, 2, windows)
    finally:
        history.close()
    assert plan.windows == windows
    kind = plan_kind(plan, opts)
    results = [run_part(settings, part_options(opts, plan, p, kind), p.index)
               for p in plan.parts]
    merged, _ = merge(results, plan, opts, settings, kind, "here", 1.0)
    return merged


def test_imported_quiet_symbol_makes_the_same_opportunities_in_every_window(
        tmp_path: Path) -> None:
    """Imported quotes (liveness from quote activity): OKX quotes the quiet symbol once,
    early; Binance crosses it in the last window. The venue stays live (its other
    symbols keep quoting), so the single-process run finds the gap, and so must the
    split. A second quiet quote on Bybit before a silence of Bybit longer than
    `stale_after_s` was wiped live and must make nothing."""
    db = tmp_path / "imported.db"
    generate(db, 60_000, n_symbols=6)
    conn = sqlite3.connect(db)
    try:
        with conn:  # Bybit falls silent for 2 s, after quoting the quiet symbol
            conn.execute("DELETE FROM quotes WHERE venue = 'bybit' AND ts_recv_ns >= ?"
                         " AND ts_recv_ns < ?", (T0_NS + 10 * S, T0_NS + 12 * S))
    finally:
        conn.close()
    quiet_quotes(db, [(T0_NS + 1 * S + 7, "okx", 101.0, 101.2),
                      (T0_NS + 5 * S + 3, "bybit", 101.5, 101.7),
                      (T0_NS + 55 * S + 11, "binance", 99.8, 100.0),
                      (T0_NS + 56 * S + 13, "binance", 99.9, 100.1)])
    settings = ArbotSettings.model_validate({"filters": {"trend": {"window_ms": 1000}},
                                             "feeds": {"stale_after_s": 1.0},
                                             "trading": {"mode": "off"}})
    opts = Options(db=db, use_run_settings=False, out=tmp_path / "single")
    single = asyncio.run(run_backtest(settings, opts))
    # late, OKX's quote sells; Bybit's was wiped when Bybit fell silent
    assert quiet_sellers(single.out_db, T0_NS + 50 * S) == {"okx"}
    assert detection(split_report(settings, opts, 3)) == detection(single.summary)
    # The same seeds from the Parquet archive of the same quotes.
    archive(db, tmp_path / "archive")
    parquet = Options(db=db, archive=str(tmp_path / "archive"), use_run_settings=False)
    assert detection(split_report(settings, parquet, 3)) == detection(single.summary)


def test_recorded_quiet_symbol_is_seeded_only_while_its_venue_was_live(
        demo_run: Recording, tmp_path: Path) -> None:
    """A recording (venue states from its feed events): the quiet quote on OKX, whose
    connection the simulator drops every 4 s, is wiped live at the next drop; the one on
    Binance stays. The split report equals the single-process one."""
    db = tmp_path / "demo.db"
    src = sqlite3.connect(demo_run.db)
    dst = sqlite3.connect(db)
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()
    conn = sqlite3.connect(db)
    try:
        lo, hi = conn.execute("SELECT min(ts_recv_ns), max(ts_recv_ns) FROM quotes").fetchone()
    finally:
        conn.close()
    quiet_quotes(db, [(lo + S // 2, "binance", 101.0, 101.2),
                      (lo + S // 2 + 1, "okx", 101.0, 101.2),
                      (hi - S, "bybit", 99.8, 100.0),
                      (hi - S // 2, "bitget", 99.8, 100.0)])
    opts = Options(db=db, demo_rules=demo_instrument, out=tmp_path / "single")
    off = demo_run.settings.model_copy(update={"trading": demo_run.settings.trading.model_copy(
        update={"mode": "off"})})
    single = asyncio.run(run_backtest(off, opts))
    # late, Binance's quote sells; OKX's was wiped when its connection dropped
    assert quiet_sellers(single.out_db, hi - 2 * S) == {"binance"}
    assert detection(split_report(off, opts, 3)) == detection(single.summary)


if __name__ == "__main__":  # pragma: no cover
    pytest.main([__file__])
