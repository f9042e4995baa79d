"""Which settings a replay uses: each recorded run's own, or the configuration's.

Every run stores what decided its episodes (`arbot.config.run.run_settings`: market, strategy,
filters and the taker fees). Replaying a run with those reproduces it; replaying with
`--config` asks "what would these settings have found". Trading settings are not stored
with runs, so they always come from the configuration, made backtest-safe: never live,
and a paper account whose orders arrive at once (see `backtest_trading`).
"""

from __future__ import annotations

import json

from pydantic import ValidationError

from arbot.config import ArbotSettings
from arbot.config.filters import FiltersSettings
from arbot.config.sections import MarketSettings, StrategySettings
from arbot.config.trading import TradingSettings
from arbot.domain import Venue
from arbot.tradekinds import TradingMode


def recorded_settings(base: ArbotSettings, stored: str | None) -> ArbotSettings | None:
    """`base` with a run's stored market, strategy, filters and taker fees; None when the
    run stored none or they do not validate here (a run recorded by another version)."""
    if not stored:
        return None
    try:
        data = json.loads(stored)
        market = MarketSettings.model_validate(data["market"])
        strategy = StrategySettings.model_validate(data["strategy"])
        filters = FiltersSettings.model_validate(data["filters"])
        fees = {Venue(k): float(v) for k, v in data["taker_fee_bps"].items()}
        exchanges = base.exchanges.model_copy(update={
            v.value: base.exchanges.for_venue(v).model_copy(update={"taker_fee_bps": bps})
            for v, bps in fees.items()})
    except (ValueError, KeyError, TypeError, ValidationError):
        return None
    return base.model_copy(update={"market": market, "strategy": strategy, "filters": filters,
                                   "exchanges": exchanges})


def backtest_trading(settings: TradingSettings) -> TradingSettings:
    """Paper, whatever the configured mode (off stays off), with no simulated latency.

    Latency 0: each order fills against the book of the quote that made the episode
    tradeable, and the replay waits for the trade to settle before the next quote, so
    results are deterministic. Latency on the replay clock would also need the leg-risk
    deadline on that clock (today it is the process's monotonic clock).
    """
    mode = TradingMode.OFF if settings.mode == TradingMode.OFF else TradingMode.PAPER
    paper = settings.paper.model_copy(update={"latency_ms": 0.0})
    return settings.model_copy(update={"mode": mode, "paper": paper})

