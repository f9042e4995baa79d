"""Headless logging: plain text for a terminal, JSON for log shippers, and the journal's
own form when systemd's journal reads our stderr.

Under systemd (`deploy/arbot.service`) each line goes to the journal, which stamps time,
host and unit itself; a line there is `<N>message`, where `<N>` is the syslog priority
journald reads off the front (sd-daemon(3), "SD_ERR ... prefixes"), so `journalctl -p
warning -u arbot` picks out the warnings and errors. The journal is detected as
systemd.exec(5) documents under `$JOURNAL_STREAM`: the device and inode of the stream it
connected, compared with our stderr's.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Mapping
from typing import Literal

import msgspec

from arbot.logfields import ATTRIBUTE
from arbot.timefmt import format_time_ns

LogFormat = Literal["text", "json", "journal"]

# syslog priorities (sd-daemon(3)): err 3, warning 4, info 6, debug 7
_PRIORITY = {logging.CRITICAL: 2, logging.ERROR: 3, logging.WARNING: 4, logging.INFO: 6,
             logging.DEBUG: 7}


class _JsonFormatter(logging.Formatter):
    """One JSON object per line, for log shippers: `ts, level, msg, demo` and the event's
    fields (`arbot.logfields.FIELDS`, documented in the README's "Structured logs")."""

    def __init__(self, demo: bool) -> None:
        super().__init__()
        self._demo = demo

    def format(self, record: logging.LogRecord) -> str:
        doc = {"ts": format_time_ns(int(record.created * 1e9)), "level": record.levelname,
               "msg": record.getMessage(), "demo": self._demo,
               **getattr(record, ATTRIBUTE, {})}
        return msgspec.json.encode(doc).decode()


class JournalFormatter(logging.Formatter):
    """`<4>DEMO bybit: stale (...)`: the priority prefix, no time (the journal has it);
    a traceback's lines follow with the same prefix, so none of them reads as info."""

    def __init__(self, demo: bool) -> None:
        super().__init__("DEMO %(message)s" if demo else "%(message)s")

    def format(self, record: logging.LogRecord) -> str:
        prefix = f"<{_PRIORITY.get(record.levelno, 6)}>"
        return "\n".join(prefix + line for line in super().format(record).splitlines())


def stderr_is_journal(environ: Mapping[str, str] | None = None) -> bool:
    """Whether stderr is the stream systemd connected to the journal."""
    env = os.environ if environ is None else environ
    dev, _, ino = env.get("JOURNAL_STREAM", "").partition(":")
    try:
        st = os.fstat(sys.stderr.fileno())
    except (OSError, ValueError):
        return False
    return f"{st.st_dev}:{st.st_ino}" == f"{dev}:{ino}"


def setup_logging(log_format: LogFormat, demo: bool) -> None:
    """Text is written as the journal's form when stderr is the journal (see above)."""
    handler = logging.StreamHandler(sys.stderr)
    if log_format == "json":
        handler.setFormatter(_JsonFormatter(demo))
    elif log_format == "journal" or stderr_is_journal():
        handler.setFormatter(JournalFormatter(demo))
    else:
        tag = " DEMO" if demo else ""
        handler.setFormatter(logging.Formatter(f"%(asctime)s{tag} %(levelname)-7s %(message)s",
                                               "%H:%M:%S"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)
