"""The instance lock in one process: the holder's pid and purpose in the refusal, the file
removed on release, a stale file (its holder gone) taken over, and no lock for a database
in a folder that does not exist."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from arbot.storage.db import DatabaseError
from arbot.storage.lock import hold_database


def test_a_second_hold_is_refused_naming_the_holder_and_release_removes_the_file(
        tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    lock = tmp_path / "a.db.lock"
    with hold_database(db, "running"):
        assert lock.read_text() == f"{os.getpid()} running\n"
        with pytest.raises(DatabaseError) as info, hold_database(db, "db vacuum"):
            pass
        assert info.value.kind == "in_use"
        assert str(info.value) == (f"database {db} is in use by another ArBot (pid "
                                   f"{os.getpid()}, running); stop that one first, or use "
                                   "another database file")
        assert lock.read_text() == f"{os.getpid()} running\n"  # the refused one wrote nothing
    assert not lock.exists()
    assert not db.exists()  # the lock never creates the database


def test_a_stale_lock_file_is_taken_over(tmp_path: Path) -> None:
    lock = tmp_path / "a.db.lock"
    lock.write_text("999999999 running\n")  # left by a holder that was killed
    with hold_database(tmp_path / "a.db", "import"):
        assert lock.read_text() == f"{os.getpid()} import\n"


def test_no_lock_in_a_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(DatabaseError) as info, hold_database(tmp_path / "no" / "a.db", "x"):
        pass
    assert "does not exist" in str(info.value) and not (tmp_path / "no").exists()
