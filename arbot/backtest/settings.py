"""Which settings a replay uses: each recorded run's own, or the configuration's.

Every run stores what decided its episodes (`arbot.config.run.run_settings`: market, strategy,
filters and the taker fees). Replaying a run with those reproduces it; replaying with
`--config` asks "what would these settings have found". Trading settings are not stored
with runs, so they always come from the configuration, made backtest-safe: never live
(see `backtest_trading`).
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
    """Paper, whatever the configured mode (off stays off), with the paper account's
    latencies, rejects and partial fills as configured: a backtest trades as the paper
    trader would have, its orders filling against the books as they are when they arrive
    (on the replay clock, `arbot.backtest.timers`)."""
    mode = TradingMode.OFF if settings.mode == TradingMode.OFF else TradingMode.PAPER
    return settings.model_copy(update={"mode": mode})

