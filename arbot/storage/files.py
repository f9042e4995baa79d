"""The database file itself, before SQLite opens it: where a new one may be created, and
how a reader opens one read-only wherever it lies.

A path in a folder that does not exist is a typo far more often than a wish for new
folders, so nothing creates folders: the file's folder must exist (the default path,
`arbot.db`, lies in the working directory, which always does).

Readers open with `mode=ro`. SQLite reads a WAL database through its -shm file, which it
must create when it is missing (the last connection to close removes it); in a read-only
folder it cannot, and even `mode=ro` fails. The database is then opened `immutable=1`,
which needs no -shm and takes no locks, and is exact only while nothing writes the file:
so only when no -wal file holds writes not yet merged into the file (SQLite removes the
-wal as the last writer closes; one left with content belongs to a running or crashed
writer, and reading the file alone would silently miss those rows). That case is refused
with what to do instead.
"""

from __future__ import annotations

import os
import sqlite3
import stat
from pathlib import Path
from typing import Final

from arbot.storage.errors import DatabaseError, database_error

_NO_SHM: Final = (sqlite3.SQLITE_READONLY_DIRECTORY, sqlite3.SQLITE_CANTOPEN)


def _not_a_directory(db_path: Path) -> None:
    if db_path.is_dir():
        raise DatabaseError(
            f"database path {db_path} is a directory; give a file name such as "
            f"{db_path / 'arbot.db'}", kind="cannot_open", path=db_path)


def writable_path(path: str | Path) -> Path:
    """`path` (with ~ expanded) once its folder is known to exist; `DatabaseError` if not."""
    db_path = Path(path).expanduser()
    _not_a_directory(db_path)
    folder = db_path.parent
    try:
        mode = os.stat(folder).st_mode
    except FileNotFoundError:
        raise DatabaseError(
            f"folder {folder} for database {db_path} does not exist; create it or choose "
            "another path", kind="cannot_open", path=db_path) from None
    except NotADirectoryError:
        mode = 0  # a file where a folder of the path should be
    except OSError as exc:
        raise DatabaseError(
            f"cannot reach folder {folder} for database {db_path} ({exc.strerror or exc}); "
            "check its permissions or choose another path", kind="cannot_open",
            path=db_path) from exc
    if not stat.S_ISDIR(mode):
        raise DatabaseError(
            f"{folder} is not a folder, so it cannot hold database {db_path}; choose another "
            "path", kind="cannot_open", path=db_path)
    return db_path


def connect_readonly(path: str | Path, busy_timeout_s: float) -> sqlite3.Connection:
    """A read-only connection to an existing database, in autocommit mode, usable from any
    thread; in a read-only folder, immutable (see the module's docstring)."""
    return _readonly(path, busy_timeout_s)[1]


def readonly_uri(path: str | Path, busy_timeout_s: float) -> str:
    """The URI `connect_readonly` opens `path` with, for another driver (the backtest
    reads quotes through APSW) to open it the same way."""
    uri, conn = _readonly(path, busy_timeout_s)
    conn.close()
    return uri


def _readonly(path: str | Path, busy_timeout_s: float) -> tuple[str, sqlite3.Connection]:
    db_path = Path(path).expanduser()
    _not_a_directory(db_path)
    if not db_path.is_file():
        raise DatabaseError(f"no database at {db_path}; record some data first or check the path",
                            kind="missing", path=db_path)
    uri = db_path.resolve().as_uri()
    conn = _connect(uri + "?mode=ro", db_path, busy_timeout_s)
    try:
        conn.execute("PRAGMA user_version").fetchone()  # the first read maps the -shm
        return uri + "?mode=ro", conn
    except sqlite3.Error as exc:
        conn.close()
        # READONLY_DIRECTORY, or CANTOPEN when a -wal is there but its -shm is not
        if exc.sqlite_errorcode not in _NO_SHM or os.access(db_path.parent, os.W_OK):
            raise database_error(exc, db_path) from exc
    wal = db_path.with_name(db_path.name + "-wal")
    if wal.is_file() and wal.stat().st_size > 0:
        raise DatabaseError(
            f"database {db_path} has writes in {wal.name} that SQLite cannot read in a "
            f"read-only folder (it needs to create {db_path.name}-shm there); copy "
            f"{db_path.name} with its {wal.name} to a writable folder and read the copy",
            kind="readonly", path=db_path)
    uri += "?mode=ro&immutable=1"
    return uri, _connect(uri, db_path, busy_timeout_s)


def _connect(uri: str, db_path: Path, busy_timeout_s: float) -> sqlite3.Connection:
    try:
        return sqlite3.connect(uri, uri=True, timeout=busy_timeout_s, isolation_level=None,
                               check_same_thread=False)
    except sqlite3.Error as exc:
        raise database_error(exc, db_path) from exc
