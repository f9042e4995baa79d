"""What the app takes over in the process while it runs, and gives back when it unmounts.

Two things are process-wide and so must be put back exactly as found: the `arbot`
logger, whose records go to the log panel (at INFO at least) instead of the terminal
underneath the UI; and the stop signals (`arbot.stopsignal`), which quit as `q` does.
SIGHUP means the terminal itself is gone (an SSH drop): output is dropped first, through
`arbot.tui.terminal`, and the app quits on `TerminalLost`.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from textual.app import App

from arbot import stopsignal
from arbot.tui.messages import TuiLogHandler
from arbot.tui.terminal import TerminalDriver, TerminalLost


class ProcessHooks:
    """The log handler and signal handlers of `app`, installed on mount, removed on
    unmount."""

    def __init__(self, app: App[Any]) -> None:
        self._app = app
        self._log_handler = TuiLogHandler(app.post_message)
        self._log_level = logging.NOTSET
        self._restore_signals: Callable[[], None] = lambda: None

    def install(self, quit_app: Callable[[], Awaitable[None]]) -> None:
        """Capture the `arbot` log and, in a real terminal, have a stop signal call
        `quit_app`."""
        logger = logging.getLogger("arbot")
        self._log_level = logger.level
        if logger.getEffectiveLevel() > logging.INFO:
            logger.setLevel(logging.INFO)
        logger.addHandler(self._log_handler)
        if not self._app.is_headless:  # SIGINT, SIGTERM (even during start-up), or SIGHUP
            self._restore_signals = stopsignal.on_stop(
                lambda: self._app.call_later(quit_app), hangup=self._hang_up)

    def remove(self) -> None:
        """Put the logger's level and handlers, and the signal handlers, back as found."""
        logger = logging.getLogger("arbot")
        logger.removeHandler(self._log_handler)
        logger.setLevel(self._log_level)
        self._restore_signals()

    def _hang_up(self) -> None:
        """SIGHUP: the terminal is gone (an SSH drop), so stop writing to it and quit."""
        driver = self._app._driver
        if isinstance(driver, TerminalDriver):
            driver.hang_up()  # posts TerminalLost
        else:
            self._app.post_message(TerminalLost())
