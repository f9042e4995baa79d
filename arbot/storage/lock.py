"""One writing ArBot per database: an exclusive lock on `<database>.lock` beside the file.

Two instances recording into one file interleave their `runs` (a backtest then replays
them as one), and at a restart each would reconcile the other's open trades. SQLite's
own locks cannot prevent that: they guard single transactions, and WAL lets every
process in between them. `locking_mode = EXCLUSIVE` would keep a second writer out, but
also every reader (export, backtest, the REST API, a SQLite browser), and its refusal
names nobody.

So a lock file held with `flock`: the kernel releases it when its holder exits, even by
SIGKILL, so a stale file never blocks the next start; the holder writes its pid into it,
so a refusal can name who to stop. The running instance, `arbot db vacuum` and
`arbot import` take it; readers never do. It is advisory: a program that is not ArBot
(a SQLite browser writing) is kept out only by SQLite's own transaction locks.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from arbot.storage.errors import DatabaseError
from arbot.storage.files import writable_path

_READ_PID_S = 0.5  # a new holder writes its pid right after locking; wait that long for it


@contextmanager
def hold_database(path: str | Path, holder: str) -> Iterator[None]:
    """Hold `path`'s lock for the block, or raise `DatabaseError` (kind "in_use") naming
    the pid and `holder` text of the process that has it. Not re-entrant: a second hold
    on the same file, even in this process, is refused."""
    db_path = writable_path(path)
    lock_path = db_path.resolve().with_name(db_path.name + ".lock")
    fd = _acquire(lock_path, db_path, holder)
    try:
        yield
    finally:
        # Removed while still held: whoever opened this file meanwhile finds it unlinked
        # after locking it and starts over on a new one (see `_acquire`).
        with suppress(FileNotFoundError):
            os.unlink(lock_path)
        os.close(fd)


def _acquire(lock_path: Path, db_path: Path, holder: str) -> int:
    while True:
        try:
            fd = os.open(lock_path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        except OSError as exc:
            raise _cannot(lock_path, db_path, exc) from exc
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            who = _holder(fd)
            os.close(fd)
            raise DatabaseError(
                f"database {db_path.resolve()} is in use by another ArBot ({who}); stop that "
                "one first, or use another database file", kind="in_use", path=db_path
            ) from None
        except OSError as exc:  # e.g. ENOLCK on a network filesystem without locks
            os.close(fd)
            raise _cannot(lock_path, db_path, exc) from exc
        if _is_current(fd, lock_path):
            try:
                os.ftruncate(fd, 0)
                os.pwrite(fd, f"{os.getpid()} {holder}\n".encode(), 0)
            except OSError as exc:
                os.close(fd)
                raise _cannot(lock_path, db_path, exc) from exc
            return fd
        os.close(fd)  # its holder removed it as we opened it: take the one now at the path


def _is_current(fd: int, lock_path: Path) -> bool:
    try:
        here = os.stat(lock_path)
    except FileNotFoundError:
        return False
    mine = os.fstat(fd)
    return (here.st_dev, here.st_ino) == (mine.st_dev, mine.st_ino)


def _holder(fd: int) -> str:
    """"pid N, what" from the lock file, waiting briefly for a holder that just locked it."""
    deadline = time.monotonic() + _READ_PID_S
    while True:
        text = os.pread(fd, 200, 0).decode("utf-8", "replace").strip()
        pid, _, what = text.partition(" ")
        if pid.isascii() and pid.isdigit():
            return f"pid {pid}, {what}" if what else f"pid {pid}"
        if time.monotonic() >= deadline:
            return "pid unknown"
        time.sleep(0.01)


def _cannot(lock_path: Path, db_path: Path, exc: OSError) -> DatabaseError:
    return DatabaseError(
        f"cannot lock database {db_path} with {lock_path} ({exc.strerror or exc}); check "
        "that its folder is writable or choose another path", kind="cannot_open",
        path=db_path)
