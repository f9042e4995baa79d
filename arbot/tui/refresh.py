"""The refresh tick: once per `ui.refresh_ms` the sink posts what it coalesced since the
last tick as one `MarketTick`, together with the engine's counters and market view, the
trader's state and a reference to the L2 books (read only by the Opportunities ladder,
while it is on show), so the screens redraw at a steady rate however fast quotes arrive
(docs/design.md, "The screen shows the engine's numbers").
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from textual.app import App
from textual.timer import Timer

from arbot.inventory.report import InventoryReport
from arbot.tui.backend import trading_status
from arbot.tui.messages import TuiSink
from arbot.view import RuntimeView

INVENTORY_EVERY_S = 1.0


class RefreshTimer:
    """Flushes `sink` on `app`'s timer, reading the engine and the trader of `runtime()`
    (None until the runtime has started: then the tick carries only quotes and statuses)."""

    def __init__(self, app: App[Any], sink: TuiSink,
                 runtime: Callable[[], RuntimeView | None]) -> None:
        self._app = app
        self._sink = sink
        self._runtime = runtime
        self._timer: Timer | None = None
        self._inventory_at = 0.0

    def start(self, refresh_ms: int) -> None:
        """Tick every `refresh_ms` from now on, in place of any earlier interval."""
        if self._timer is not None:
            self._timer.stop()
        self._timer = self._app.set_interval(refresh_ms / 1000, self.flush, name="ui-refresh")

    def flush(self) -> None:
        """Have the sink post this tick's coalesced data."""
        runtime = self._runtime()
        engine = runtime.engine if runtime is not None else None
        trading = trading_status(runtime) if runtime is not None else None
        depth = runtime.depth_board if runtime is not None else None
        inventory = self._inventory(runtime)
        if engine is None:
            self._sink.flush(trading=trading, depth_board=depth, inventory=inventory)
        else:
            self._sink.flush(engine.funnel.as_dict(), engine.heartbeat_ns, trading,
                             engine.market_view(), depth, inventory)

    def _inventory(self, runtime: RuntimeView | None) -> InventoryReport | None:
        """A new inventory report at most once a second (it walks every direction of
        every pair: not worth doing per tick); None between."""
        inv = runtime.inventory if runtime is not None else None
        now = time.monotonic()
        if inv is None or now - self._inventory_at < INVENTORY_EVERY_S:
            return None
        self._inventory_at = now
        return inv.report()
