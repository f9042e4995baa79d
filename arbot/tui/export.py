"""Export dialog: recorded quotes, opportunity episodes, trades or the table on screen,
to CSV.

Why a worker and a read-only connection: an export can stream millions of rows, and
neither the UI nor the live recorder may wait for it. Rows come from the same keyset-paged
queries and atomic `write_csv` as `arbot export`, so a CSV from the UI matches one from
the command line, and a failed export leaves no half-written file. An open-ended range
is frozen at the moment Export is pressed, so the COUNT behind the progress bar and the
rows written describe the same set while the recorder keeps adding rows.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, ProgressBar, RadioButton, RadioSet

from arbot.export import (
    EPISODE_HEADER,
    QUOTE_HEADER,
    TRADE_HEADER,
    episode_csv_row,
    quote_csv_row,
    trade_csv_row,
    write_csv,
)
from arbot.storage.db import DEFAULT_BUSY_TIMEOUT_S, DatabaseError, open_db
from arbot.storage.queries import count_episodes, count_quotes, iter_episodes, iter_quotes
from arbot.storage.trade_queries import count_trades, iter_trades
from arbot.timefmt import parse_time_ns

VisibleTable = Callable[[], tuple[list[str], list[list[str]]]]
_PROGRESS_EVERY = 500  # rows between progress-bar updates: cheap, and smooth enough


@dataclass(frozen=True)
class ExportRequest:
    """What the form asked for, once every field has been read and checked."""

    what: str  # "quotes" | "opportunities" | "trades" | "table"
    since_ns: int | None
    until_ns: int | None
    path: Path


def default_path(what: str, now: dt.datetime | None = None) -> str:
    """`./exports/arbot-<what>-<UTC YYYYmmddTHHMMSSZ>.csv`: sorts by time, never clashes."""
    stamp = (now or dt.datetime.now(dt.UTC)).strftime("%Y%m%dT%H%M%SZ")
    return f"./exports/arbot-{what}-{stamp}.csv"


class ExportDialog(ModalScreen[Path | None]):
    """Choose what, when and where; export in a worker with a progress bar.

    Dismissed with the written path, or None when cancelled. Every failure ends in an
    error notification and leaves the dialog open to try another path.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="export-cancel",
                tooltip="Close the dialog; a running export is stopped and leaves no file"),
        Binding("ctrl+s", "export", "Export", id="export-run",
                tooltip="Write the CSV file"),
    ]

    DEFAULT_CSS = """
    ExportDialog { align: center middle; }
    ExportDialog #export-box {
        width: 76; max-width: 100%; height: auto; max-height: 100%;
        border: round $primary; background: $surface; padding: 0 1;
    }
    ExportDialog .title { text-style: bold; }
    ExportDialog .row { height: auto; }
    ExportDialog .row > Label { width: 8; }
    ExportDialog .row > Input { width: 1fr; }
    ExportDialog RadioSet { width: 100%; }
    ExportDialog .error { color: $error; padding-left: 8; width: 100%; display: none; }
    ExportDialog .error.-shown { display: block; }
    ExportDialog ProgressBar { display: none; }
    ExportDialog ProgressBar.-running { display: block; }
    ExportDialog #export-buttons { height: auto; margin-top: 1; }
    ExportDialog #export-buttons > Button { margin-right: 2; }
    """

    def __init__(self, db_path: str, visible_table: VisibleTable | None = None, *,
                 busy_timeout_s: float = DEFAULT_BUSY_TIMEOUT_S) -> None:
        """`visible_table` returns (header, rows) of the table on screen, if there is one;
        `busy_timeout_s` is how long to wait for a database locked by another process."""
        super().__init__()
        self._db_path = db_path
        self._busy_timeout_s = busy_timeout_s
        self._visible_table = visible_table
        self._default_path = default_path("quotes")
        self._busy = False

    def compose(self) -> ComposeResult:
        with Vertical(id="export-box"):
            yield Label("Export to CSV", classes="title")
            with RadioSet(id="export-what"):
                yield RadioButton("Quotes", value=True, id="what-quotes")
                yield RadioButton("Opportunities", id="what-opportunities")
                yield RadioButton("Trades", id="what-trades")
                if self._visible_table is not None:
                    yield RadioButton("The table on screen", id="what-table")
            # each hint fits its field in an 80-column terminal
            for name, hint in (("since", "inclusive; UTC, e.g. 2024-05-01T12:00Z; empty: from "
                                "the start"),
                               ("until", "exclusive; ISO-8601 UTC; empty: now")):
                with Horizontal(classes="row"):
                    yield Label(name.capitalize())
                    yield Input(placeholder=hint, id=f"export-{name}", compact=True)
                yield Label("", id=f"error-{name}", classes="error", markup=False)
            with Horizontal(classes="row"):
                yield Label("File")
                yield Input(self._default_path, id="export-path", compact=True)
            yield Label("", id="error-path", classes="error", markup=False)
            yield ProgressBar(id="export-progress", show_eta=False)
            with Horizontal(id="export-buttons"):
                yield Button("Export", id="export", variant="primary", compact=True)
                yield Button("Cancel", id="cancel", compact=True)

    def on_mount(self) -> None:
        self.query_one(RadioSet).focus()

    @property
    def what(self) -> str:
        pressed = self.query_one(RadioSet).pressed_button
        return (pressed.id or "what-quotes").removeprefix("what-") if pressed else "quotes"

    @on(RadioSet.Changed)
    def _what_changed(self) -> None:
        """Follow the choice in the file name, unless the user typed their own."""
        path = self.query_one("#export-path", Input)
        if path.value == self._default_path:
            self._default_path = default_path(self.what)
            path.value = self._default_path
        for name in ("since", "until"):
            self.query_one(f"#export-{name}", Input).disabled = self.what == "table"

    @on(Button.Pressed, "#export")
    @on(Input.Submitted)
    def _export_pressed(self) -> None:
        self.action_export()

    @on(Button.Pressed, "#cancel")
    def _cancel_pressed(self) -> None:
        self.action_cancel()

    def action_cancel(self) -> None:
        self.workers.cancel_group(self, "export")
        self.dismiss(None)

    def action_export(self) -> None:
        if self._busy:
            return
        request = self._read_form()
        if request is not None:
            self._busy = True
            self.query_one("#export", Button).disabled = True
            self._export(request)

    def _read_form(self) -> ExportRequest | None:
        """The request, or None after showing each field's error next to it."""
        errors: dict[str, str] = {}
        times: dict[str, int | None] = {}
        for name in ("since", "until"):
            text = self.query_one(f"#export-{name}", Input).value.strip()
            try:
                times[name] = parse_time_ns(text) if text and self.what != "table" else None
            except ValueError as exc:
                errors[name] = str(exc)
        since, until = times.get("since"), times.get("until")
        if since is not None and until is not None and until <= since:
            errors["until"] = "must be later than since"
        text = self.query_one("#export-path", Input).value.strip()
        path = Path(text).expanduser()
        if not text:
            errors["path"] = "give a file name, e.g. ./exports/quotes.csv"
        elif path.is_dir():
            errors["path"] = f"{text} is a directory; give a file name"
        for name in ("since", "until", "path"):
            label = self.query_one(f"#error-{name}", Label)
            label.update(errors.get(name, ""))
            label.set_class(name in errors, "-shown")
            self.query_one(f"#export-{name}", Input).set_class(name in errors, "-invalid")
        if errors:
            self.query_one(f"#export-{next(iter(errors))}", Input).focus()
            return None
        return ExportRequest(self.what, since, until, path)

    @work(exclusive=True, group="export", exit_on_error=False)
    async def _export(self, request: ExportRequest) -> None:
        """Runs on the app's loop; the database reads run in aiosqlite's thread."""
        bar = self.query_one(ProgressBar)
        bar.update(total=None, progress=0)
        bar.add_class("-running")
        try:
            count = await self._write(request, bar)
        except asyncio.CancelledError:
            raise
        except DatabaseError as exc:
            self._failed(exc.message)
        except OSError as exc:
            self._failed(f"cannot write {request.path}: {exc.strerror or exc}")
        except Exception as exc:  # never crash the app over an export
            self._failed(f"{type(exc).__name__}: {exc}")
        else:
            noun = "rows" if request.what == "table" else request.what
            self.notify(f"Exported {count} {noun} to {request.path}", title="Export",
                        markup=False)
            self.dismiss(request.path)

    def _failed(self, reason: str) -> None:
        self._busy = False
        self.query_one("#export", Button).disabled = False
        self.query_one(ProgressBar).remove_class("-running")
        self.notify(f"Export failed: {reason}", title="Export", severity="error",
                    markup=False, timeout=10)

    async def _write(self, request: ExportRequest, bar: ProgressBar) -> int:
        if request.what == "table":
            assert self._visible_table is not None
            header, rows = self._visible_table()
            bar.update(total=len(rows))
            return await write_csv(_counted(_aiter(rows), bar), header, request.path)
        until = request.until_ns if request.until_ns is not None else time.time_ns()
        conn = await open_db(self._db_path, readonly=True, busy_timeout_s=self._busy_timeout_s)
        try:
            if request.what == "quotes":
                bar.update(total=await count_quotes(conn, since_ns=request.since_ns,
                                                    until_ns=until))

                async def quotes() -> AsyncIterator[tuple[str, ...]]:
                    async for q in iter_quotes(conn, since_ns=request.since_ns,
                                               until_ns=until, chunk=2000):
                        yield quote_csv_row(q)

                return await write_csv(_counted(quotes(), bar), QUOTE_HEADER, request.path)
            if request.what == "trades":
                bar.update(total=await count_trades(conn, since_ns=request.since_ns,
                                                    until_ns=until))

                async def trades() -> AsyncIterator[tuple[str, ...]]:
                    async for row in iter_trades(conn, since_ns=request.since_ns,
                                                 until_ns=until):
                        yield trade_csv_row(row)

                return await write_csv(_counted(trades(), bar), TRADE_HEADER, request.path)
            bar.update(total=await count_episodes(conn, since_ns=request.since_ns,
                                                    until_ns=until))

            async def episodes() -> AsyncIterator[tuple[str, ...]]:
                async for row in iter_episodes(conn, since_ns=request.since_ns,
                                               until_ns=until, chunk=2000):
                    yield episode_csv_row(row)

            return await write_csv(_counted(episodes(), bar), EPISODE_HEADER, request.path)
        finally:
            await conn.close()


async def _aiter(rows: Sequence[Sequence[str]]) -> AsyncIterator[Sequence[str]]:
    for i, row in enumerate(rows):
        if i % _PROGRESS_EVERY == 0:
            await asyncio.sleep(0)  # let the UI breathe on a big table
        yield row


async def _counted(rows: AsyncIterator[Sequence[str]],
                   bar: ProgressBar) -> AsyncIterator[Sequence[str]]:
    """Pass rows through, moving the progress bar every few hundred."""
    done = 0
    async for row in rows:
        yield row
        done += 1
        if done % _PROGRESS_EVERY == 0:
            bar.update(progress=done)
    bar.update(progress=done)
