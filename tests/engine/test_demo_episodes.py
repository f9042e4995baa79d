"""A demo run records episodes; each is confirmed from the recorded quotes alone.

The runtime is the one `arbot --demo --no-ui` runs, with more frequent dislocations so a
short run sees many episodes. The check reads only the database: the quotes table, the
episode rows and the run's stored settings, and uses SQLite and arithmetic, not ArBot.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from pathlib import Path

from arbot.config import ArbotSettings
from arbot.runtime import Runtime
from arbot.sim import SimConfig
from arbot.sim.config import Dislocations


async def record_demo(db: Path, seconds: float) -> None:
    settings = ArbotSettings.model_validate({
        "market": {"symbols": ["BTC-USDT", "ETH-USDT"]},
        "storage": {"path": str(db), "record_quotes": "all", "flush_ms": 50},
    })
    sim = SimConfig(symbols=("BTC-USDT", "ETH-USDT"), rate=100, seed=11,
                    dislocations=Dislocations(rate_per_s=3.0, size_bps=45.0, life_s=0.8))
    async with Runtime(settings, demo=True, sim_config=sim) as runtime:
        await runtime.run(duration=seconds)


def test_recorded_episodes_are_confirmed_by_the_recorded_quotes(tmp_path: Path) -> None:
    db = tmp_path / "demo.db"
    asyncio.run(record_demo(db, 10.0))
    conn = sqlite3.connect(db)
    (settings_json, funnel_json) = conn.execute("SELECT settings, funnel FROM runs").fetchone()
    run = json.loads(settings_json)
    fees = {venue: bps / 1e4 for venue, bps in run["taker_fee_bps"].items()}
    strategy = run["strategy"]
    episodes = conn.execute(
        "SELECT symbol, buy_venue, sell_venue, opened_ns, closed_ns, net_bps_open, buy_ask,"
        " sell_bid, buy_ask_size, sell_bid_size, buy_quote_ns, sell_quote_ns, size_peak,"
        " buy_fee_bps, sell_fee_bps FROM opportunities").fetchall()
    assert len(episodes) >= 5, "the dislocating simulator should open several episodes"
    for (symbol, buy, sell, opened, closed, net_bps, ask, bid, ask_size, bid_size, buy_ns,
         sell_ns, size_peak, buy_fee_bps, sell_fee_bps) in episodes:
        # The exact quotes it was built from were recorded.
        assert conn.execute(
            "SELECT COUNT(*) FROM quotes WHERE venue=? AND symbol=? AND ts_recv_ns=?"
            " AND ask=? AND ask_size=?", (buy, symbol, buy_ns, ask, ask_size)).fetchone()[0] == 1
        assert conn.execute(
            "SELECT COUNT(*) FROM quotes WHERE venue=? AND symbol=? AND ts_recv_ns=?"
            " AND bid=? AND bid_size=?", (sell, symbol, sell_ns, bid, bid_size)).fetchone()[0] == 1
        # Each was that venue's latest quote when the episode opened.
        for venue, t in ((buy, buy_ns), (sell, sell_ns)):
            newer = conn.execute(
                "SELECT COUNT(*) FROM quotes WHERE venue=? AND symbol=? AND ts_recv_ns>? AND"
                " ts_recv_ns<=?", (venue, symbol, t, opened)).fetchone()[0]
            assert newer == 0
        # Fresh at open: each venue's latest recorded state before it was live (the run's
        # rule, strategy.quote_freshness = "connection"; quiet quotes are not stale).
        assert strategy["quote_freshness"] == "connection"
        for venue in (buy, sell):
            (state,) = conn.execute(
                "SELECT kind FROM feed_events WHERE venue=? AND ts_ns<=? ORDER BY ts_ns DESC,"
                " id DESC LIMIT 1", (venue, opened)).fetchone()
            assert state == "live", (venue, opened)
        # The net, recomputed with the run's configured fees.
        assert (buy_fee_bps, sell_fee_bps) == (fees[buy] * 1e4, fees[sell] * 1e4)
        recomputed = (bid * (1 - fees[sell]) - ask * (1 + fees[buy])) / ask * 1e4
        assert abs(recomputed - net_bps) <= 1e-9
        assert net_bps >= strategy["min_net_profit_bps"]
        assert size_peak > 0
        assert closed is not None and closed >= opened  # the run closed everything it opened
    funnel = json.loads(funnel_json)
    assert funnel["quotes"] > 1000 and funnel["crossed"] >= len(episodes)
