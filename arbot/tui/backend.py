"""What the app runs on: the factory that builds the runtime, and what the UI reads of it
(through `arbot.view.RuntimeView`, the view every front end shares).

The app takes a factory rather than a runtime, so it can hand the runtime its own sink;
tests and snapshots pass a factory of fakes through the same `build_app` as `arbot`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager

from arbot.config import ArbotSettings
from arbot.demo import SimConfig
from arbot.events import Sink
from arbot.runtime import Runtime
from arbot.trading.streaminbox import streams_line
from arbot.tui.tradedata import TradingStatus
from arbot.view import RuntimeView


def trading_status(runtime: RuntimeView) -> TradingStatus | None:
    """The trader's state and counters right now; None when trading is off."""
    trader = runtime.trader
    if trader is None:
        return None
    balances = {venue.value: dict(assets) for venue, assets in trader.ledger.snapshot().items()}
    return TradingStatus(trader.settings.mode, trader.state, trader.risk.reason,
                         trader.armed, trader.trades, trader.realized,
                         trader.risk.open_exposure, trader.settings.max_open_exposure,
                         dict(trader.rejections),
                         trader.last_rejection, balances, runtime.live_problem,
                         dict(trader.risk.unsettled),
                         tuple(d for ds in trader.drift.open().values() for d in ds),
                         streams_line(trader.private_streams()),
                         trader.last_rejection_ns)


RuntimeFactory = Callable[[Sequence[Sink]], AbstractAsyncContextManager[RuntimeView]]


def runtime_factory(settings: ArbotSettings, *, demo: bool,
                    sim_config: SimConfig | None = None) -> RuntimeFactory:
    """The real backend: a `Runtime` that also feeds the given sinks."""

    def build(sinks: Sequence[Sink]) -> Runtime:
        return Runtime(settings, demo=demo, sinks=sinks, sim_config=sim_config)

    return build
