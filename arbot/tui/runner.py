"""The runtime's life inside the app, start to stop, in one place.

The runtime is entered in a worker of the app, and each of its long-lived coroutines runs
as a named worker of its own, so a failure anywhere reaches the app's
`on_worker_state_changed` (the one place failures surface) and the other tasks keep
running. Stopping cancels the tasks and leaves the runtime, which closes episodes and
flushes the database, within a bounded time (docs/design.md, "Catch-alls re-raise
cancellation").
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from typing import Any

from textual.app import App
from textual.worker import Worker, WorkerCancelled, WorkerFailed

from arbot.events import Sink
from arbot.tui.backend import RuntimeFactory
from arbot.tui.messages import RuntimeStarted
from arbot.view import RuntimeView

log = logging.getLogger("arbot.tui")

RUNTIME = "runtime"  # name and worker group of the worker that holds the runtime
TASKS = "runtime-tasks"  # worker group of the runtime's long-lived coroutines
SHUTDOWN_S = 15.0  # give up waiting for the runtime to close after this long


class RuntimeRunner:
    """Starts the runtime from `factory` (handing it `sinks`) in `app`'s workers, and
    stops it. `runtime` is None until the runtime has started."""

    def __init__(self, app: App[Any], factory: RuntimeFactory, sinks: Sequence[Sink]) -> None:
        self._app = app
        self._factory = factory
        self._sinks = sinks
        self._stop = asyncio.Event()
        self._worker: Worker[None] | None = None
        self.runtime: RuntimeView | None = None

    @property
    def stopping(self) -> bool:
        """A stop was asked: a task that ends now ends as told, not unexpectedly."""
        return self._stop.is_set()

    def start(self) -> None:
        """Enter the runtime in a worker of the app; it runs until `stop`."""
        self._worker = self._app.run_worker(self._run(), name=RUNTIME, group=RUNTIME,
                                            exit_on_error=False)

    async def _run(self) -> None:
        """Enter the runtime, run each of its tasks as a named worker, and on stop cancel
        them and leave the runtime, which closes episodes and flushes the database."""
        async with self._factory(self._sinks) as runtime:
            self.runtime = runtime
            self._app.post_message(RuntimeStarted(list(runtime.warnings)))
            tasks = [self._app.run_worker(coro, name=name, group=TASKS, exit_on_error=False,
                                          description=f"runtime task {name}")
                     for name, coro in runtime.coroutines().items()]
            try:
                await self._stop.wait()
            finally:
                for worker in tasks:
                    worker.cancel()
                for worker in tasks:
                    with contextlib.suppress(WorkerCancelled, WorkerFailed):
                        await worker.wait()

    async def stop(self) -> None:
        """Stop the runtime's tasks and leave it (the writer flushes); idempotent."""
        self._stop.set()
        worker = self._worker
        if worker is None:
            return
        if self.runtime is None:
            worker.cancel()  # still starting (e.g. waiting on a venue): abandon the start
        try:
            await asyncio.wait_for(worker.wait(), SHUTDOWN_S)
        except (WorkerCancelled, WorkerFailed):
            pass
        except TimeoutError:
            log.error("the runtime did not stop within %.0f s; quitting anyway", SHUTDOWN_S)
