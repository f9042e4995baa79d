"""Standard descriptors a launcher left closed (`2>&-`, a daemon manager, a terminal that
went away before the start) are pointed at /dev/null before anything opens a file.

Why: with fd 2 closed, the next file opened (the database, a socket) would be handed fd 2,
and anything that still writes to "stderr" by number (a traceback at exit, a C library)
would write into it; and Python sets `sys.stderr` to None, which logging set-up would trip
on. Filling 0-2 first is the daemon(3) rule; a lost terminal then loses only the log lines.
"""

from __future__ import annotations

import os
import sys


def fill_closed() -> None:
    """Open /dev/null on each of fds 0, 1 and 2 that is closed, and give Python's
    `sys.stdin`/`stdout`/`stderr` a stream where it had none."""
    for fd in (0, 1, 2):
        try:
            os.fstat(fd)
        except OSError:  # open() takes the lowest free number: this fd (lower ones are open)
            os.open(os.devnull, os.O_RDWR)
    if sys.stdin is None:
        sys.stdin = open(0, closefd=False)  # noqa: SIM115 (lives as long as the process)
    if sys.stdout is None:
        sys.stdout = open(1, "w", closefd=False)  # noqa: SIM115
    if sys.stderr is None:
        sys.stderr = open(2, "w", closefd=False)  # noqa: SIM115
