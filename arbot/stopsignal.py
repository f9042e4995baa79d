"""Stop signals from the first instant of the process, before any front end exists.

`arbot` holds SIGINT, SIGTERM and SIGHUP (`hold`) before it imports anything heavy: until
a front end installs its own handlers, a stop signal is only noted. The front end then
asks `pending()` and stops at once (headless: the run never starts; the UI: it quits as
on `q`), so SIGTERM during start-up ends cleanly, with exit 0 as for a running ArBot,
instead of exit 143 with a run left open. Commands that stop no differently from any
program (export, import, ...) `release()` them: the defaults come back and a signal noted
meanwhile takes effect then.

A signal's disposition is process-wide, so this module keeps the process's one record.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Callable
from types import FrameType
from typing import Any

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)

_before: dict[signal.Signals, Any] = {}  # disposition at start, while held
_noted: list[signal.Signals] = []


def hold() -> None:
    """Note stop signals instead of dying of them, until `release()` or a front end's own
    handlers. A signal ignored at start (SIGHUP under nohup) stays ignored."""
    for sig in STOP_SIGNALS:
        before = signal.getsignal(sig)
        _before[sig] = before
        if before is not signal.SIG_IGN or sig is not signal.SIGHUP:
            signal.signal(sig, _note)


def _note(signum: int, frame: FrameType | None) -> None:
    _noted.append(signal.Signals(signum))


def pending() -> signal.Signals | None:
    """The first stop signal that arrived while held, if any."""
    return _noted[0] if _noted else None


def ignored_at_start(sig: signal.Signals) -> bool:
    """Whoever started ArBot ignored `sig` (nohup ignores SIGHUP): keep ignoring it."""
    return _before.get(sig) is signal.SIG_IGN


def release() -> None:
    """Back to the dispositions ArBot started with; a stop noted meanwhile is delivered
    now. A no-op unless `hold()` ran (tests call the command line in-process)."""
    if not _before:
        return
    for sig, before in _before.items():
        signal.signal(sig, before if before is not None else signal.SIG_DFL)
    _before.clear()
    if _noted:
        signal.raise_signal(_noted[0])


def on_stop(stop: Callable[[], object], *,
            hangup: Callable[[], object] | None = None) -> Callable[[], None]:
    """From now on the running loop calls `stop` on SIGINT or SIGTERM, and `hangup` (by
    default `stop`) on SIGHUP unless that was ignored at start; a stop signal that arrived
    while held is answered the same way, at once. Returns the undo."""
    loop = asyncio.get_running_loop()
    actions = {signal.SIGINT: stop, signal.SIGTERM: stop, signal.SIGHUP: hangup or stop}
    installed = []
    for sig, action in actions.items():
        if ignored_at_start(sig) and sig is signal.SIGHUP:
            continue
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):  # Windows
            loop.add_signal_handler(sig, action)
            installed.append(sig)
    early = pending()
    if early is not None:
        _noted.clear()
        actions[early]()

    def undo() -> None:
        for sig in installed:
            loop.remove_signal_handler(sig)

    return undo
