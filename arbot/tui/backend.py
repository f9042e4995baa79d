"""What the app runs on: the runtime as the UI sees it, and the factory that builds it.

The app takes a factory rather than a runtime, so it can hand the runtime its own sink;
tests and snapshots pass a factory of fakes through the same `build_app` as `arbot`.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any, Protocol

from arbot.config import ArbotSettings
from arbot.config_trading import TradingSettings
from arbot.domain import Venue
from arbot.runtime import Runtime
from arbot.sim import SimConfig
from arbot.trading.risk import TradingState
from arbot.tui.tradedata import TradingStatus


class FunnelView(Protocol):
    def as_dict(self) -> dict[str, object]: ...


class EngineView(Protocol):
    """What the UI reads from the engine: its counters and its heartbeat."""

    @property
    def funnel(self) -> FunnelView: ...

    @property
    def heartbeat_ns(self) -> int: ...


class RiskView(Protocol):
    @property
    def reason(self) -> str: ...

    @property
    def open_exposure(self) -> float: ...


class LedgerView(Protocol):
    def snapshot(self) -> Mapping[Venue, Mapping[str, float]]: ...


class TraderView(Protocol):
    """What the UI reads from `arbot.trading.trader.Trader` each tick, and the controls
    it calls: pause, resume and the kill switch."""

    @property
    def settings(self) -> TradingSettings: ...

    @property
    def state(self) -> TradingState: ...

    @property
    def risk(self) -> RiskView: ...

    @property
    def armed(self) -> bool: ...

    @property
    def trades(self) -> int: ...

    @property
    def realized(self) -> float: ...

    @property
    def rejections(self) -> Mapping[str, int]: ...

    @property
    def last_rejection(self) -> str: ...

    @property
    def ledger(self) -> LedgerView: ...

    def pause(self) -> None: ...

    def resume(self) -> None: ...

    def halt(self, reason: str) -> None: ...


class RuntimeView(Protocol):
    """The part of `arbot.runtime.Runtime` the app uses (a test can supply a fake)."""

    @property
    def engine(self) -> EngineView | None: ...

    @property
    def trader(self) -> TraderView | None: ...

    @property
    def live_problem(self) -> str: ...

    @property
    def warnings(self) -> list[str]: ...

    @property
    def storage_problem(self) -> str: ...

    def coroutines(self) -> dict[str, Coroutine[Any, Any, Any]]: ...

    def apply(self, settings: ArbotSettings) -> list[Venue]: ...

    def arm_live(self) -> str | None: ...

    def disarm_live(self) -> None: ...


def trading_status(runtime: RuntimeView) -> TradingStatus | None:
    """The trader's state and counters right now; None when trading is off."""
    trader = runtime.trader
    if trader is None:
        return None
    balances = {venue.value: dict(assets) for venue, assets in trader.ledger.snapshot().items()}
    return TradingStatus(trader.settings.mode, trader.state.value, trader.risk.reason,
                         trader.armed, trader.trades, trader.realized,
                         trader.risk.open_exposure, trader.settings.max_open_exposure,
                         dict(trader.rejections),
                         trader.last_rejection, balances, runtime.live_problem)


RuntimeFactory = Callable[[Sequence[object]], AbstractAsyncContextManager[RuntimeView]]


def runtime_factory(settings: ArbotSettings, *, demo: bool,
                    sim_config: SimConfig | None = None) -> RuntimeFactory:
    """The real backend: a `Runtime` that also feeds the given sinks."""

    def build(sinks: Sequence[object]) -> Runtime:
        return Runtime(settings, demo=demo, sinks=sinks, sim_config=sim_config)

    return build
