"""Runs become segments as the live runtime lived them: one fresh engine per start of
ArBot with the settings that run stored, free segments between and around runs."""

from __future__ import annotations

import json

from arbot.backtest.segments import containing, plan
from arbot.backtest.settings import backtest_trading, recorded_settings
from arbot.backtest.source import RecordedRun
from arbot.config import ArbotSettings
from arbot.config.run import run_settings
from arbot.domain import Venue

BASE = ArbotSettings()
STORED = json.dumps(run_settings(ArbotSettings.model_validate(
    {"strategy": {"min_net_profit_bps": 7.5}, "market": {"symbols": ["SOL-USDT"]},
     "exchanges": {"okx": {"taker_fee_bps": 8.0}}})))


def test_runs_gaps_and_a_crashed_run_tile_the_timeline() -> None:
    runs = [RecordedRun(1, 100, 200, True, STORED), RecordedRun(2, 300, None, False, None),
            RecordedRun(3, 500, 600, False, "{not json")]
    segs = plan(runs, BASE, use_run_settings=True, has_events=lambda a, b: a != 500)
    assert [(s.start_ns, s.run.id if s.run else None, s.settings_from, s.venue_states)
            for s in segs] == [(None, None, "config", False), (100, 1, "run", True),
                               (200, None, "config", False),
                               (300, 2, "config", True),  # crashed: lasts until run 3
                               (500, 3, "config", False), (600, None, "config", False)]
    recorded = segs[1].settings
    assert recorded.strategy.min_net_profit_bps == 7.5
    assert recorded.market.symbols == ["SOL-USDT"]
    assert recorded.exchanges.for_venue(Venue.OKX).taker_fee_bps == 8.0
    assert recorded.trading == BASE.trading  # trading is never stored with a run
    assert [containing(segs, t) for t in (None, 50, 100, 250, 450, 599, 700)] == [
        0, 0, 1, 2, 3, 4, 5]
    assert plan(runs, BASE, use_run_settings=False, has_events=lambda a, b: True)[1] \
        .settings_from == "config"
    assert [s.run for s in plan([], BASE, use_run_settings=True,
                                has_events=lambda a, b: True)] == [None]


def test_backtests_trade_on_paper_with_the_paper_latency_and_never_live() -> None:
    live = ArbotSettings.model_validate({"trading": {"mode": "live", "paper": {
        "latency_ms": 7, "venue_latency_ms": {"okx": 30}}}}).trading
    t = backtest_trading(live)
    assert (t.mode, t.paper) == ("paper", live.paper)
    off = ArbotSettings.model_validate({"trading": {"mode": "off"}}).trading
    assert backtest_trading(off).mode == "off"
    assert recorded_settings(BASE, None) is None
    assert recorded_settings(BASE, '{"market": {}}') is None
