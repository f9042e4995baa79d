"""The Opportunities screen's funnel line: the depth steps appear once they count."""

from __future__ import annotations

from arbot.engine.funnel import Funnel
from arbot.tui.opportunities import funnel_text


def test_depth_steps_are_shown_once_depth_stopped_a_candidate() -> None:
    top_only = funnel_text(Funnel(quotes=10, crossed=4, too_small=1).as_dict(), 0)
    assert "too thin" not in top_only and "resyncing" not in top_only
    deep = funnel_text(Funnel(quotes=10, crossed=4, too_thin=2, resyncing=3).as_dict(), 1)
    assert "too small 0 · too thin in depth 2 · vs resyncing book 3 · filtered 0" in deep
