"""`Alerts`: the sink the runtime fans events into, the watch thread, the gate and the
destinations, started and stopped together.

`emit` is the one way out, called from the event loop (the sink) and from the watch
thread: under a lock it asks the gate, then appends to each destination's queue. It never
waits on a network, so an alert costs the loop the same whether every destination is up,
slow or gone.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping

from arbot.alerts.alert import Alert, AlertCounts, AlertKind, DestinationCounts
from arbot.alerts.destinations import Destination, alert_urls, build_destinations
from arbot.alerts.gate import Gate
from arbot.alerts.sink import AlertSink
from arbot.alerts.watch import Watch
from arbot.config.alerts import AlertsSettings
from arbot.timefmt import format_time_ns
from arbot.view import RuntimeView

log = logging.getLogger("arbot.alerts")

CLOSE_S = 3.0  # what the stop waits for the last alerts (a HALTED at shutdown) to leave


class Alerts(AlertSink):
    def __init__(self, settings: AlertsSettings, destinations: list[Destination], *,
                 demo: bool = False, mono_ns: Callable[[], int] = time.monotonic_ns,
                 wall_ns: Callable[[], int] = time.time_ns) -> None:
        super().__init__(settings, self.emit, wall_ns=wall_ns)
        self.destinations = destinations
        self._gate = Gate(settings.dedup_s, settings.max_per_hour)
        self._lock = threading.Lock()
        self._mono = mono_ns
        self._prefix = "ArBot DEMO" if demo else "ArBot"  # a simulated gap is never news
        self.sent: Counter[AlertKind] = Counter()
        self.watch: Watch | None = None

    @property
    def duplicates(self) -> Counter[AlertKind]:
        return self._gate.duplicates

    def counts(self) -> AlertCounts:
        """A copy taken under the lock: the watch thread may be adding to them."""
        with self._lock:
            sent, dup = dict(self.sent), dict(self._gate.duplicates)
            limited = dict(self._gate.rate_limited)
        return AlertCounts(sent=sent, duplicates=dup, rate_limited=limited, destinations=[
            DestinationCounts(position=d.position, service=d.service,
                              delivered=d.stats.delivered,
                              failed_attempts=d.stats.failed_attempts,
                              dropped=d.stats.dropped, failing=d.stats.failing)
            for d in self.destinations])

    def apply(self, settings: AlertsSettings) -> None:
        """New events and thresholds, in place (the settings screen saved)."""
        with self._lock:
            self.settings = settings
            self._gate.dedup_ns = round(settings.dedup_s * 1e9)
            self._gate.max_per_hour = settings.max_per_hour

    def emit(self, alert: Alert) -> None:
        with self._lock:
            held = self._gate.admit(alert.kind, alert.subject, self._mono())
            if held is None:
                return
            self.sent[alert.kind] += 1
        title = f"{self._prefix}: {alert.title}"
        body = f"{alert.body}\nAt {format_time_ns(alert.ts_ns)}."
        if held:
            body += f"\n({held} more {alert.kind} alert(s) held back by the rate limit)"
        log.info("alert %s: %s", alert.kind, alert.title)
        for destination in self.destinations:
            destination.put(title, body)

    def start(self, runtime: RuntimeView) -> None:
        """The destinations' threads and the watch over `runtime`."""
        for destination in self.destinations:
            destination.start()
        self.watch = Watch(runtime, lambda: self.settings, self.emit, mono_ns=self._mono,
                            wall_ns=self._wall)
        self.watch.start()
        log.info("alerts to %s", ", ".join(d.label for d in self.destinations))

    def close(self, grace_s: float = CLOSE_S) -> None:
        """Stop watching, then give what is queued up to `grace_s` to leave."""
        if self.watch is not None:
            self.watch.close()
        end = time.monotonic() + grace_s
        for destination in self.destinations:
            destination.close(max(0.0, end - time.monotonic()))


def alerts_from_env(settings: AlertsSettings, warnings: list[str], *, demo: bool,
                    environ: Mapping[str, str] | None = None) -> Alerts | None:
    """Alerts to the usable destinations in ARBOT_ALERT_URLS; None when there are none."""
    destinations = build_destinations(alert_urls(environ), warnings)
    return Alerts(settings, destinations, demo=demo) if destinations else None
