"""ArBot as a systemd service (`deploy/arbot.service`, `Type=notify`).

* `READY=1` once the feeds are up: as many venues live as arbitrage needs (two, or every
  enabled venue when fewer are enabled), the rule `/api/health` also applies. Until then
  systemd reports the service as starting, and `TimeoutStartSec=` bounds the wait.
* `WATCHDOG=1` every half `WatchdogSec=`, but only while the engine's heartbeat (the
  engine clock's turn, `Runtime.beat_ns`) is fresh: a stalled engine or a blocked event
  loop stops the pings, and systemd kills and restarts ArBot.
* `STATUS=` with the venues live, shown by `systemctl status arbot`.
* `STOPPING=1` as the stop begins (`stopping()`), so systemd waits for the clean stop.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

from arbot.domain import FeedState
from arbot.sdnotify import Notifier
from arbot.view import RuntimeView

log = logging.getLogger("arbot")

STALL_S = 2.0  # the engine clock turns every 0.1 s; this long without a turn is a stall
STATUS_EVERY_S = 5.0  # how often the status is refreshed when there is no watchdog


def feeds_up(runtime: RuntimeView) -> tuple[bool, str]:
    """Whether enough venues are live to call the service ready, and the status text."""
    states = runtime.board.venue_states()
    enabled = runtime.settings.exchanges.enabled_venues()
    live = [v for v in enabled if states.get(v) is FeedState.LIVE]
    text = f"{len(live)} of {len(enabled)} venues live" + (
        f" ({', '.join(live)})" if live else "")
    return len(live) >= min(2, len(enabled)), text


def beat_age_s(beat_ns: int, now_ns: int) -> float | None:
    """Seconds since the engine clock's last turn (None: it has not turned yet)."""
    return None if beat_ns == 0 else max(0.0, (now_ns - beat_ns) / 1e9)


async def tell_systemd(notifier: Notifier, runtime: RuntimeView, beat_ns: Callable[[], int],
                       *, mono_ns: Callable[[], int] = time.monotonic_ns) -> None:
    """Tell systemd how the run is doing until cancelled (see the module docstring)."""
    every_s = notifier.watchdog_s / 2 if notifier.watchdog_s else STATUS_EVERY_S
    ready, status, stalled = False, "", False
    while True:
        up, text = feeds_up(runtime)
        if up and not ready:
            ready = True
            log.info("ready: %s (systemd notified)", text)
            notifier.send(READY="1", STATUS=text)
        elif text != status:
            notifier.send(STATUS=text if ready else f"starting: {text}")
        status = text
        age = beat_age_s(beat_ns(), mono_ns())
        fresh = age is None or age <= STALL_S  # before the first turn it is starting up
        if notifier.watchdog_s and fresh:
            notifier.send(WATCHDOG="1")
        if not fresh and not stalled:
            log.error("engine stalled: no heartbeat for %.1f s; watchdog pings stop, so "
                      "systemd restarts ArBot", age)
        stalled = not fresh
        await asyncio.sleep(every_s)


class Systemd:
    """`async with Systemd(runtime, beat_ns):` around a run: tells systemd from before the
    runtime starts (the watchdog may count from the moment systemd started us) until
    `stopping()`. Does nothing when systemd did not start us."""

    def __init__(self, runtime: RuntimeView, beat_ns: Callable[[], int],
                 notifier: Notifier | None = None) -> None:
        self.notifier = notifier or Notifier()
        self._runtime, self._beat_ns = runtime, beat_ns
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> Systemd:
        if self.notifier.enabled:
            self._task = asyncio.create_task(
                tell_systemd(self.notifier, self._runtime, self._beat_ns), name="systemd")
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._cancel()
        self.notifier.close()

    def stopping(self, why: str) -> None:
        """The stop begins: no more pings (the engine clock is about to stop), and systemd
        waits for the clean stop instead of expecting them."""
        self._cancel()
        self.notifier.send(STOPPING="1", STATUS=f"stopping: {why}")

    def _cancel(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self._task = None
