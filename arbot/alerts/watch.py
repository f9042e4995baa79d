"""The conditions no event announces, looked at every second from a thread of their own:
trading HALTED (by the kill switch, a signal, the API or a limit: whoever called it),
the engine's heartbeat stalled, the database refusing writes.

A thread, not a task: an event loop that is stuck (a blocking call, a runaway handler)
stops every task, including one that would notice; this thread still runs, reads the
heartbeat the loop no longer moves, and says so. It only reads plain values the loop
writes, and never calls into the loop.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from arbot.alerts.alert import Alert, AlertKind
from arbot.config.alerts import AlertsSettings
from arbot.trading.risk import TradingState
from arbot.view import RuntimeView

log = logging.getLogger("arbot.alerts")

CHECK_S = 1.0
DB_FAILURES = 3  # failed flushes in a row before a database that retries is alerted


class Watch:
    def __init__(self, runtime: RuntimeView, settings: Callable[[], AlertsSettings],
                 emit: Callable[[Alert], None], *,
                 mono_ns: Callable[[], int] = time.monotonic_ns,
                 wall_ns: Callable[[], int] = time.time_ns) -> None:
        """`mono_ns` must be the engine's clock (its heartbeat is on it)."""
        self._rt = runtime
        self._settings = settings
        self._emit = emit
        self._mono = mono_ns
        self._wall = wall_ns
        self.halted: str | None = None  # the halt's reason, once seen
        self.stalled = False  # the heartbeat, as last seen
        self._db_problem = ""
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="arbot-alerts-watch",
                                        daemon=True)

    def start(self) -> None:
        self._thread.start()

    def close(self) -> None:
        """Look once more (a halt just before the stop is still told), then stop."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(CHECK_S * 2)
        self.check()

    def _run(self) -> None:
        while not self._stop.wait(CHECK_S):
            try:
                self.check()
            except Exception:  # a bug here must not end the watch, nor touch trading
                log.exception("the alerts' watch failed; it keeps watching")

    def check(self) -> None:
        s = self._settings()
        self._check_halt(s)
        self._check_heartbeat(s)
        self._check_database(s)

    def _alert(self, kind: AlertKind, subject: str, title: str, body: str) -> None:
        self._emit(Alert(kind=kind, subject=subject, title=title, body=body,
                         ts_ns=self._wall()))

    def _check_halt(self, s: AlertsSettings) -> None:
        trader = self._rt.trader
        if trader is None or trader.state is not TradingState.HALTED:
            self.halted = None
            return
        reason = trader.risk.reason
        if reason != self.halted:
            self.halted = reason
            if s.halted:
                self._alert(AlertKind.HALTED, reason, f"trading HALTED: {reason}",
                            f"Trading is HALTED ({reason}); open orders are being "
                            "cancelled and no new trade starts until it is resumed.")

    def _check_heartbeat(self, s: AlertsSettings) -> None:
        engine = self._rt.engine
        beat = engine.heartbeat_ns if engine is not None else 0
        if not beat:  # not started yet: nothing to call stalled
            return
        age_s = (self._mono() - beat) / 1e9
        stalled = age_s >= s.heartbeat_stall_s
        if stalled and not self.stalled and s.heartbeat:
            self._alert(AlertKind.HEARTBEAT_STALLED, "engine", "engine heartbeat stalled",
                        f"The engine has not ticked (no quote, no sweep) for {age_s:.0f} s: "
                        "its event loop is blocked or its clock task ended.")
        self.stalled = stalled

    def _check_database(self, s: AlertsSettings) -> None:
        problem = self._rt.storage_problem
        writer = self._rt.writer
        if not problem and writer is not None \
                and writer.stats.consecutive_failures >= DB_FAILURES:
            problem = (f"{writer.stats.consecutive_failures} writes in a row failed "
                       f"(retrying): {writer.stats.last_error}")
        if problem and not self._db_problem and s.database:
            subject = "stopped" if self._rt.storage_problem else "failing"
            self._alert(AlertKind.DATABASE, subject, "database refusing writes",
                        f"The database refuses writes: {problem}.")
        self._db_problem = problem
