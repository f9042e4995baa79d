"""Which recorded history a backtest reads: a Parquet archive or the SQLite database.

Its own module so that `arbot.backtest.history`, which the Parquet reader builds on,
never imports the reader back (no import cycle between the two packages).
"""

from __future__ import annotations

from pathlib import Path

from arbot.backtest.history import History, SqliteHistory


def open_history(db: Path | None, archive: str | None) -> History:
    """The history at `archive` (a Parquet folder or fsspec URL) if given, else `db`."""
    if archive is not None:
        from arbot.parquet.history import ParquetHistory  # the research extra, when used

        return ParquetHistory(archive)
    assert db is not None
    return SqliteHistory(db)
