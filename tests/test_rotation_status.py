"""A planned rotation is shown where a person looks: the headless log, the recorded feed
events and the TUI's note column, while the connection stays LIVE."""

from __future__ import annotations

import logging

import pytest

from arbot.domain import FeedState, FeedStatus, Venue
from arbot.headless import StatusLog
from arbot.storage.recorder import Recorder
from arbot.tui.prices import _note


def _status(rotating: str | None, rotations: int = 0) -> FeedStatus:
    return FeedStatus(venue=Venue.BINANCE, connection=0, state=FeedState.LIVE,
                      frames_per_s=1.0, quotes_per_s=1.0, last_frame_age_s=0.1, reconnects=0,
                      drops={}, last_error=None, ts_ns=1, rotating=rotating,
                      rotations=rotations)


class Rows:
    def __init__(self) -> None:
        self.rows: list[tuple[str, object]] = []

    def keep(self, table: str, row: object) -> None:
        self.rows.append((table, row))


def test_headless_logs_the_rotation(caplog: pytest.LogCaptureFixture) -> None:
    log = StatusLog()
    with caplog.at_level(logging.INFO, logger="arbot"):
        log.on_feed_status(_status(None))
        log.on_feed_status(_status("venue notice: serverShutdown"))
        log.on_feed_status(_status(None, rotations=1))
    lines = [r.getMessage() for r in caplog.records]
    assert "binance: live (rotating: venue notice: serverShutdown)" in lines
    assert lines[-1] == "binance: live"


def test_the_recorder_keeps_the_rotation_as_a_feed_event() -> None:
    writer = Rows()
    recorder = Recorder(writer, "off", 0)  # type: ignore[arg-type]
    recorder.on_feed_status(_status(None))
    recorder.on_feed_status(_status("venue notice: serverShutdown"))
    details = [row[3] for table, row in writer.rows if table == "feed_events"]  # type: ignore[index]
    assert details == ["connection 0", "connection 0 (rotating: venue notice: serverShutdown)"]


def test_the_tui_note_names_the_rotation() -> None:
    note = _note(_status("venue notice: 64008: upgrade"))
    assert note == "rotating: venue notice: 64008: upgrade"
    assert _note(_status(None)) is None
