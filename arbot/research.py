"""The research extra (`pip install 'arbot[research]'`): Parquet history, Dask clusters and
Optuna searches. A plain install of ArBot never needs them, so the commands that do check
for them first and say what to install, instead of failing on an import deep inside.
"""

from __future__ import annotations

import importlib.util

EXTRA = "pip install 'arbot[research]'"
_PACKAGES = {"pyarrow": "pyarrow", "fsspec": "fsspec", "distributed": "dask[distributed]",
             "optuna": "optuna"}


class MissingExtra(ValueError):
    """A command needs a package of the research extra that is not installed."""


def require(command: str, *modules: str) -> None:
    """Raise `MissingExtra` naming what `command` needs when any of `modules` is missing."""
    missing = [m for m in modules if importlib.util.find_spec(m) is None]
    if missing:
        names = ", ".join(_PACKAGES.get(m, m) for m in missing)
        raise MissingExtra(f"{command} needs {names}, which is not installed: {EXTRA}")


class ClusterError(RuntimeError):
    """The Dask cluster could not be reached or started."""
