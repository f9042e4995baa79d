"""Depth books being resynced are shown where a person looks: the headless status line,
the TUI's note column and the API's feed objects."""

from __future__ import annotations

from arbot.api.convert import feed_out
from arbot.domain import FeedState, FeedStatus, Venue
from arbot.headless import _resyncs
from arbot.tui.prices import _note


def _status(resyncs: dict[str, int], out: int) -> FeedStatus:
    return FeedStatus(venue=Venue.OKX, connection=0, state=FeedState.LIVE,
                      frames_per_s=1.0, quotes_per_s=1.0, last_frame_age_s=0.1, reconnects=0,
                      drops={}, last_error=None, ts_ns=1, resyncs=resyncs,
                      books_resyncing=out)


def test_the_status_line_counts_resyncs_by_reason() -> None:
    line = _resyncs([_status({"checksum": 2, "gap": 1}, 1), _status({"gap": 1}, 0)])
    assert line == "  resyncs 4 (checksum 2, gap 2), 1 book resyncing"
    assert _resyncs([_status({}, 0)]) == ""  # depth 1: nothing to say


def test_the_tui_note_names_books_out() -> None:
    assert _note(_status({"checksum": 3}, 2)) == "2 books resyncing (3 so far)"
    assert _note(_status({"checksum": 3}, 0)) is None


def test_the_api_carries_the_resyncs() -> None:
    out = feed_out(_status({"crossed": 1}, 1))
    assert out.resyncs == {"crossed": 1} and out.books_resyncing == 1
