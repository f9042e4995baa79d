"""Open, configure and migrate the SQLite database, and explain every failure in one line.

A recorder that dies with a sqlite3 traceback on a locked or foreign file is useless to a
trader, so everything that can go wrong while opening (folder, permissions, lock, not a
database, schema from a newer ArBot) becomes a `DatabaseError` (`errors`) whose message
names the file and says what to do. `database_error()` gives the writer and the read side
the same wording for failures that happen later.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Final, TypeVar

import aiosqlite

from arbot.storage.errors import DatabaseError, ErrorKind, database_error, storage_lost
from arbot.storage.files import connect_readonly, writable_path

__all__ = [
    "DEFAULT_BUSY_TIMEOUT_S",
    "MIGRATIONS",
    "DatabaseError",
    "ErrorKind",
    "Migration",
    "database_error",
    "on_connection_thread",
    "open_db",
    "storage_lost",
]

DEFAULT_BUSY_TIMEOUT_S: Final = 5.0

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Migration:
    """One schema step. `version` is the `PRAGMA user_version` the DB has once it is applied."""

    version: int
    description: str
    sql: str


def _package_sql(name: str) -> str:
    return resources.files("arbot.storage").joinpath(name).read_text(encoding="utf-8")


# Ordered; step N brings a database from user_version N-1 to N. Never edit a released step.
MIGRATIONS: Final[tuple[Migration, ...]] = (
    Migration(1, "initial schema", _package_sql("schema.sql")),
    Migration(2, "engine episodes and runs", _package_sql("migration_002_engine.sql")),
    Migration(3, "trade outcomes", _package_sql("migration_003_trading.sql")),
    Migration(4, "import ledger", _package_sql("migration_004_imports.sql")),
    Migration(5, "venue symbols of orders", _package_sql("migration_005_venue_ids.sql")),
    Migration(6, "one index on quotes", _package_sql("migration_006_quote_indexes.sql")),
    Migration(7, "walked episode figures", _package_sql("migration_007_walk.sql")),
    Migration(8, "book snapshots", _package_sql("migration_008_books.sql")),
    Migration(9, "transfer costs", _package_sql("migration_009_transfer_costs.sql")),
    Migration(10, "episode transfer cost", _package_sql("migration_010_transfer_bps.sql")),
    Migration(11, "balance drift", _package_sql("migration_011_balance_drift.sql")),
)


async def open_db(
    path: str | Path,
    *,
    readonly: bool = False,
    busy_timeout_s: float = DEFAULT_BUSY_TIMEOUT_S,
    migrations: Sequence[Migration] = MIGRATIONS,
) -> aiosqlite.Connection:
    """Open `path`, apply the connection PRAGMAs and any missing migrations, return the connection.

    The connection is in autocommit mode (`isolation_level=None`): callers that write
    say BEGIN/COMMIT themselves, so a transaction is never opened behind their back.
    A writable open also proves it can take the write lock, so a database held by
    another process fails here, with a clear message, rather than at the first flush.
    A new file is created only in a folder that exists (`files.writable_path`).
    `readonly` opens with `mode=ro` (immutable in a read-only folder, see `files`), never
    creates or migrates anything, and suits export, backtests and the API. Raises
    `DatabaseError` for every failure.
    """
    if [m.version for m in migrations] != list(range(1, len(migrations) + 1)):
        raise ValueError("migrations must be numbered 1, 2, ... in order")
    # Open in a plain thread and hand the connection to aiosqlite: when aiosqlite's own
    # connect fails, its worker thread outlives the call and prints "Event loop is
    # closed" after asyncio.run() ends (omnilib/aiosqlite#241), i.e. a traceback.
    db_path, raw = await asyncio.to_thread(_open_file, path, readonly, busy_timeout_s)
    conn = await aiosqlite.Connection(lambda: raw, iter_chunk_size=64)
    try:
        await _configure(conn, readonly, busy_timeout_s)
        await _migrate(conn, db_path, readonly, migrations)
        if not readonly:
            await _probe_write_lock(conn, len(migrations))
    except BaseException as exc:
        with contextlib.suppress(Exception):
            await conn.close()
        if isinstance(exc, sqlite3.Error):
            raise database_error(exc, db_path) from exc
        raise
    return conn


async def on_connection_thread(conn: aiosqlite.Connection,
                               fn: Callable[[sqlite3.Connection], T]) -> T:
    """Run `fn` with the sqlite3 connection under `conn`, on `conn`'s own thread, as one
    call: several statements for the price of one round trip between the loop and that
    thread (about 30 us of CPU each, measured). aiosqlite has no public call for this;
    `_execute` and `_conn` are what its own methods use (0.17 to 0.22)."""
    raw = conn._conn
    result: T = await conn._execute(fn, raw)  # type: ignore[no-untyped-call]
    return result


def _open_file(path: str | Path, readonly: bool, busy_timeout_s: float
               ) -> tuple[Path, sqlite3.Connection]:
    """The checked path and a connection to it (`files` says what is checked)."""
    if readonly:
        db_path = Path(path).expanduser()
        return db_path, connect_readonly(db_path, busy_timeout_s)
    db_path = writable_path(path)
    try:
        return db_path, sqlite3.connect(db_path, timeout=busy_timeout_s, isolation_level=None,
                                        check_same_thread=False)  # used by aiosqlite's thread
    except sqlite3.Error as exc:
        raise database_error(exc, db_path) from exc


async def _configure(conn: aiosqlite.Connection, readonly: bool, busy_timeout_s: float) -> None:
    """Per-connection settings. The first statement touching the file also detects non-DBs."""
    await conn.execute(f"PRAGMA busy_timeout = {max(0, int(busy_timeout_s * 1000))}")
    await conn.execute("PRAGMA foreign_keys = ON")
    if readonly:
        await _scalar(conn, "PRAGMA user_version")  # reads the header: fails fast on a non-DB
        return
    # WAL: readers never block the writer and a crash loses at most the open transaction.
    # Switching needs an exclusive lock that SQLite refuses at once, without its busy
    # handler, while another connection reads the file (two ArBots starting on a new file),
    # so retry until the busy timeout.
    loop = asyncio.get_running_loop()
    deadline = loop.time() + busy_timeout_s
    while True:
        try:
            mode = await _scalar(conn, "PRAGMA journal_mode = WAL")
            break
        except sqlite3.OperationalError as exc:
            if exc.sqlite_errorcode & 0xFF != sqlite3.SQLITE_BUSY or loop.time() >= deadline:
                raise
            await asyncio.sleep(0.01)
    # NORMAL is durable across application crashes in WAL mode; without WAL (some network
    # filesystems refuse it) only FULL is safe against power loss.
    sync = "NORMAL" if str(mode).lower() == "wal" else "FULL"
    await conn.execute(f"PRAGMA synchronous = {sync}")


async def _scalar(conn: aiosqlite.Connection, sql: str) -> object:
    rows = list(await conn.execute_fetchall(sql))
    return rows[0][0] if rows else None


async def _user_version(conn: aiosqlite.Connection) -> int:
    value = await _scalar(conn, "PRAGMA user_version")
    return value if isinstance(value, int) else 0


async def _migrate(
    conn: aiosqlite.Connection, db_path: Path, readonly: bool, migrations: Sequence[Migration]
) -> None:
    """Bring the schema to the latest version, one transaction per step."""
    latest = len(migrations)
    # One statement, one snapshot: another process may be migrating this file right now.
    rows = list(
        await conn.execute_fetchall(
            "SELECT (SELECT user_version FROM pragma_user_version),"
            " (SELECT count(*) FROM sqlite_master)"
        )
    )
    version, objects = int(rows[0][0]), int(rows[0][1])
    if version > latest:
        raise DatabaseError(
            f"database {db_path} was created by a newer ArBot (schema {version}, this version "
            f"supports {latest}); upgrade ArBot or use a different database file",
            kind="newer_schema",
            path=db_path,
        )
    if version == latest:
        return
    if version == 0 and objects:
        raise DatabaseError(
            f"{db_path} is a SQLite database of another program (it has tables but no ArBot "
            "schema version); use a different database file",
            kind="foreign",
            path=db_path,
        )
    if readonly:
        raise DatabaseError(
            f"database {db_path} has schema {version} but this ArBot needs {latest}; "
            "open it once with write access (run ArBot on it) to upgrade it",
            kind="outdated_schema",
            path=db_path,
        )
    for step in migrations[version:]:
        await _apply(conn, db_path, step)


async def _apply(conn: aiosqlite.Connection, db_path: Path, step: Migration) -> None:
    """One step in one transaction, unless another process applied it first.

    The version is read again under the write lock: a step whose statements are idempotent
    (`DROP INDEX IF EXISTS`) would otherwise run again after another process went past it
    and set the version back, and the next step would fail on its own columns."""
    try:
        await conn.execute("BEGIN IMMEDIATE")
        if await _user_version(conn) >= step.version:
            await conn.rollback()
            return
        for statement in _statements(step.sql):
            await conn.execute(statement)
        await conn.execute(f"PRAGMA user_version = {step.version}")
        await conn.commit()
    except sqlite3.Error as exc:
        if conn.in_transaction:
            await conn.rollback()
        explained = database_error(exc, db_path)
        if explained.kind != "other":
            raise explained from exc
        raise DatabaseError(
            f"cannot upgrade database {db_path} to schema {step.version} ({step.description}): "
            f"{exc}; restore a backup or use a different database file",
            kind="migration",
            path=db_path,
        ) from exc


def _statements(script: str) -> list[str]:
    """A migration script's statements, one each, split where SQLite's own tokenizer says a
    statement is complete (comments and quoted semicolons are no end)."""
    out: list[str] = []
    pending = ""
    for line in script.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            out.append(pending)
            pending = ""
    if pending.strip() and not _only_comments(pending):
        out.append(pending)  # an unterminated last statement: let SQLite say what is wrong
    return out


def _only_comments(text: str) -> bool:
    return all(not line.strip() or line.strip().startswith("--") for line in text.splitlines())


async def _probe_write_lock(conn: aiosqlite.Connection, version: int) -> None:
    """Take the write lock and write one header field, then roll back.

    Fails with SQLITE_BUSY if another process holds the lock past the busy timeout and with
    SQLITE_READONLY if the file cannot be written; nothing is changed either way.
    """
    await conn.execute("BEGIN IMMEDIATE")
    try:
        await conn.execute(f"PRAGMA user_version = {version}")
    finally:
        await conn.execute("ROLLBACK")
