"""Shared by the import tests: the fixtures, and the database read back with plain sqlite3."""

from __future__ import annotations

import gzip
import shutil
import sqlite3
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
TARDIS = FIXTURES / "imports/SYNTHETIC_tardis_quotes.csv"
BOOKTICKER = FIXTURES / "imports/SYNTHETIC_binance_bookTicker.csv"
Capture = pytest.CaptureFixture[str]
QuoteRow = tuple[int, int | None, str, str, float, float, float, float]


def stored(db: Path) -> list[QuoteRow]:
    """Every quote row (receive ns, exchange ms, venue, symbol, bid, bid size, ask, ask
    size), in (receive time, id) order."""
    with sqlite3.connect(db) as c:
        return [tuple(r) for r in c.execute(
            "SELECT ts_recv_ns, ts_exchange_ms, venue, symbol, bid, bid_size, ask, ask_size"
            " FROM quotes ORDER BY ts_recv_ns, id")]


def gzipped(src: Path, dst: Path) -> Path:
    with src.open("rb") as i, gzip.open(dst, "wb") as o:
        shutil.copyfileobj(i, o)
    return dst


def report_of(out: str, name: str) -> str:
    """The block of the import report for the file whose name is `name`."""
    blocks = out.split("\n/")
    found = [b for b in blocks if f"{name} (" in b.splitlines()[0]]
    assert len(found) == 1, out
    return found[0]
