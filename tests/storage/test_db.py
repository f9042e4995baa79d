"""open_db on real files: fresh, migrated, refused, locked, read-only, corrupt, foreign.

Every failure must come out as one DatabaseError line naming the file, never a traceback.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sqlite3
import sys
import textwrap
from pathlib import Path

import aiosqlite
import pytest

from arbot.storage import db
from arbot.storage.db import MIGRATIONS, DatabaseError, Migration, open_db
from tests.unprivileged import unprivileged

TABLES = {"quotes", "opportunities", "trades", "orders", "fills", "feed_events"}

LATEST = MIGRATIONS[-1].version


async def _rows(conn: aiosqlite.Connection, sql: str) -> list[tuple[object, ...]]:
    return [tuple(r) for r in await conn.execute_fetchall(sql)]


def _version(path: Path) -> int:
    with sqlite3.connect(path) as c:
        return int(c.execute("PRAGMA user_version").fetchone()[0])


async def test_fresh_file_gets_schema_and_pragmas(tmp_path: Path) -> None:
    path = tmp_path / "arbot.db"
    conn = await open_db(path)
    try:
        assert path.is_file()
        assert await _rows(conn, "PRAGMA user_version") == [(len(MIGRATIONS),)]
        assert await _rows(conn, "PRAGMA journal_mode") == [("wal",)]
        assert await _rows(conn, "PRAGMA synchronous") == [(1,)]  # NORMAL
        assert await _rows(conn, "PRAGMA foreign_keys") == [(1,)]
        assert await _rows(conn, "PRAGMA busy_timeout") == [(5000,)]
        names = await _rows(conn, "SELECT type, name FROM sqlite_master")
        assert {n for t, n in names if t == "table"} >= TABLES
        indexes = {n for t, n in names if t == "index"}
        assert {"quotes_ts", "opportunities_opened", "trades_ts"} <= indexes
        assert "quotes_symbol_ts" not in indexes  # dropped by step 6: the writer's largest cost
        assert not conn.in_transaction
    finally:
        await conn.close()


async def test_schema_links_trades_orders_fills_and_enforces_keys(tmp_path: Path) -> None:
    conn = await open_db(tmp_path / "a.db")
    try:
        await conn.executescript(
            """
            INSERT INTO trades (trade_id, mode, symbol, buy_venue, sell_venue, qty, status,
                                ts_open_ns) VALUES ('t1', 'paper', 'BTC-USDT', 'okx', 'bybit',
                                0.5, 'open', 1);
            INSERT INTO orders (client_order_id, trade_id, venue, symbol, side, order_type, qty,
                                status, ts_created_ns, ts_updated_ns)
                        VALUES ('o1', 't1', 'okx', 'BTC-USDT', 'buy', 'market', 0.5, 'new', 1, 1);
            INSERT INTO fills (client_order_id, trade_id, venue_fill_id, venue, symbol, side,
                               qty, price, fee, fee_asset, ts_recv_ns)
                       VALUES ('o1', 't1', 'f1', 'okx', 'BTC-USDT', 'buy', 0.5, 100.0, 0.05,
                               'USDT', 2);
            """
        )
        with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"):
            await conn.execute(
                "INSERT INTO orders (client_order_id, trade_id, venue, symbol, side, order_type,"
                " qty, status, ts_created_ns, ts_updated_ns)"
                " VALUES ('o2', 'missing', 'okx', 'BTC-USDT', 'sell', 'market', 1, 'new', 1, 1)"
            )
        with pytest.raises(sqlite3.IntegrityError, match="UNIQUE"):  # same venue fill twice
            await conn.execute(
                "INSERT INTO fills (client_order_id, venue_fill_id, venue, symbol, side, qty,"
                " price, ts_recv_ns) VALUES ('o1', 'f1', 'okx', 'BTC-USDT', 'buy', 1, 1, 3)"
            )
        assert await _rows(conn, "SELECT count(*) FROM fills") == [(1,)]
    finally:
        await conn.close()


async def test_empty_existing_file_is_initialised(tmp_path: Path) -> None:
    path = tmp_path / "empty.db"
    path.touch()
    conn = await open_db(path)
    await conn.close()
    assert _version(path) == LATEST


async def test_version_1_file_keeps_data_and_gets_new_steps(tmp_path: Path) -> None:
    path = tmp_path / "a.db"
    conn = await open_db(path, migrations=MIGRATIONS[:1])  # a file from the first release
    await conn.execute(
        "INSERT INTO quotes (ts_recv_ns, venue, symbol, bid, bid_size, ask, ask_size)"
        " VALUES (1, 'okx', 'BTC-USDT', 1.5, 2.0, 1.6, 3.0)"
    )
    await conn.close()
    assert _version(path) == 1

    conn = await open_db(path)  # the real upgrade to the current schema, data intact
    assert await _rows(conn, "SELECT count(*) FROM quotes") == [(1,)]
    await conn.close()
    assert _version(path) == LATEST

    step_a = Migration(LATEST + 1, "quote notes", "ALTER TABLE quotes ADD COLUMN note TEXT;")
    step_b = Migration(LATEST + 2, "extra table", "CREATE TABLE extra (x INTEGER);")
    conn = await open_db(path, migrations=(*MIGRATIONS, step_a, step_b))
    try:
        assert await _rows(conn, "PRAGMA user_version") == [(LATEST + 2,)]
        assert await _rows(conn, "SELECT symbol, note FROM quotes") == [("BTC-USDT", None)]
        assert await _rows(conn, "SELECT count(*) FROM extra") == [(0,)]
    finally:
        await conn.close()


async def test_failed_step_is_rolled_back_whole(tmp_path: Path) -> None:
    path = tmp_path / "a.db"
    await (await open_db(path)).close()
    bad = Migration(LATEST + 1, "broken", "CREATE TABLE extra (x INTEGER);\nTHIS IS NOT SQL;")
    with pytest.raises(DatabaseError) as info:
        await open_db(path, migrations=(*MIGRATIONS, bad))
    assert info.value.kind == "migration"
    assert str(path) in str(info.value) and f"schema {LATEST + 1} (broken)" in str(info.value)
    assert _version(path) == LATEST
    with sqlite3.connect(path) as c:
        assert c.execute("SELECT count(*) FROM sqlite_master WHERE name='extra'").fetchone() == (0,)


@pytest.mark.parametrize("readonly", [False, True])
async def test_newer_schema_is_refused(tmp_path: Path, readonly: bool) -> None:
    path = tmp_path / "a.db"
    await (await open_db(path)).close()
    with sqlite3.connect(path) as c:
        c.execute(f"PRAGMA user_version = {LATEST + 1}")
    with pytest.raises(DatabaseError) as info:
        await open_db(path, readonly=readonly)
    assert info.value.kind == "newer_schema"
    assert str(info.value) == (
        f"database {path} was created by a newer ArBot (schema {LATEST + 1}, this version"
        f" supports {LATEST});"
        " upgrade ArBot or use a different database file"
    )
    assert _version(path) == LATEST + 1


async def test_a_step_applied_meanwhile_is_not_applied_again(tmp_path: Path) -> None:
    """A process that read an older version, then waited for the lock while another
    migrated the file to the end, must not run a step again: step 6 (DROP INDEX IF
    EXISTS) would succeed and set the version back, and the next step then fails."""
    path = tmp_path / "a.db"
    conn = await open_db(path)
    try:
        await db._apply(conn, path, MIGRATIONS[5])  # what the late process would run next
        assert await _rows(conn, "PRAGMA user_version") == [(LATEST,)]
        assert not conn.in_transaction
    finally:
        await conn.close()


async def test_concurrent_first_opens_both_succeed(tmp_path: Path) -> None:
    path = tmp_path / "a.db"
    results = await asyncio.gather(*(open_db(path) for _ in range(4)), return_exceptions=True)
    for conn in results:
        if isinstance(conn, aiosqlite.Connection):
            await conn.close()
    assert all(isinstance(c, aiosqlite.Connection) for c in results), results
    assert _version(path) == LATEST


@pytest.mark.parametrize("journal", ["wal", "delete"])
async def test_locked_by_another_process(tmp_path: Path, journal: str) -> None:
    path = tmp_path / "a.db"
    if journal == "wal":
        await (await open_db(path)).close()
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(DatabaseError) as info:
            await open_db(path, busy_timeout_s=0.1)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert info.value.kind == "locked"
    assert info.value.path == path
    assert str(info.value).startswith(f"database {path} is locked by another process")
    await (await open_db(path)).close()  # lock released: opens fine


async def test_a_missing_folder_is_refused_and_not_created(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "er" / "arbot.db"
    with pytest.raises(DatabaseError) as info:
        await open_db(path)
    assert info.value.kind == "cannot_open"
    assert str(info.value) == (f"folder {path.parent} for database {path} does not exist; "
                               "create it or choose another path")
    assert not (tmp_path / "deep").exists()


async def test_parent_is_a_regular_file(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    path = blocker / "arbot.db"
    with pytest.raises(DatabaseError) as info:
        await open_db(path)
    assert info.value.kind == "cannot_open"
    assert str(info.value) == (f"{blocker} is not a folder, so it cannot hold database {path}; "
                               "choose another path")


async def test_path_is_a_directory(tmp_path: Path) -> None:
    with pytest.raises(DatabaseError) as info:
        await open_db(tmp_path)
    assert info.value.kind == "cannot_open" and "is a directory" in str(info.value)


# Root ignores file modes: the check runs in a child that file modes bind (`unprivileged`).
_CHILD = textwrap.dedent(
    """
    import asyncio, sys
    from arbot.storage.db import DatabaseError, open_db

    async def main() -> None:
        try:
            conn = await open_db(sys.argv[1], readonly=sys.argv[2:] == ["ro"],
                                 busy_timeout_s=0.5)
        except DatabaseError as exc:
            print(exc.kind)
            print(exc)
            return
        rows = await conn.execute_fetchall("SELECT count(*) FROM quotes")
        await conn.close()
        print("opened")
        print(rows[0][0])

    asyncio.run(main())
    """
)


def _open_unprivileged(path: Path, *args: str) -> tuple[str, str]:
    done = unprivileged([sys.executable, "-c", _CHILD, str(path), *args])
    assert done.returncode == 0, done.stderr  # no traceback, whatever happened
    assert done.stderr == ""
    kind, message = done.stdout.splitlines()[:2]
    return kind, message


async def test_read_only_file_is_explained(tmp_path: Path) -> None:
    path = tmp_path / "ro.db"
    await (await open_db(path)).close()
    before = path.read_bytes()
    path.chmod(0o444)
    try:
        kind, message = _open_unprivileged(path)
    finally:
        path.chmod(0o644)
    assert kind == "readonly"
    assert message.startswith(f"database {path} is read-only; check the permissions")
    assert path.read_bytes() == before


async def test_unwritable_directory_is_explained(tmp_path: Path) -> None:
    folder = tmp_path / "locked-dir"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        kind, message = _open_unprivileged(folder / "new.db")
    finally:
        folder.chmod(0o755)
    assert kind == "cannot_open"
    assert message.startswith(f"cannot open database {folder / 'new.db'}; check that its directory")
    assert not (folder / "new.db").exists()


async def test_readonly_open_reads_and_never_writes(tmp_path: Path) -> None:
    path = tmp_path / "a.db"
    await (await open_db(path)).close()
    conn = await open_db(path, readonly=True)
    try:
        assert await _rows(conn, "SELECT count(*) FROM quotes") == [(0,)]
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            await conn.execute("DELETE FROM quotes")
    finally:
        await conn.close()


async def test_readonly_open_of_missing_file(tmp_path: Path) -> None:
    with pytest.raises(DatabaseError) as info:
        await open_db(tmp_path / "nope.db", readonly=True)
    assert info.value.kind == "missing" and "no database at" in str(info.value)
    assert not (tmp_path / "nope.db").exists()


async def test_readonly_open_does_not_migrate(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    path.touch()  # a valid, empty database at schema 0
    with pytest.raises(DatabaseError) as info:
        await open_db(path, readonly=True)
    assert info.value.kind == "outdated_schema"
    assert "open it once with write access" in str(info.value)
    assert path.stat().st_size == 0


@pytest.mark.parametrize("header", [b"", b"SQLite format 3\x00"])
async def test_corrupt_file_is_explained(tmp_path: Path, header: bytes) -> None:
    path = tmp_path / "junk.db"
    junk = header + os.urandom(16384)
    path.write_bytes(junk)
    for readonly in (False, True):
        with pytest.raises(DatabaseError) as info:
            await open_db(path, readonly=readonly)
        assert info.value.kind == "corrupt"
        assert str(info.value) == (
            f"database {path} is not an ArBot database or is corrupt;"
            " move the file aside or use a different database file"
        )
    assert path.read_bytes() == junk


async def test_other_programs_database_is_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as c:
        c.execute("CREATE TABLE contacts (name TEXT)")
    with pytest.raises(DatabaseError) as info:
        await open_db(path)
    assert info.value.kind == "foreign" and "another program" in str(info.value)
    with sqlite3.connect(path) as c:
        assert c.execute("SELECT name FROM sqlite_master").fetchall() == [("contacts",)]


def test_database_error_is_one_line() -> None:
    err = DatabaseError("first line\nsecond   line\n", kind="other")
    assert str(err) == "first line second line" == err.message


def _record(path: Path, quotes: int) -> sqlite3.Connection:
    """A database with `quotes` rows, committed to its WAL and not checkpointed; the open
    connection keeps the -wal and -shm files (closing it merges and removes them)."""
    asyncio.run(_create(path))
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA wal_autocheckpoint = 0")
    conn.executemany("INSERT INTO quotes (ts_recv_ns, venue, symbol, bid, bid_size, ask,"
                     " ask_size) VALUES (?, 'binance', 'BTC-USDT', 1.0, 1.0, 2.0, 1.0)",
                     [(n,) for n in range(quotes)])
    return conn


async def _create(path: Path) -> None:
    await (await open_db(path)).close()


def test_readonly_open_in_a_read_only_folder(tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    _record(folder / "a.db", 3).close()  # a clean close: no -wal, no -shm left
    before = sorted(p.name for p in folder.iterdir())
    folder.chmod(0o555)
    try:
        assert _open_unprivileged(folder / "a.db", "ro") == ("opened", "3")
    finally:
        folder.chmod(0o755)
    assert sorted(p.name for p in folder.iterdir()) == before == ["a.db"]


def test_readonly_open_with_unmerged_wal_but_no_shm_is_refused(tmp_path: Path) -> None:
    """Without its -shm SQLite cannot read a WAL, and cannot create one here; reading the
    file alone would silently miss the WAL's rows, so it is refused with what to do."""
    writer = _record(tmp_path / "a.db", 3)
    folder = tmp_path / "ro"
    folder.mkdir()
    for name in ("a.db", "a.db-wal"):
        shutil.copyfile(tmp_path / name, folder / name)
    writer.close()
    folder.chmod(0o555)
    try:
        kind, message = _open_unprivileged(folder / "a.db", "ro")
    finally:
        folder.chmod(0o755)
    path = folder / "a.db"
    assert kind == "readonly"
    assert message == (f"database {path} has writes in a.db-wal that SQLite cannot read "
                       "in a read-only folder (it needs to create a.db-shm there); copy "
                       "a.db with its a.db-wal to a writable folder and read the copy")


async def test_step_6_drops_the_symbol_index_of_a_recording_and_keeps_its_quotes(
        tmp_path: Path) -> None:
    path = tmp_path / "a.db"
    conn = await open_db(path, migrations=MIGRATIONS[:5])  # a recording made before step 6
    await conn.executemany(
        "INSERT INTO quotes (ts_recv_ns, ts_exchange_ms, venue, symbol, bid, bid_size, ask,"
        " ask_size) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [(1_000 + i, i, "okx", f"S{i % 7}-USDT", 1.0 + i, 2.0, 1.5 + i, 3.0)
         for i in range(500)])
    before = await _rows(conn, "SELECT * FROM quotes ORDER BY id")
    assert ("quotes_symbol_ts",) in await _rows(
        conn, "SELECT name FROM sqlite_master WHERE type = 'index'")
    await conn.close()

    conn = await open_db(path)
    try:
        assert _version(path) == LATEST >= 6
        indexes = {n for (n,) in await _rows(
            conn, "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'quotes'")}
        assert indexes == {"quotes_ts"}
        assert await _rows(conn, "SELECT * FROM quotes ORDER BY id") == before
        # a one-symbol export now walks the time index rather than sorting the table
        plan = " ".join(str(r[-1]) for r in await _rows(
            conn, "EXPLAIN QUERY PLAN SELECT * FROM quotes WHERE symbol = 'S1-USDT'"
            " AND ts_recv_ns >= 0 ORDER BY ts_recv_ns, id LIMIT 10"))
        assert "quotes_ts" in plan and "TEMP B-TREE" not in plan
    finally:
        await conn.close()
