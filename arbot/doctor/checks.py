"""The local checks: which keys are present (never their values), whether the database can
be written, whether its disk has room. Each returns `Check`s and never raises."""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
from collections.abc import Mapping
from enum import StrEnum
from pathlib import Path
from typing import NamedTuple

from arbot.config import ArbotSettings, VenueCredentials
from arbot.config.credentials import CREDENTIAL_ENV, missing_credentials
from arbot.domain import Venue
from arbot.storage.db import MIGRATIONS
from arbot.storage.errors import DatabaseError, database_error
from arbot.storage.files import writable_path
from arbot.tradekinds import TradingMode

PROBE_BUSY_S = 5.0  # a running ArBot commits every flush_ms; wait at most this for its lock


class Status(StrEnum):
    OK = "ok"
    WARN = "warn"  # worth knowing, not a reason to refuse to run
    FAIL = "FAIL"


class Check(NamedTuple):
    """One line of the report: `FAIL  clock bybit  +2345 ms ...`."""

    status: Status
    name: str
    detail: str

    def line(self) -> str:
        return f"{self.status:<4}  {self.name:<14}  {self.detail}"


def key_checks(settings: ArbotSettings, credentials: Mapping[Venue, VenueCredentials],
               demo: bool) -> list[Check]:
    """Per enabled venue, which of its variables are set, by name. Missing keys fail only
    in live mode, the one mode that signs requests."""
    live = settings.trading.mode == TradingMode.LIVE
    out = []
    for venue in settings.exchanges.enabled_venues():
        creds = credentials.get(venue, VenueCredentials())
        names = CREDENTIAL_ENV[venue]
        missing = missing_credentials(venue, creds)
        present = [n for n in names.values() if n not in missing]
        source = "the simulator's demo keys" if demo else "set"
        if not missing:
            out.append(Check(Status.OK, f"keys {venue}", f"{', '.join(present)}: {source}"))
        elif live:
            out.append(Check(Status.FAIL, f"keys {venue}",
                             f"{', '.join(missing)} not set; live trading needs them"))
        else:
            why = f"not needed in {settings.trading.mode} mode"
            have = f"; {', '.join(present)} set" if present else ""
            out.append(Check(Status.OK, f"keys {venue}",
                             f"{', '.join(missing)} not set ({why}){have}"))
    return out


def database_check(path: str) -> Check:
    """The database can be written: its folder takes new files (SQLite's -wal and -shm),
    the file opens for writing, its schema is one this ArBot knows, and the write lock can
    be taken (and is given back at once: nothing is written)."""
    try:
        db = writable_path(path)
        _folder_takes_files(db.parent)
        if not db.exists():
            return Check(Status.OK, "database", f"{db} does not exist yet; its folder is "
                         "writable, so it will be created at the first run")
        with open(db, "r+b"):  # the kernel's own answer to "may I write this file?"
            pass
        version = _probe(db)
    except DatabaseError as exc:
        return Check(Status.FAIL, "database", str(exc))
    except PermissionError:
        return Check(Status.FAIL, "database", f"database {path} is read-only; check the "
                     "permissions of the file or use a different database file")
    except (OSError, sqlite3.Error) as exc:
        return Check(Status.FAIL, "database", str(database_error(exc, path)))
    known = MIGRATIONS[-1].version
    if version > known:
        return Check(Status.FAIL, "database", f"{db} has schema {version}, newer than this "
                     f"ArBot's {known}; upgrade ArBot or use another file")
    later = "" if version == known else f", migrated from {version} at the next start"
    return Check(Status.OK, "database", f"{db} writable (schema {known}{later}, "
                 f"{_size(db.stat().st_size)})")


def _folder_takes_files(folder: Path) -> None:
    try:
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".arbot-doctor-"):
            pass
    except OSError as exc:
        raise DatabaseError(f"folder {folder} does not take new files ({exc.strerror or exc})"
                            "; SQLite needs it for the database's -wal and -shm files",
                            kind="readonly", path=folder) from exc


def _probe(db: Path) -> int:
    """The schema version, after taking the write lock and giving it back."""
    conn = sqlite3.connect(f"file:{db}?mode=rw", uri=True, timeout=PROBE_BUSY_S,
                           isolation_level=None)
    try:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("ROLLBACK")
        return int(version)
    finally:
        conn.close()


def disk_check(path: str, min_free_mb: float) -> Check:
    """Room on the database's disk: at least `min_free_mb` free (a full disk stops
    recording and, with it, trading)."""
    folder = Path(path).expanduser().parent
    try:
        usage = shutil.disk_usage(folder)
    except OSError as exc:
        return Check(Status.FAIL, "disk", f"cannot measure {folder}: {exc.strerror or exc}")
    detail = (f"{_size(usage.free)} free of {_size(usage.total)} at {folder.resolve()}")
    if usage.free < min_free_mb * 2**20:
        return Check(Status.FAIL, "disk", f"only {detail}; ArBot wants at least "
                     f"{_size(int(min_free_mb * 2**20))} (--min-free-mb)")
    return Check(Status.OK, "disk", detail)


def _size(n: float) -> str:
    """Bytes as a person reads them: `512 B`, `3.2 MiB`, `71.4 GiB`."""
    if n < 1024:
        return f"{n:.0f} B"
    for unit in ("KiB", "MiB"):
        n /= 1024
        if n < 1024:
            return f"{n:.1f} {unit}"
    return f"{n / 1024:.1f} GiB"
