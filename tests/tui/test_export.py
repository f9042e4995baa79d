"""The export dialog: CSVs that match the database, bad times refused by their fields,
the table on screen exported as shown, and failures reported instead of crashing."""

from __future__ import annotations

import csv
import re
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from textual.app import App
from textual.notifications import SeverityLevel
from textual.widgets import Input, Label, ProgressBar

from arbot.domain import OrderRequest, Quote, Side, Venue
from arbot.export import TRADE_HEADER
from arbot.storage.db import open_db
from arbot.storage.journal import TradeClose, TradeIntent, TradeJournal
from arbot.storage.writer import Writer
from arbot.timefmt import format_time_ns, parse_time_ns
from arbot.tradekinds import LegOutcome, TradeStatus, TradingMode
from arbot.tui.export import ExportDialog, default_path

T0 = parse_time_ns("2024-05-01T00:00:00Z")
S = 1_000_000_000
QUOTES = 1200  # more than one progress step and one query chunk
EPISODES = 3


class Host(App[None]):
    """A bare app that opens the export dialog and records notifications and the result."""

    def __init__(self, db: Path, table: Any = None, busy_timeout_s: float = 5.0) -> None:
        super().__init__()
        self.animation_level = "none"
        self.db = db
        self.table = table
        self.busy_timeout_s = busy_timeout_s
        self.notes: list[tuple[SeverityLevel, str]] = []
        self.results: list[Path | None] = []

    def on_mount(self) -> None:
        dialog = ExportDialog(str(self.db), self.table, busy_timeout_s=self.busy_timeout_s)
        self.push_screen(dialog, self.results.append)

    def notify(self, message: str, *, title: str = "", severity: SeverityLevel = "information",
               timeout: float | None = None, markup: bool = True) -> None:
        self.notes.append((severity, message))
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=markup)


def episode(k: int) -> tuple[object, ...]:
    """An `episode_open` row: (episode_id, run_id, symbol, buy, sell, opened_ns, ...)."""
    return (f"ep-{k}", None, "BTC-USDT", "okx", "binance", T0 + k * 10 * S, 6.5 + k, 7.5 + k,
            0.01, 0.075, 60000.0, 60100.5, 0.5, 0.25, 10.0, 10.0, T0 + k * 10 * S - 5,
            T0 + k * 10 * S - 7, "passed",
            # walked figures (migration 7): depth 1, so the top of book
            0.01, 0.075, 7.5 + k, 60000.0, 60100.5, 60000.0, 60100.5, 1, 1,
            # the amortized transfer cost (migration 10)
            1.5)


@pytest.fixture
async def db(tmp_path: Path) -> Path:
    path = tmp_path / "rec.db"
    conn = await open_db(path)
    async with Writer(conn, flush_ms=10) as writer:
        for i in range(QUOTES):
            venue = (Venue.OKX, Venue.BINANCE)[i % 2]
            await writer.put_quote(Quote(venue=venue, symbol="BTC-USDT", bid=60000.0 + i / 100,
                                         bid_size=0.5 + i, ask=60001.25 + i / 100,
                                         ask_size=1e-5 * (i + 1), ts_exchange_ms=None,
                                         ts_recv_ns=T0 + i * S))
        for k in range(EPISODES):
            await writer.put("episode_open", episode(k))
    await conn.close()
    return path


def db_rows(db: Path, sql: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql).fetchall()


def read_csv(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


def dialog(app: App[Any]) -> ExportDialog:
    assert isinstance(app.screen, ExportDialog)
    return app.screen


def set_field(app: App[Any], name: str, value: str) -> None:
    dialog(app).query_one(f"#export-{name}", Input).value = value


def error_text(app: App[Any], name: str) -> str:
    label = dialog(app).query_one(f"#error-{name}", Label)
    return str(label.render()) if label.has_class("-shown") else ""


async def run_export(app: App[Any], pilot: Any) -> None:
    await pilot.press("ctrl+s")
    await app.workers.wait_for_complete()
    await pilot.pause()


async def test_quotes_in_a_time_range_match_the_database(db: Path, tmp_path: Path) -> None:
    target = tmp_path / "out" / "q.csv"
    app = Host(db)
    async with app.run_test(size=(100, 30)) as pilot:
        set_field(app, "since", "2024-05-01T00:00:10Z")
        set_field(app, "until", "2024-05-01T00:00:20")  # no zone: UTC
        set_field(app, "path", str(target))
        await run_export(app, pilot)
        assert app.notes[-1] == ("information", f"Exported 10 quotes to {target}")
    assert app.results == [target]
    rows = read_csv(target)
    assert rows[0] == ["ts", "venue", "symbol", "bid", "bid_size", "ask", "ask_size"]
    expected = db_rows(db, "SELECT ts_recv_ns, venue, symbol, bid, bid_size, ask, ask_size"
                       f" FROM quotes WHERE ts_recv_ns >= {T0 + 10 * S}"
                       f" AND ts_recv_ns < {T0 + 20 * S} ORDER BY ts_recv_ns")
    assert len(expected) == 10
    assert [(r[0], r[1], r[2], *map(float, r[3:])) for r in rows[1:]] == [
        (format_time_ns(e[0]), *e[1:]) for e in expected]
    assert rows[1][0] == "2024-05-01T00:00:10.000000Z"
    assert not any("e" in cell for r in rows[1:] for cell in r[3:])  # no exponent form


async def test_all_quotes_with_a_progress_bar(db: Path, tmp_path: Path) -> None:
    target = tmp_path / "all.csv"
    app = Host(db)
    async with app.run_test(size=(100, 30)) as pilot:
        set_field(app, "path", str(target))
        bar = dialog(app).query_one(ProgressBar)
        await run_export(app, pilot)
        assert (bar.total, bar.progress) == (QUOTES, QUOTES)
    assert len(read_csv(target)) == QUOTES + 1


async def test_opportunities_chosen_from_the_keyboard(db: Path, tmp_path: Path) -> None:
    app = Host(db)
    async with app.run_test(size=(100, 30)) as pilot:
        path = dialog(app).query_one("#export-path", Input)
        assert re.fullmatch(r"\./exports/arbot-quotes-\d{8}T\d{6}Z\.csv", path.value)
        await pilot.press("down", "enter")  # the radio set has focus on open
        assert dialog(app).what == "opportunities"
        assert re.fullmatch(r"\./exports/arbot-opportunities-\d{8}T\d{6}Z\.csv", path.value)
        target = tmp_path / "eps.csv"
        path.value = str(target)
        await run_export(app, pilot)
        assert app.notes[-1] == ("information", f"Exported {EPISODES} opportunities to {target}")
    rows = read_csv(target)
    assert rows[0][:6] == ["episode_id", "symbol", "buy_venue", "sell_venue", "opened", "closed"]
    assert [(r[0], r[4], float(r[7]), r[19]) for r in rows[1:]] == [
        (eid, format_time_ns(opened), net, verdict) for eid, opened, net, verdict in
        db_rows(db, "SELECT episode_id, opened_ns, net_bps_open, verdict FROM opportunities"
                    " ORDER BY opened_ns")]


async def test_trades_export_as_arbot_export_trades_does(db: Path, tmp_path: Path) -> None:
    journal = TradeJournal(db)
    for k in range(2):
        buy = OrderRequest(client_id=f"t{k}b", venue=Venue.OKX, symbol="BTC-USDT",
                           venue_symbol="BTC-USDT", side=Side.BUY, price="60000.5", qty="0.001")
        sell = OrderRequest(client_id=f"t{k}s", venue=Venue.BINANCE, symbol="BTC-USDT",
                            venue_symbol="BTCUSDT", side=Side.SELL, price="60100.0", qty="0.001")
        journal.intent(TradeIntent(trade_id=f"t{k}", episode_id=f"ep-{k}",
                                   mode=TradingMode.PAPER, run_id=1, symbol="BTC-USDT", buy=buy,
                                   sell=sell, buy_price=60000.5, sell_price=60100.0,
                                   expected_profit=0.02, ts_ns=T0 + k * S))
        journal.close_trade(TradeClose(trade_id=f"t{k}", status=TradeStatus.FILLED,
                                       leg_outcome=LegOutcome.BALANCED, detail="", buy_qty=0.001,
                                       sell_qty=0.001, buy_avg=60000.5, sell_avg=60100.0,
                                       fees=0.12, pnl=-0.02 + k, ts_ns=T0 + k * S + 5))
    journal.close()
    target = tmp_path / "trades.csv"
    app = Host(db)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("down", "down", "enter")
        assert dialog(app).what == "trades"
        assert not dialog(app).query("#what-table")  # no table offered without one
        set_field(app, "path", str(target))
        await run_export(app, pilot)
    assert app.results == [target]
    rows = read_csv(target)
    assert rows[0] == list(TRADE_HEADER)
    assert [(r[0], r[16]) for r in rows[1:]] == [("t0", "-0.02"), ("t1", "0.98")]


@pytest.mark.parametrize(("field", "since", "until", "expected"), [
    ("since", "yesterday", "", "cannot read time 'yesterday': use ISO-8601"),
    ("until", "", "2024-13-01", "cannot read time '2024-13-01'"),
    ("until", "2024-05-02", "2024-05-01", "must be later than since"),
])
async def test_a_bad_time_is_refused_next_to_its_field(
        db: Path, tmp_path: Path, field: str, since: str, until: str, expected: str) -> None:
    target = tmp_path / "never.csv"
    app = Host(db)
    async with app.run_test(size=(100, 30)) as pilot:
        set_field(app, "since", since)
        set_field(app, "until", until)
        set_field(app, "path", str(target))
        await run_export(app, pilot)
        assert error_text(app, field).startswith(expected)
        assert dialog(app).query_one(f"#export-{field}", Input).has_class("-invalid")
        assert dialog(app).focused is dialog(app).query_one(f"#export-{field}")
        assert app.notes == [] and app.results == []
        set_field(app, "since", "")
        set_field(app, "until", "")
        await run_export(app, pilot)  # fixed: the errors go and the export runs
    assert app.results == [target] and len(read_csv(target)) == QUOTES + 1


async def test_the_table_on_screen_is_written_as_shown(db: Path, tmp_path: Path) -> None:
    header = ["symbol", "buy", "sell", "net bps"]
    shown = [["BTC-USDT", "okx", "binance", "6.50"], ["ETH-USDT", "bybit", "bitget", "5.1"]]
    target = tmp_path / "table.csv"
    app = Host(db, lambda: (header, shown))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("up", "enter")  # wraps from Quotes to the last option
        assert dialog(app).what == "table"
        assert dialog(app).query_one("#export-since", Input).disabled
        set_field(app, "path", str(target))
        await run_export(app, pilot)
        assert app.notes[-1] == ("information", f"Exported 2 rows to {target}")
    assert read_csv(target) == [header, *shown]


async def test_an_unwritable_path_is_an_error_notification(db: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    app = Host(db)
    async with app.run_test(size=(100, 30)) as pilot:
        set_field(app, "path", str(blocker / "q.csv"))
        await run_export(app, pilot)
        severity, message = app.notes[-1]
        assert severity == "error" and message.startswith(f"Export failed: cannot write {blocker}")
        assert isinstance(app.screen, ExportDialog) and app.results == []
        assert not dialog(app).query_one("#export").disabled  # can try another path
        set_field(app, "path", str(tmp_path / "ok.csv"))
        await run_export(app, pilot)
    assert app.results == [tmp_path / "ok.csv"]


@pytest.mark.parametrize(("content", "expected"), [
    (None, "no database at"),
    (b"this is not a database, just text" * 100, "not an ArBot database"),
])
async def test_a_missing_or_broken_database_is_an_error_notification(
        tmp_path: Path, content: bytes | None, expected: str) -> None:
    db = tmp_path / "bad.db"
    if content is not None:
        db.write_bytes(content)
    app = Host(db)
    async with app.run_test(size=(100, 30)) as pilot:
        set_field(app, "path", str(tmp_path / "q.csv"))
        await run_export(app, pilot)
        severity, message = app.notes[-1]
        assert severity == "error" and message.startswith("Export failed: ")
        assert expected in message and str(db) in message
        assert isinstance(app.screen, ExportDialog)
    assert not (tmp_path / "q.csv").exists()


async def test_a_locked_database_is_an_error_notification(db: Path, tmp_path: Path) -> None:
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA journal_mode=DELETE")  # in WAL mode readers are never locked out
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        app = Host(db, busy_timeout_s=0.05)
        async with app.run_test(size=(100, 30)) as pilot:
            set_field(app, "path", str(tmp_path / "q.csv"))
            await run_export(app, pilot)
            assert app.notes[-1][0] == "error"
            assert app.notes[-1][1].startswith(f"Export failed: database {db} is locked")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert not (tmp_path / "q.csv").exists()


async def test_a_failing_table_source_is_an_error_notification(db: Path, tmp_path: Path) -> None:
    def broken() -> tuple[list[str], list[list[str]]]:
        raise RuntimeError("table went away")

    app = Host(db, broken)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("up", "enter")
        set_field(app, "path", str(tmp_path / "t.csv"))
        await run_export(app, pilot)
        assert app.notes[-1] == ("error", "Export failed: RuntimeError: table went away")


async def test_escape_cancels(db: Path, tmp_path: Path) -> None:
    app = Host(db)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, ExportDialog)
    assert app.results == [None] and app.notes == []


def test_default_path_names_what_and_when() -> None:
    import datetime as dt

    when = dt.datetime(2024, 5, 1, 12, 30, 5, tzinfo=dt.UTC)
    assert default_path("quotes", when) == "./exports/arbot-quotes-20240501T123005Z.csv"


def test_bindings_have_ids_and_descriptions() -> None:
    for binding in ExportDialog.BINDINGS:
        assert not isinstance(binding, tuple)
        assert binding.id and binding.description


async def test_the_time_hints_fit_their_fields_at_80_columns(db: Path) -> None:
    app = Host(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        for name in ("since", "until"):
            field = app.screen.query_one(f"#export-{name}", Input)
            assert len(field.placeholder) <= field.content_region.width, field.placeholder
