"""Database failures explained for the user: one line that names the file and says what to do.

Kept apart from `db` so the modules that check and lock the file before it is opened
(`files`, `lock`) can raise the same errors `open_db` does.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Literal

ErrorKind = Literal[
    "locked",
    "readonly",
    "cannot_open",
    "missing",
    "corrupt",
    "foreign",
    "newer_schema",
    "outdated_schema",
    "migration",
    "disk_full",
    "in_use",
    "other",
]


class DatabaseError(Exception):
    """A database problem explained for the user: one line, names the file, says what to do.

    `kind` lets a front end react (e.g. offer another path) without parsing the text.
    """

    def __init__(self, message: str, *, kind: ErrorKind = "other", path: Path | None = None):
        self.message = " ".join(message.split())  # one line, whatever the driver said
        self.kind: ErrorKind = kind
        self.path = path
        super().__init__(self.message)


def database_error(exc: BaseException, path: Path | str | None = None) -> DatabaseError:
    """Translate a driver exception into a `DatabaseError` with a message a user can act on."""
    where = f"database {path}" if path is not None else "the database"
    p = Path(path) if path is not None else None
    code = _code(exc)
    if code in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
        return DatabaseError(
            f"{where} is locked by another process (is another ArBot using it?); "
            "stop that process or use a different database file",
            kind="locked",
            path=p,
        )
    if code in (sqlite3.SQLITE_READONLY, sqlite3.SQLITE_PERM):
        return DatabaseError(
            f"{where} is read-only; check the permissions of the file and its directory "
            "or use a different database file",
            kind="readonly",
            path=p,
        )
    if code == sqlite3.SQLITE_CANTOPEN:
        return DatabaseError(
            f"cannot open {where}; check that its directory exists and is writable "
            "or use a different database file",
            kind="cannot_open",
            path=p,
        )
    if code in (sqlite3.SQLITE_NOTADB, sqlite3.SQLITE_CORRUPT):
        return DatabaseError(
            f"{where} is not an ArBot database or is corrupt; "
            "move the file aside or use a different database file",
            kind="corrupt",
            path=p,
        )
    if code == sqlite3.SQLITE_FULL:
        return DatabaseError(
            f"the disk holding {where} is full; free some space or use another location",
            kind="disk_full",
            path=p,
        )
    return DatabaseError(f"{where}: {exc}" if p else f"database error: {exc}", path=p)


def storage_lost(exc: BaseException) -> str | None:
    """Why the database can no longer be written at all (full disk, I/O error), or None
    for a failure worth retrying (a lock) or a bad row. Retrying a full disk only fills
    the queue and makes every stop wait on it, so writers stop on these instead."""
    code = _code(exc)
    if code == sqlite3.SQLITE_FULL:
        return "the disk holding the database is full"
    if code == sqlite3.SQLITE_IOERR:
        return "disk I/O error writing the database (is its disk full or failing?)"
    return None


def _code(exc: BaseException) -> int:
    """SQLite's primary result code, from the sqlite3 module's or APSW's exception."""
    for name in ("sqlite_errorcode", "extendedresult"):  # sqlite3, APSW
        code = getattr(exc, name, None)
        if isinstance(code, int):
            return code & 0xFF
    return -1
