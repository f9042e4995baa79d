"""SQLite storage: open/migrate (`db`), the single batched writer (`writer`), reads (`queries`).

Importing this package is cheap (aiosqlite and the schema text only); nothing opens a file
until `open_db` is called.
"""

from arbot.storage.db import MIGRATIONS, DatabaseError, Migration, database_error, open_db
from arbot.storage.queries import count_quotes, delete_quotes_older_than, iter_quotes
from arbot.storage.rows import STATEMENTS, WriterStats, quote_row
from arbot.storage.writer import Writer

__all__ = [
    "MIGRATIONS",
    "STATEMENTS",
    "DatabaseError",
    "Migration",
    "Writer",
    "WriterStats",
    "count_quotes",
    "database_error",
    "delete_quotes_older_than",
    "iter_quotes",
    "open_db",
    "quote_row",
]
