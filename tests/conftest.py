"""Helpers every test folder shares.

`until` is the one way a test waits for something another task, process or socket does:
import it (`from tests.conftest import until`) rather than writing another loop.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

WAIT_S = 30.0  # a generous ceiling: on a loaded machine slow is not wrong


async def until(cond: Callable[[], object], what: str = "the condition", wait_s: float = WAIT_S,
                *, pause: Callable[[float], Awaitable[object]] = asyncio.sleep,
                every_s: float = 0.05) -> None:
    """Wait until `cond()` is true, looking every `every_s` seconds; fail naming `what`
    after `wait_s`. A bounded wait, never a timing assertion. Under a Textual pilot pass
    `pause=pilot.pause`, so the screen catches up between looks."""
    loop = asyncio.get_running_loop()
    end = loop.time() + wait_s
    while not cond():
        if loop.time() > end:
            raise AssertionError(f"timed out after {wait_s:g} s waiting for {what}")
        await pause(every_s)
