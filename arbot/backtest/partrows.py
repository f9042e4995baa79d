"""The rows a split backtest writes to its one `backtest.db`: each partition sends back
the rows it owns, and the merge writes them in one canonical order.

A partition replays into a database of its own (`runner`); what it owns there are the
episodes that opened, and the trades (with their orders and fills) that settled, in its
time window, the ones its report counts. The merge assigns row ids afresh, in order of
time and then of each row's own key, so the output does not depend on which partition
finished first. Identifiers a partition makes from its own counters (a trade id's
sequence number, a paper order's and fill's venue ids) can meet another partition's; a
later partition's clash gets `.<partition>` appended, in partition order, and the rows
that refer to it follow.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from arbot.storage.db import database_error

Row = tuple[object, ...]
# table: the columns that order its rows (time first, then the row's own key)
ORDER: Final = {
    "opportunities": ("opened_ns", "episode_id"),
    "trades": ("ts_open_ns", "trade_id"),
    "orders": ("ts_created_ns", "client_order_id"),
    "fills": ("ts_recv_ns", "client_order_id", "venue_fill_id"),
}


@dataclass
class Rows:
    """One partition's owned rows per table, without `id` (the merge assigns it)."""

    columns: dict[str, list[str]] = field(default_factory=dict)
    rows: dict[str, list[Row]] = field(default_factory=dict)
    ended_ns: int | None = None  # when its replay ended (the run row's end)


def owned_rows(db: Path, since: int | None, until: int | None,
               trade_ids: list[str]) -> Rows:
    """The episodes that opened in [since, until) and the trades of `trade_ids` (those
    that settled then), with their orders and fills, from a partition's database."""
    conn = sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True)
    try:
        out = Rows()
        for table in ORDER:
            out.columns[table] = [r[1] for r in conn.execute(f"PRAGMA table_info({table})")
                                  if r[1] != "id"]
        lo = since if since is not None else -(2**63)
        hi = until if until is not None else 2**63 - 1
        out.rows["opportunities"] = _select(conn, out, "opportunities",
                                            "opened_ns >= ? AND opened_ns < ?", (lo, hi))
        conn.execute("CREATE TEMP TABLE owned (trade_id TEXT PRIMARY KEY)")
        conn.executemany("INSERT INTO owned VALUES (?)", [(t,) for t in trade_ids])
        for table in ("trades", "orders", "fills"):
            out.rows[table] = _select(conn, out, table, "trade_id IN (SELECT trade_id FROM owned)",
                                      ())
        ended = conn.execute("SELECT max(ended_ns) FROM runs").fetchone()
        out.ended_ns = ended[0] if ended else None
        return out
    except sqlite3.Error as exc:
        raise database_error(exc, db) from exc
    finally:
        conn.close()


def _select(conn: sqlite3.Connection, out: Rows, table: str, where: str,
            params: tuple[object, ...]) -> list[Row]:
    cols = ", ".join(out.columns[table])
    return conn.execute(f"SELECT {cols} FROM {table} WHERE {where}", params).fetchall()


def merged(parts: list[Rows], run_id: int) -> tuple[dict[str, list[str]], dict[str, list[Row]]]:
    """Every partition's rows (in partition order), clashing ids made unique, `run_id`
    set, each table sorted canonically."""
    columns = next((p.columns for p in parts if p.columns), {})
    tables: dict[str, list[Row]] = {t: [] for t in columns}
    used: dict[str, set[object]] = {"trade": set(), "order": set(), "fill": set()}
    for index, part in enumerate(parts):
        renamed: dict[object, str] = {}
        for t in part.rows["trades"]:
            trade_id = _col(columns, "trades", t, "trade_id")
            if trade_id in used["trade"]:
                renamed[trade_id] = f"{trade_id}.{index}"
            used["trade"].add(renamed.get(trade_id, trade_id))
        for table, rows in part.rows.items():
            cols = columns[table]
            for row in rows:
                values = list(row)
                if "run_id" in cols:
                    values[cols.index("run_id")] = run_id
                _rename(cols, values, renamed)
                if table == "orders":
                    _unique(cols, values, "venue_order_id", used["order"], index)
                if table == "fills":
                    _unique(cols, values, "venue_fill_id", used["fill"], index)
                tables[table].append(tuple(values))
    for table, rows in tables.items():
        keys = [columns[table].index(c) for c in ORDER[table]]
        rows.sort(key=lambda r: tuple(_key(r[k]) for k in keys))
    return columns, tables


def _col(columns: dict[str, list[str]], table: str, row: Row, name: str) -> object:
    return row[columns[table].index(name)]


def _rename(cols: list[str], values: list[object], renamed: dict[object, str]) -> None:
    """A renamed trade's id, and the client order ids made from it, everywhere."""
    if not renamed:
        return
    old = values[cols.index("trade_id")] if "trade_id" in cols else None
    if old not in renamed:
        return
    new = renamed[old]
    values[cols.index("trade_id")] = new
    if "client_order_id" in cols:
        i = cols.index("client_order_id")
        values[i] = new + str(values[i]).removeprefix(str(old))


def _unique(cols: list[str], values: list[object], name: str, used: set[object],
            index: int) -> None:
    i = cols.index(name)
    key = (values[cols.index("venue")], values[i])
    if values[i] is not None and key in used:
        values[i] = f"{values[i]}.{index}"
        key = (key[0], values[i])
    used.add(key)


def _key(v: object) -> tuple[int, object]:
    """None first, then values (a column holds one type)."""
    return (0, 0) if v is None else (1, v)


def write(db: Path, columns: dict[str, list[str]], tables: dict[str, list[Row]]) -> None:
    """The merged rows into `db` (created and migrated, its run row written), in order."""
    conn = sqlite3.connect(db, isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")
        for table in ORDER:
            rows = tables.get(table)
            if rows:
                cols = columns[table]
                conn.executemany(f"INSERT INTO {table} ({', '.join(cols)}) VALUES"
                                 f" ({', '.join('?' * len(cols))})", rows)
        conn.execute("COMMIT")
    except sqlite3.Error as exc:
        raise database_error(exc, db) from exc
    finally:
        conn.close()
