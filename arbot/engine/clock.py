"""The engine's clock: the task that moves the engine on when no quote arrives.

Episodes close on a quote that shows the gap is gone, but a venue that goes quiet sends
none, so a sweep every `SWEEP_S` closes the ones that went stale. The same task keeps the
run's funnel current wherever the caller stores it (the run's database row), so a run
that dies without a clean stop still leaves its counters behind. Each turn ends with
`beat()`: the proof that the engine and its event loop still run, quotes or none (the
systemd watchdog is fed from it, see `arbot/service.py`).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping

from arbot.engine.engine import SWEEP_S, Engine

FUNNEL_SAVE_S = 5.0


async def engine_clock(engine: Engine, save_funnel: Callable[[Mapping[str, object]], None],
                       beat: Callable[[], None]) -> None:
    """Close episodes that went stale with no quote to notice it, and keep the run's
    funnel current in the database."""
    last_saved = time.monotonic()
    while True:
        await asyncio.sleep(SWEEP_S)
        engine.sweep()
        if time.monotonic() - last_saved >= FUNNEL_SAVE_S:
            last_saved = time.monotonic()
            save_funnel(engine.funnel.as_dict())
        beat()
