"""Parity: replaying the quotes a demo run recorded, with the settings it recorded, gives
the same episodes the run recorded live: same keys, same opening and closing times, same
close reasons (including `stale` from the sweep, `venue_down` from recorded feed states
and `shutdown` at the run's end), net bps equal to 1e-9, and the same funnel. This is
the test that proves backtest and live share one engine.

The run records every quote (`record_quotes = "all"`): with "changes", quotes that
repeat the previous top of book are not stored, and a replay cannot know that a venue
refreshed an unchanged quote (live it stays fresh; replayed it may age out).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from arbot.backtest.runner import Options, run_backtest
from arbot.config.trading import PaperSettings
from arbot.demo import demo_instrument
from arbot.domain import Venue
from tests.backtest.conftest import SLOW_MS, Recording
from tests.backtest.depthrun import record_depth_run
from tests.backtest.trades import compare, trades

COLUMNS = ("symbol, buy_venue, sell_venue, opened_ns, closed_ns, close_reason, net_bps_open,"
           " net_bps_peak")
Row = tuple[str, str, str, int, int, str, float, float]


def episodes(db: Path) -> dict[tuple[str, str, str, int], Row]:
    conn = sqlite3.connect(db)
    try:
        rows = conn.execute(f"SELECT {COLUMNS} FROM opportunities").fetchall()
    finally:
        conn.close()
    return {(r[0], r[1], r[2], r[3]): r for r in rows}


async def test_replay_of_a_demo_run_gives_the_episodes_it_recorded(demo_run: Recording,
                                                                   tmp_path: Path) -> None:
    result = await run_backtest(demo_run.settings, Options(db=demo_run.db, out=tmp_path,
                                                           demo_rules=demo_instrument))
    live = episodes(demo_run.db)
    replay = episodes(tmp_path / "backtest.db")
    assert len(live) >= 20, "the dislocating simulator should open many episodes"
    assert replay.keys() == live.keys()
    for key, (*_, closed, reason, net_open, net_peak) in live.items():
        r = replay[key]
        assert (r[4], r[5]) == (closed, reason), key
        assert r[6] == pytest.approx(net_open, abs=1e-9)
        assert r[7] == pytest.approx(net_peak, abs=1e-9)
    assert {r[5] for r in live.values()} >= {"below_min", "shutdown"}

    conn = sqlite3.connect(demo_run.db)
    try:
        recorded = json.loads(conn.execute("SELECT funnel FROM runs").fetchone()[0])
        kinds = {k for (k,) in conn.execute("SELECT DISTINCT kind FROM feed_events")}
    finally:
        conn.close()
    assert kinds > {"live", "subscribing"}, "venue states changed mid-run"
    funnel = result.summary["funnel"]
    assert isinstance(funnel, dict)
    # The filter split depends on when trend samples were taken (live on the monotonic
    # clock, replayed on receive times, microseconds apart); everything before is exact.
    for step in ("quotes", "not_live", "stale", "crossed", "below_min", "too_small"):
        assert funnel[step] == recorded[step], step
    assert funnel["passed"] + sum(funnel["filtered"].values()) == \
        recorded["passed"] + sum(recorded["filtered"].values())
    segments = result.summary["segments"]
    assert isinstance(segments, list) and len(segments) == 1
    assert {k: segments[0][k] for k in ("demo", "settings_from", "venue_states")} == {
        "demo": True, "settings_from": "run", "venue_states": True}


async def test_replay_of_a_paper_run_makes_the_trades_it_made(demo_run: Recording,
                                                              tmp_path: Path) -> None:
    """The paper executor's latency, fills and leg-risk policy, replayed on the replay
    clock, give the same trades, orders, times, leg outcomes and PnL (to 1e-9) as the live
    paper run, which ran each trade on its modelled clock however late its loop woke."""
    await assert_same_trades(demo_run, tmp_path, at_least=3)


async def assert_same_trades(rec: Recording, tmp_path: Path, at_least: int) -> None:
    """Replay `rec` and check its trades and PnL against the live run's, unless the
    recording shows the live run refused a trade the replay made because it booked the
    last one late (`trades.compare`), after which only earlier trades must match."""
    result = await run_backtest(rec.settings, Options(db=rec.db, out=tmp_path,
                                                      demo_rules=demo_instrument))
    live = trades(rec.db)
    assert len(live) >= at_least, "the dislocating simulator should make paper trades"
    parity = compare(rec.db, tmp_path / "backtest.db", latency_ns(rec))
    if parity.parted:
        print("the runs parted:", parity.parted)
        assert parity.compared, "at least the first trade replays identically"
        return
    pnl = result.summary["pnl"]
    assert isinstance(pnl, dict)
    assert pnl["total"] == pytest.approx(sum(float(t[3]) for t in live), abs=1e-9)


def latency_ns(rec: Recording) -> Callable[[str], int]:
    paper = rec.settings.trading.paper
    return lambda venue: round(paper.latency_s(Venue(venue)) * 1e9)


def _missed_slow_leg(t: tuple[object, ...]) -> bool:
    return t[2] != "balanced" or t[1] != "filled"


async def test_a_slow_venue_misses_legs_in_paper_and_backtest_alike(
        slow_venue_run: Recording, tmp_path: Path) -> None:
    """With one venue's orders arriving `SLOW_MS` late, the live paper run had legs to
    unwind (or missed trades); the backtest misses the same legs, and only because of the
    latency: with none, it fills them."""
    rec = slow_venue_run
    live = trades(rec.db)
    missed = [t for t in live if _missed_slow_leg(t)]
    assert missed, f"a {SLOW_MS} ms venue should miss legs live: {live}"
    await run_backtest(rec.settings, Options(db=rec.db, out=tmp_path / "slow",
                                             demo_rules=demo_instrument))
    parity = compare(rec.db, tmp_path / "slow" / "backtest.db", latency_ns(rec))
    alike = [t for t in parity.compared if _missed_slow_leg(t)]
    print(f"{len(live)} live trades, {len(parity.compared)} replayed alike, {len(alike)} "
          f"with a missed leg; {parity.parted or 'no difference'}")
    if not alike:
        pytest.skip(f"the runs parted before the first missed leg: {parity.parted}")

    instant = rec.settings.model_copy(update={"trading": rec.settings.trading.model_copy(
        update={"paper": PaperSettings(latency_ms=0.0)})})
    await run_backtest(instant, Options(db=rec.db, out=tmp_path / "instant",
                                        demo_rules=demo_instrument))
    without = {t[0]: t for t in trades(tmp_path / "instant" / "backtest.db")}
    first = alike[0]
    assert first[0] not in without or not _missed_slow_leg(without[first[0]]), \
        "with no latency the same legs fill"


WALKED = ("symbol, buy_venue, sell_venue, opened_ns, closed_ns, close_reason, size_peak,"
          " walk_size_peak, walk_profit_peak, walk_net_bps_peak, buy_vwap_peak, sell_vwap_peak,"
          " buy_worst_peak, sell_worst_peak, buy_levels_peak, sell_levels_peak")


def walked(db: Path) -> dict[tuple[str, str, str, int], tuple[object, ...]]:
    conn = sqlite3.connect(db)
    try:
        rows = conn.execute(f"SELECT {WALKED} FROM opportunities").fetchall()
    finally:
        conn.close()
    return {(r[0], r[1], r[2], r[3]): r[4:] for r in rows}


async def test_replay_of_a_run_at_depth_gives_the_walked_episodes_it_recorded(
        tmp_path: Path) -> None:
    """Books recorded with every update (`record_books_ms = 0`) replay into the same
    books the live engine walked: the same episodes, closed at the same times for the
    same reasons, with the same walked size, VWAPs, worst prices and levels. The run is
    `depthrun`'s (the live recorder and engine on moving L2 books), until the runtime
    keeps books from the simulator's depth channels."""
    db = tmp_path / "depth.db"
    settings = await record_depth_run(db)
    result = await run_backtest(settings, Options(db=db, out=tmp_path / "out"))
    live, replay = walked(db), walked(tmp_path / "out" / "backtest.db")
    assert len(live) >= 5, "the dislocations should open episodes"
    assert replay.keys() == live.keys()
    deeper = 0
    for key, row in live.items():
        got = replay[key]
        assert got[:2] == row[:2], key  # closed at, why
        assert got[2:] == pytest.approx(row[2:], rel=1e-12), key
        deeper += row[-1] > 1 or row[-2] > 1  # type: ignore[operator]
    assert deeper, "some gaps are walked past the top level"
    conn = sqlite3.connect(db)
    try:
        (books,) = conn.execute("SELECT count(*) FROM book_snapshots").fetchone()
    finally:
        conn.close()
    assert result.summary["book_snapshots"] == books > 0


async def test_replay_of_a_demo_run_at_depth_gives_its_walked_episodes(
        demo_depth_run: Recording, tmp_path: Path) -> None:
    """The demo run at depth (the simulator's depth channels, the feed's books, every book
    recorded) replays to the episodes it recorded, walked figures included."""
    result = await run_backtest(demo_depth_run.settings, Options(
        db=demo_depth_run.db, out=tmp_path, demo_rules=demo_instrument))
    live, replay = walked(demo_depth_run.db), walked(tmp_path / "backtest.db")
    assert len(live) >= 10, "the dislocating simulator should open many episodes"
    assert replay.keys() == live.keys()
    for key, row in live.items():
        assert replay[key][:2] == row[:2], key
        assert replay[key][2:] == pytest.approx(row[2:], rel=1e-9), key
    assert isinstance(result.summary["book_snapshots"], int)


async def test_books_recorded_once_a_second_replay_the_same_episodes(tmp_path: Path) -> None:
    """At the default `record_books_ms` (1000) the replayed books' tops follow the quotes
    between snapshots (`backtest.books`), so the same episodes open and close at the same
    times; only the walked figures are approximate (measured on this run: 13 of 32 walked
    profits differ, by up to 9.4%), being walked on deeper levels up to a second old."""
    db = tmp_path / "depth.db"
    settings = await record_depth_run(db, books_ms=1000)
    result = await run_backtest(settings, Options(db=db, out=tmp_path / "out"))
    live, replay = walked(db), walked(tmp_path / "out" / "backtest.db")
    assert replay.keys() == live.keys() and len(live) >= 5
    assert all(replay[k][:2] == row[:2] for k, row in live.items())
    assert result.summary["book_snapshots"] == 60  # 30 s, two books, once a second each


async def test_replay_of_a_paper_run_at_depth_makes_the_trades_it_made(
        demo_depth_run: Recording, tmp_path: Path) -> None:
    """Paper fills that walk the books, replayed on books recorded at every update, give
    the same trades and PnL as the live paper run at depth."""
    await assert_same_trades(demo_depth_run, tmp_path, at_least=1)
