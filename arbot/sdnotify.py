"""systemd's notify protocol: `READY=1`, `WATCHDOG=1`, `STATUS=...`, `STOPPING=1` as
datagrams to the socket named by `$NOTIFY_SOCKET`.

A few lines over the socket rather than a dependency (sd_notify(3), "Notes": the
protocol is one datagram of newline-separated `KEY=VALUE` assignments to the AF_UNIX
socket in `$NOTIFY_SOCKET`, where a leading `@` names an abstract socket). Outside
systemd the variable is unset and every call does nothing. A send that fails is
logged once and never raised: the service manager going away must not stop trading.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Mapping

log = logging.getLogger("arbot")


class Notifier:
    """The service manager's notify socket, or nothing when not run by one."""

    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        env = os.environ if environ is None else environ
        name = env.get("NOTIFY_SOCKET", "")
        self.address = "\0" + name[1:] if name.startswith("@") else name
        self.watchdog_s = _watchdog_s(env)
        self._sock: socket.socket | None = None
        self._failed = False
        if self.address:
            self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC)
            self._sock.setblocking(False)

    @property
    def enabled(self) -> bool:
        return self._sock is not None

    def send(self, **fields: str) -> bool:
        """One datagram: `send(READY="1", STATUS="4 venues live")`; False if not sent."""
        if self._sock is None:
            return False
        text = "\n".join(f"{k}={v.replace(chr(10), ' ')}" for k, v in fields.items())
        try:
            self._sock.sendto(text.encode(), self.address)
        except OSError as exc:
            if not self._failed:
                self._failed = True
                log.warning("cannot notify systemd at %s: %s", self.address.lstrip("\0"),
                            exc.strerror or exc)
            return False
        self._failed = False
        return True

    def close(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None


def _watchdog_s(env: Mapping[str, str]) -> float | None:
    """The watchdog interval `WatchdogSec=` set, in seconds, if it is meant for this
    process (sd_watchdog_enabled(3): `WATCHDOG_PID`, when set, must be our pid)."""
    usec, pid = env.get("WATCHDOG_USEC", ""), env.get("WATCHDOG_PID", "")
    if not usec.isdigit() or int(usec) == 0 or (pid and pid != str(os.getpid())):
        return None
    return int(usec) / 1e6
