"""A gap on quiet books becomes tradeable by lasting, not only by being quoted again.

The trend filter lets a gap through once it has lasted `min_persist_ms` or been seen on
`min_updates` quotes. On push-on-change channels a quiet book sends nothing while its gap
lasts, so the engine's sweep judges waiting episodes again as time passes.
"""

from __future__ import annotations

from arbot.domain import EpisodeKind
from tests.engine.test_engine import MS, OK, T0, B, engine, quote

TREND = {"trend": {"enabled": True, "min_persist_ms": 200, "min_updates": 3,
                   "max_move_bps": 1000.0, "window_ms": 1000}}


def test_a_quiet_gap_passes_at_the_sweep_after_it_has_lasted() -> None:
    e, ev = engine(TREND)
    e.on_quote(quote(B, 99.9, 100.0, 0))
    e.on_quote(quote(OK, 100.5, 100.6, 10))  # the gap opens, on one sighting
    assert ev.kinds() == [EpisodeKind.OPEN] and not ev.events[0].episode.verdict.passed
    e.sweep(T0 + 110 * MS)  # lasted 100 ms: still waiting
    assert ev.kinds() == [EpisodeKind.OPEN]
    e.sweep(T0 + 210 * MS)  # lasted 200 ms with no quote: time alone lets it through
    assert ev.kinds() == [EpisodeKind.OPEN, EpisodeKind.UPDATE]
    update = ev.events[1].episode
    assert update.verdict.passed and update.passed
    assert update.updates == 1  # a sweep is no sighting
    assert update.last == ev.events[0].episode.last  # the same quotes
    assert (e.funnel.crossed, e.funnel.filtered, e.funnel.passed) == (1, {"trend": 1}, 1)
    e.sweep(T0 + 310 * MS)  # passed already: nothing more to say, nothing counted
    assert ev.kinds() == [EpisodeKind.OPEN, EpisodeKind.UPDATE]
    assert (e.funnel.crossed, e.funnel.filtered, e.funnel.passed) == (1, {"trend": 1}, 1)


def test_a_gap_that_closed_is_not_judged_again() -> None:
    e, ev = engine(TREND)
    e.on_quote(quote(B, 99.9, 100.0, 0))
    e.on_quote(quote(OK, 100.5, 100.6, 10))
    e.on_quote(quote(OK, 100.0, 100.1, 50))  # gone before it lasted
    e.sweep(T0 + 300 * MS)
    assert ev.kinds() == [EpisodeKind.OPEN, EpisodeKind.CLOSE]
    assert not ev.events[-1].episode.passed


def test_a_running_fair_price_still_holds_a_lasting_gap_back() -> None:
    e, ev = engine({"trend": {"enabled": True, "min_persist_ms": 200, "min_updates": 3,
                              "max_move_bps": 5.0, "window_ms": 1000}})
    e.on_quote(quote(B, 99.9, 100.0, 0))  # fair price sampled every 200 ms
    e.on_quote(quote(B, 101.9, 102.0, 250))  # it ran 200 bps within the window
    e.on_quote(quote(OK, 102.5, 102.6, 260))
    assert ev.kinds() == [EpisodeKind.OPEN]
    e.sweep(T0 + 600 * MS)  # lasted long enough, but the fair price still runs
    assert ev.kinds() == [EpisodeKind.OPEN]  # the same filter still says no: no event
    (live,) = e.episodes.open.values()
    assert not live.passed and live.verdict.reason.startswith("fair price moved")
