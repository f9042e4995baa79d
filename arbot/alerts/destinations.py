"""Where alerts go: one Apprise URL per destination, each delivered on its own thread.

The URLs come from `ARBOT_ALERT_URLS` only (comma-separated): they carry bot tokens and
webhook keys, so they never live in settings, and nothing here ever prints one. A
destination is named by its place in the list and its service ("alert destination 2
(JSON)"), and Apprise's own log lines, which can quote a host or path, are silenced.

Each destination has a bounded queue and a daemon thread. A send that fails is reported
once, then retried with a doubling backoff until it succeeds (alerts wait meanwhile; past
the queue's size the oldest are dropped, counted). A slow or dead destination therefore
never delays another, and never the event loop, which only appends to a queue.
"""

from __future__ import annotations

import logging
import os
import threading
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import apprise

log = logging.getLogger("arbot.alerts")

URLS_ENV = "ARBOT_ALERT_URLS"
QUEUE_SIZE = 100
BACKOFF_S = (5.0, 300.0)  # first retry after 5 s, doubling up to 5 minutes

Send = Callable[[str, str], bool]  # (title, body) -> delivered


@dataclass
class DestinationStats:
    delivered: int = 0
    failed_attempts: int = 0
    dropped: int = 0  # pushed out of a full queue while the destination was failing
    failing: bool = False


def alert_urls(environ: Mapping[str, str] | None = None) -> list[str]:
    """The destinations in `ARBOT_ALERT_URLS`, blanks skipped (a trailing comma is fine)."""
    text = (os.environ if environ is None else environ).get(URLS_ENV, "")
    return [u.strip() for u in text.split(",") if u.strip()]


def apprise_sender(url: str) -> tuple[str, Send] | None:
    """(service name, send) for one URL, or None when Apprise cannot send to it."""
    logging.getLogger("apprise").setLevel(logging.CRITICAL + 1)  # its lines may quote a URL
    notifier = apprise.Apprise()
    if not notifier.add(url):
        return None
    name = str(notifier[0].service_name)

    def send(title: str, body: str) -> bool:
        return bool(notifier.notify(body=body, title=title))
    return name, send


def unusable(index: int, url: str) -> str:
    """Why entry `index` (1-based) was skipped, naming at most its scheme."""
    scheme, sep, _ = url.partition("://")
    what = f"scheme {scheme}://" if sep and scheme.isalnum() else "not a URL"
    return (f"{URLS_ENV} entry {index} cannot be sent to ({what}); it is skipped "
            "(see https://github.com/caronc/apprise/wiki for the URL forms)")


class Destination:
    """One destination's queue and delivery thread (see the module docstring)."""

    def __init__(self, position: int, service: str, send: Send, *,
                 queue_size: int = QUEUE_SIZE, backoff_s: tuple[float, float] = BACKOFF_S
                 ) -> None:
        self.position = position  # in ARBOT_ALERT_URLS, from 1
        self.service = service  # Apprise's name for it: "JSON", "Telegram"
        self.label = f"alert destination {position} ({service})"  # never the URL
        self.stats = DestinationStats()
        self._send = send
        self._backoff = backoff_s
        self._queue: deque[tuple[int, str, str]] = deque()
        self._size = queue_size
        self._seq = 0
        self._cond = threading.Condition()
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name=f"arbot-alerts-{position}",
                                        daemon=True)

    def start(self) -> None:
        self._thread.start()

    def put(self, title: str, body: str) -> None:
        """Queue an alert; never waits (a full queue drops its oldest)."""
        with self._cond:
            if len(self._queue) >= self._size:
                self._queue.popleft()
                self.stats.dropped += 1
            self._seq += 1
            self._queue.append((self._seq, title, body))
            self._cond.notify()

    def close(self, grace_s: float) -> None:
        """Stop after one more try at what is queued, waiting at most `grace_s`: a thread
        still inside a send is left to finish on its own (a daemon, it ends with us)."""
        with self._cond:
            self._stopping = True
            self._cond.notify()
        if self._thread.is_alive():
            self._thread.join(grace_s)

    def _run(self) -> None:
        wait = self._backoff[0]
        while True:
            with self._cond:
                while not self._queue and not self._stopping:
                    self._cond.wait()
                if not self._queue:
                    return
                seq, title, body = self._queue[0]
            if self._attempt(title, body):
                wait = self._backoff[0]
                with self._cond:
                    if self._queue and self._queue[0][0] == seq:
                        self._queue.popleft()
                continue
            with self._cond:
                if self._stopping:
                    return
                self._cond.wait_for(lambda: self._stopping, wait)
            wait = min(self._backoff[1], wait * 2)

    def _attempt(self, title: str, body: str) -> bool:
        try:
            ok = self._send(title, body)
        except Exception as exc:  # a plugin's bug must not end the thread
            log.debug("%s raised %s", self.label, type(exc).__name__)
            ok = False
        s = self.stats
        if ok:
            s.delivered += 1
            if s.failing:
                s.failing = False
                log.warning("%s is delivering again (%d alert(s) dropped while it failed)",
                            self.label, s.dropped)
            return True
        s.failed_attempts += 1
        if not s.failing:
            s.failing = True
            log.warning("%s failed to deliver an alert; retrying with backoff from %g s to "
                        "%g s, alerts wait meanwhile (reported once until it recovers)",
                        self.label, *self._backoff)
        return False


def build_destinations(urls: list[str], warnings: list[str]) -> list[Destination]:
    """A destination per usable URL; each unusable one is named (by position) in
    `warnings` and the log."""
    out = []
    for index, url in enumerate(urls, 1):
        built = apprise_sender(url)
        if built is None:
            why = unusable(index, url)
            log.warning("%s", why)
            warnings.append(why)
            continue
        name, send = built
        out.append(Destination(index, name, send))
    return out
