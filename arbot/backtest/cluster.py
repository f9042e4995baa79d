"""Dask, for the backtests and sweeps that run beyond one process: a local cluster of
worker processes (`--workers N`, one thread each: the replay is pure Python and holds the
GIL) or an existing cluster's scheduler (`--cluster tcp://HOST:8786`, whose workers must
have ArBot installed and see the same database path or archive URL).

Tasks are submitted all at once and collected as they finish, for the progress bar; the
results are put back in submission order, so what is merged from them never depends on
which worker finished first.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from arbot.research import ClusterError

CONNECT_TIMEOUT_S = 10


def _distributed() -> Any:
    """`distributed`, imported when a cluster is wanted (its API is not typed)."""
    return importlib.import_module("distributed")


@contextmanager
def client(workers: int | None, address: str | None) -> Iterator[Any]:
    """A Dask client on `address`, else on a new local cluster of `workers` processes,
    closed (the local cluster stopped) on every way out."""
    dask = _distributed()
    Client, LocalCluster = dask.Client, dask.LocalCluster
    if address is not None:
        try:
            c = Client(address, timeout=CONNECT_TIMEOUT_S)
        except (OSError, TimeoutError) as exc:
            raise ClusterError(f"cannot reach the Dask scheduler at {address}: {exc}") from exc
        try:
            yield c
        finally:
            c.close()
        return
    cluster = LocalCluster(n_workers=workers or 1, threads_per_worker=1, processes=True,
                           dashboard_address=None, silence_logs=logging.ERROR)
    try:
        c = Client(cluster)
        try:
            yield c
        finally:
            c.close()
    finally:
        cluster.close()


def describe(c: Any, address: str | None) -> str:
    """The cluster as the report names it."""
    n = len(c.scheduler_info().get("workers", {}))
    return f"{n} at {address}" if address is not None else f"{n} local processes"


def run_tasks(c: Any, fn: Callable[..., Any], calls: Sequence[tuple[Any, ...]],
              done: Callable[[int, Any], None] | None = None) -> list[Any]:
    """`fn(*args)` for every args of `calls` on the cluster; results in the calls' order.
    `done(i, result)` hears each as it finishes. A task's error is raised here, and the
    tasks still waiting are cancelled."""
    as_completed = _distributed().as_completed
    futures = [c.submit(fn, *args, pure=False) for args in calls]
    index = {f.key: i for i, f in enumerate(futures)}
    results: list[Any] = [None] * len(futures)
    try:
        for fut in as_completed(futures):
            i = index[fut.key]
            results[i] = fut.result()
            if done is not None:
                done(i, results[i])
    finally:
        c.cancel([f for f in futures if not f.done()])
    return results
