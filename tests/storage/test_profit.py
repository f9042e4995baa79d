"""The profit report over every recorded run: by day, run and pair, filters, the open
trade counted but not summed, drawdown, and a missing or damaged database."""

from __future__ import annotations

from pathlib import Path

import pytest

from arbot.storage.db import DatabaseError
from arbot.storage.profit import ProfitGroup, max_drawdown, read_profit
from tests.storage.profitrows import RUN_1, RUN_2, S, seed


@pytest.fixture
async def db(tmp_path: Path) -> str:
    path = tmp_path / "arbot.db"
    await seed(path)
    return str(path)


async def test_by_day_splits_at_midnight_utc_and_totals_every_trade(db: str) -> None:
    report = await read_profit(db, ProfitGroup.DAY)
    by_key = {r.key: r for r in report.rows}
    assert list(by_key) == ["2026-12-04", "2026-12-05"]
    first, second = by_key["2026-12-04"], by_key["2026-12-05"]
    assert (first.trades, first.filled, first.wins, first.open) == (3, 3, 2, 0)
    assert first.pnl == pytest.approx(0.75) and first.fees == pytest.approx(0.5)
    assert first.max_drawdown == pytest.approx(0.5)  # +1.0 then -0.5
    assert first.win_rate == pytest.approx(2 / 3) and first.modes == "paper"
    # t4 (missed, paper) and t5 (live) settled on the 5th; t6 is still open
    assert (second.trades, second.open, second.wins, second.modes) == (2, 1, 1, "live+paper")
    total = report.total
    assert (total.trades, total.open) == (5, 1)
    assert total.pnl == pytest.approx(sum(r.pnl for r in report.rows)) == pytest.approx(2.75)
    assert total.fees == pytest.approx(0.9)
    assert total.first == "2026-12-04T22:01:00.000000Z"


async def test_by_run_labels_the_start_and_the_demo_runs(db: str) -> None:
    report = await read_profit(db, ProfitGroup.RUN)
    assert [(r.key, r.label, r.trades, r.open) for r in report.rows] == [
        (str(RUN_1), "2026-12-04 22:00:00 DEMO", 4, 0),
        (str(RUN_2), "2026-12-05 09:00:00", 1, 1)]


async def test_by_pair_keeps_the_direction_apart(db: str) -> None:
    report = await read_profit(db, ProfitGroup.PAIR)
    assert [(r.key, r.trades) for r in report.rows] == [
        ("BTC-USDT binance>okx", 3), ("BTC-USDT okx>binance", 1), ("ETH-USDT bybit>okx", 1)]


async def test_filters_by_settlement_time_run_and_mode(db: str) -> None:
    since = await read_profit(db, ProfitGroup.DAY, since_ns=RUN_1 + 150 * S,
                              until_ns=RUN_2 + 30 * S)
    assert since.total.trades == 2  # t3 and t4
    run = await read_profit(db, ProfitGroup.PAIR, run_id=RUN_2)
    assert (run.total.trades, run.total.open) == (1, 1)
    live = await read_profit(db, ProfitGroup.DAY, mode="live")
    assert live.total.pnl == pytest.approx(2.0) and live.total.modes == "live"
    none = await read_profit(db, ProfitGroup.DAY, run_id=12345)
    assert none.rows == [] and none.total.win_rate is None and none.total.first is None


async def test_no_database_yet_is_an_empty_report(tmp_path: Path) -> None:
    report = await read_profit(str(tmp_path / "none.db"), ProfitGroup.RUN)
    assert report.rows == [] and report.total.trades == 0


async def test_a_file_that_is_not_a_database_is_one_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "arbot.db"
    path.write_bytes(b"not a database at all" * 100)
    with pytest.raises(DatabaseError):
        await read_profit(str(path), ProfitGroup.DAY)


@pytest.mark.parametrize(("pnls", "expected"), [
    ([], 0.0), ([1.0, 2.0], 0.0), ([-1.0], 1.0), ([1.0, -0.5, 2.0, -3.0, 0.5], 3.0)])
def test_max_drawdown_counts_from_the_start_and_every_later_high(
        pnls: list[float], expected: float) -> None:
    assert max_drawdown(pnls) == pytest.approx(expected)
