"""What a front end sees of a running ArBot: `RuntimeView`.

The terminal UI, the REST API and headless mode all read the runtime through this one
Protocol and never import `arbot.runtime`: the runtime (or whoever builds it) hands
itself to them, so no front end and no part of the runtime import each other in a
circle, and a test can hand in a fake.
"""

from __future__ import annotations

from collections.abc import Coroutine, Mapping
from typing import Any, Protocol

from arbot.alerts.alert import AlertCounts
from arbot.config import ArbotSettings
from arbot.config.trading import TradingSettings
from arbot.depth.board import DepthBoard
from arbot.domain import Venue
from arbot.engine.board import QuoteBoard
from arbot.engine.episodes import Episodes
from arbot.engine.funnel import Funnel
from arbot.engine.view import SymbolView
from arbot.inventory.report import InventoryReport
from arbot.looplag import LoopLag
from arbot.privateevents import StreamStatus
from arbot.storage.rawlog import RawLog
from arbot.storage.recorder import Recorder
from arbot.storage.writer import Writer
from arbot.trading.drift import Drift
from arbot.trading.risk import TradingState
from arbot.venuefeeds import FeedBoard


class EngineView(Protocol):
    """The engine's counters and heartbeat (the UI, health), its books (the API's quotes),
    its episodes (the API's open opportunities, the status lines) and its own judgement of
    each symbol's quotes (the Prices screen's freshness and spreads)."""

    @property
    def funnel(self) -> Funnel: ...

    @property
    def heartbeat_ns(self) -> int: ...

    @property
    def board(self) -> QuoteBoard: ...

    @property
    def episodes(self) -> Episodes: ...

    def market_view(self) -> Mapping[str, SymbolView]: ...


class RiskView(Protocol):
    @property
    def reason(self) -> str: ...

    @property
    def open_exposure(self) -> float: ...

    @property
    def unsettled(self) -> Mapping[str, str]: ...


class LedgerView(Protocol):
    def snapshot(self) -> Mapping[Venue, Mapping[str, float]]: ...


class DriftView(Protocol):
    """Balance drifts (`arbot.trading.drift`): what is open, and the user's
    acknowledgement."""

    def open(self) -> Mapping[Venue, tuple[Drift, ...]]: ...

    def acknowledge(self, venue: Venue | None = None) -> list[Venue]: ...


class TraderView(Protocol):
    """What the front ends read from `arbot.trading.trader.Trader`, and the controls they
    call: pause, resume and the kill switch."""

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
    def last_rejection_ns(self) -> int | None: ...

    @property
    def ledger(self) -> LedgerView: ...

    @property
    def drift(self) -> DriftView: ...

    def private_streams(self) -> Mapping[Venue, StreamStatus]:
        """Each venue's private stream (live trading; empty on paper)."""
        ...

    @property
    def latencies_ns(self) -> list[int]: ...

    def funnel(self) -> Mapping[str, object]: ...

    def pause(self) -> None: ...

    def resume(self) -> None: ...

    def halt(self, reason: str) -> None: ...


class InventoryView(Protocol):
    """Inventory, transfer costs and the rebalance plan (`arbot.inventory`)."""

    def report(self) -> InventoryReport: ...

    def status_line(self, report: InventoryReport | None = None) -> str: ...

    @property
    def refused(self) -> Mapping[Venue, list[str]]: ...


class AlertsView(Protocol):
    def counts(self) -> AlertCounts: ...


class RuntimeView(Protocol):
    """The part of `arbot.runtime.Runtime` the front ends use."""

    @property
    def settings(self) -> ArbotSettings: ...

    @property
    def demo(self) -> bool: ...

    @property
    def started_ns(self) -> int: ...

    @property
    def board(self) -> FeedBoard: ...

    @property
    def engine(self) -> EngineView | None: ...

    @property
    def depth_board(self) -> DepthBoard | None:
        """Every L2 book kept (read-only for front ends: the Opportunities ladder reads it
        at refresh); None with `[market] depth = 1`, where no book is kept."""
        ...

    @property
    def trader(self) -> TraderView | None: ...

    @property
    def inventory(self) -> InventoryView | None: ...

    @property
    def writer(self) -> Writer | None: ...

    @property
    def recorder(self) -> Recorder | None: ...

    @property
    def raw_log(self) -> RawLog | None: ...

    @property
    def live_problem(self) -> str: ...

    @property
    def alerts(self) -> AlertsView | None:
        """None when no alert destination is set (ARBOT_ALERT_URLS)."""
        ...

    @property
    def loop_lag(self) -> LoopLag: ...

    @property
    def warnings(self) -> list[str]: ...

    @property
    def storage_problem(self) -> str: ...

    def coroutines(self) -> dict[str, Coroutine[Any, Any, Any]]: ...

    def apply(self, settings: ArbotSettings) -> list[Venue]: ...

    def arm_refusal(self) -> str | None: ...

    def arm_live(self) -> str | None: ...

    def disarm_live(self) -> None: ...
