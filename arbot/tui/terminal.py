"""Textual's terminal driver, made safe for a terminal that goes away (an SSH drop).

Textual writes to the terminal from one thread fed by a bounded queue (30 writes). When
the terminal hangs up, that thread dies on its next write (EIO), the queue fills, and the
next write blocks the event loop for ever: ArBot could not quit, and signals, answered on
the loop, were never seen. This driver checks the terminal and the thread on every write;
once either is gone it throws output away, never waits more than a moment for room, and
posts `TerminalLost` once, so the app quits as cleanly as on `q`.
"""

from __future__ import annotations

import os
import queue
from typing import Any

from textual.drivers.linux_driver import LinuxDriver
from textual.message import Message

PUT_S = 0.2  # how long one wait for room in the write queue lasts before checking again


class TerminalLost(Message):
    """The terminal went away: there is nobody to show anything to."""


class TerminalDriver(LinuxDriver):
    """`LinuxDriver` whose writes never block on a terminal that is gone."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._out = self._file.fileno() if self._file is not None else -1
        self._was_tty = self._out >= 0 and os.isatty(self._out)
        self.lost = False

    def hang_up(self) -> None:
        """From now on discard output (after SIGHUP the terminal is gone, or going)."""
        if not self.lost:
            self.lost = True
            self._app.post_message(TerminalLost())

    def write(self, data: str) -> None:
        self._put(data)

    def close(self) -> None:
        writer = self._writer_thread
        if writer is not None and self._put(None):
            writer.join(timeout=5.0)

    def _put(self, item: str | None) -> bool:
        """Queue `item` for the writer thread; False (and the terminal lost) when the
        thread or the terminal is gone."""
        writer = self._writer_thread
        if writer is None:
            return False
        while not self.lost:
            if not writer.is_alive() or (self._was_tty and not os.isatty(self._out)):
                self.hang_up()
                break
            try:
                writer._queue.put(item, timeout=PUT_S)
                return True
            except queue.Full:  # a slow terminal; check it is still there, then wait again
                continue
        return False
