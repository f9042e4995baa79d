"""Paging and the replay window: any page size gives the same backtest, and --from,
--until and --symbols replay exactly the quotes they select."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from arbot.backtest.runner import Options, Result, run_backtest
from arbot.backtest.source import Window
from arbot.demo import demo_instrument
from tests.backtest.conftest import Recording

EPISODES = ("SELECT symbol, buy_venue, sell_venue, opened_ns, closed_ns, close_reason,"
            " net_bps_open, net_bps_peak, verdict FROM opportunities ORDER BY opened_ns, symbol,"
            " buy_venue, sell_venue")
TRADES = ("SELECT trade_id, symbol, buy_venue, sell_venue, qty, status, leg_outcome, fees,"
          " realized_profit, ts_open_ns, ts_close_ns FROM trades ORDER BY trade_id")
TIMING = ("replay_s", "quotes_per_s", "output_db")


def rows(db: Path, sql: str) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def comparable(result: Result) -> dict[str, object]:
    return {k: v for k, v in result.summary.items() if k not in TIMING}


async def test_pages_of_seven_rows_or_fifty_thousand_give_the_same_backtest(
        demo_run: Recording, tmp_path: Path) -> None:
    default = await run_backtest(demo_run.settings, Options(db=demo_run.db, out=tmp_path / "d",
                                                            demo_rules=demo_instrument))
    assert default.summary["quotes"] == rows(demo_run.db, "SELECT count(*) FROM quotes")[0][0]
    for size in (7, 50_000):
        other = await run_backtest(demo_run.settings, Options(
            db=demo_run.db, demo_rules=demo_instrument, out=tmp_path / str(size), page_rows=size))
        assert comparable(other) == comparable(default)
        for sql in (EPISODES, TRADES):
            assert rows(tmp_path / str(size) / "backtest.db", sql) == \
                rows(tmp_path / "d" / "backtest.db", sql)


async def test_from_until_and_symbols_replay_exactly_what_they_select(
        demo_run: Recording, tmp_path: Path) -> None:
    first, last = rows(demo_run.db, "SELECT min(ts_recv_ns), max(ts_recv_ns) FROM quotes")[0]
    assert isinstance(first, int) and isinstance(last, int)
    since, until = first + (last - first) // 3, first + 2 * (last - first) // 3
    window = Window(since, until, ("ETH-USDT",))
    result = await run_backtest(demo_run.settings, Options(db=demo_run.db, window=window,
                                                           demo_rules=demo_instrument,
                                                           out=tmp_path, page_rows=13))
    expected = rows(demo_run.db, "SELECT count(*) FROM quotes WHERE symbol = 'ETH-USDT' AND"
                                 f" ts_recv_ns >= {since} AND ts_recv_ns < {until}")[0][0]
    assert result.summary["quotes"] == expected > 0
    assert result.summary["symbols"] == ["ETH-USDT"]
    episodes = rows(tmp_path / "backtest.db", EPISODES)
    assert episodes, "a third of the demo run should hold some ETH episodes"
    for symbol, _, _, opened, closed, *_ in episodes:
        assert symbol == "ETH-USDT"
        assert isinstance(opened, int) and isinstance(closed, int)
        assert since <= opened <= closed <= until
    for (symbol,) in rows(tmp_path / "backtest.db", "SELECT symbol FROM trades"):
        assert symbol == "ETH-USDT"
    # Starting mid-run, the venue states recorded since the run's start still apply
    # (without them no venue would be live and every quote would count as not_live).
    funnel = result.summary["funnel"]
    assert isinstance(funnel, dict) and funnel["quotes"] == expected
    assert funnel["not_live"] < expected / 4


async def test_an_empty_window_reports_nothing(demo_run: Recording, tmp_path: Path) -> None:
    result = await run_backtest(demo_run.settings, Options(
        db=demo_run.db, demo_rules=demo_instrument, window=Window(1, 2), out=tmp_path))
    assert result.summary["quotes"] == 0
    assert result.summary["opportunities"]["count"] == 0  # type: ignore[index]
    assert rows(tmp_path / "backtest.db", "SELECT count(*) FROM trades") == [(0,)]
