"""Run a child process that file modes bind, even when the tests run as root (CI does).

Root ignores permission bits through CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH; `setpriv`
drops both from the bounding set before exec, so the child (still uid 0) meets chmod as
any user would: a folder of mode 0555 is read-only to it. Without `setpriv` the test is
skipped rather than passing for the wrong reason.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

import pytest

import arbot


def unprivileged(cmd: Sequence[str], *, cwd: Path | None = None, timeout_s: float = 120
                 ) -> subprocess.CompletedProcess[str]:
    """`cmd` run so that file modes apply to it; skips the test if that cannot be done."""
    argv = list(cmd)
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("running as root without setpriv: cannot enforce file modes")
        argv = [setpriv, "--bounding-set=-dac_override,-dac_read_search", *argv]
    env = {**os.environ, "PYTHONPATH": str(Path(arbot.__file__).parent.parent)}
    done = subprocess.run(argv, capture_output=True, text=True, env=env, cwd=cwd,
                          timeout=timeout_s, check=False)
    if done.stderr.startswith("setpriv"):
        pytest.skip(f"setpriv unavailable here: {done.stderr.strip()}")
    return done
