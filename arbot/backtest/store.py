"""The backtest's own database: the replayed episodes and the paper trades, in ArBot's
schema, so `arbot export ... --db OUT/backtest.db` and any SQLite tool read it like a
recording.

Live, episodes go through the batched writer and trades through the journal's thread,
because the feeds must never wait on the disk. A replay has no feeds to protect and one
thread is faster and deterministic: episodes are buffered with the recorder's own row
functions and statements and committed once per page; the journal's writes run inline
(`InlineJournal`), each still committed before the replay moves on.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import ParamSpec, TypeVar

import msgspec

from arbot.domain import EpisodeEvent, EpisodeKind
from arbot.events import Sink
from arbot.storage.db import database_error, open_db
from arbot.storage.journal import TradeJournal
from arbot.storage.rows import STATEMENTS, Row, episode_close_row, episode_open_row

P = ParamSpec("P")
T = TypeVar("T")


async def create(path: Path) -> None:
    """A new, migrated database at `path`."""
    conn = await open_db(path)
    await conn.close()


class InlineJournal(TradeJournal):
    """The trade journal, with every call run at once on the caller's thread."""

    async def run(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        return fn(*args, **kwargs)


class EpisodeStore(Sink):
    """An episode sink writing `opportunities` rows as the recorder does, plus the run's
    row; `flush()` commits what is buffered in one transaction."""

    def __init__(self, path: Path, run_id: int) -> None:
        self.path = path
        self.run_id = run_id
        try:
            self._conn = sqlite3.connect(path, isolation_level=None)
            self._conn.execute("PRAGMA synchronous = NORMAL")
        except sqlite3.Error as exc:
            raise database_error(exc, path) from exc
        self._rows: dict[str, list[Row]] = {"episode_open": [], "episode_close": []}

    def on_episode(self, event: EpisodeEvent) -> None:
        if event.kind is EpisodeKind.OPEN:
            self._rows["episode_open"].append(episode_open_row(event.episode, self.run_id))
        elif event.kind is EpisodeKind.CLOSE:
            self._rows["episode_close"].append(episode_close_row(event.episode))

    def flush(self) -> None:
        if not any(self._rows.values()):
            return
        self._write([(STATEMENTS[k], rows) for k, rows in self._rows.items() if rows])
        for rows in self._rows.values():
            rows.clear()

    def start_run(self, started_ns: int, demo: bool, settings: Mapping[str, object]) -> None:
        self._write([(STATEMENTS["run_start"], [(
            self.run_id, started_ns, int(demo), msgspec.json.encode(settings).decode(), "{}")])])

    def end_run(self, funnel: Mapping[str, object], ended_ns: int) -> None:
        self.flush()
        self._write([(STATEMENTS["run_update"], [(
            ended_ns, msgspec.json.encode(funnel).decode(), self.run_id)])])

    def _write(self, batches: list[tuple[str, list[Row]]]) -> None:
        try:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                for sql, rows in batches:
                    self._conn.executemany(sql, rows)
                self._conn.execute("COMMIT")
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
        except sqlite3.Error as exc:
            raise database_error(exc, self.path) from exc

    def close(self) -> None:
        self._conn.close()
