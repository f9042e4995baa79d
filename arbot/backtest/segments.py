"""The recorded timeline cut into segments, one per live run and one per gap between runs.

Live, each start of ArBot builds a fresh engine: an empty board, no venue live until its
feed says so, a new trend history; on exit every open episode closes as `shutdown` at the
run's end. A replay does the same at the same times, so each segment gets its own engine
and the run's end closes what is open. Quotes outside any run (imports) form free
segments, where a venue counts as live while its quotes keep coming (no silence across
all its symbols of `[feeds] stale_after_s` or longer).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from arbot.backtest.settings import recorded_settings
from arbot.backtest.source import RecordedRun
from arbot.config import ArbotSettings


@dataclass(frozen=True)
class Segment:
    start_ns: int | None  # None: from the beginning of time
    run: RecordedRun | None  # None: a free segment (no run recorded these quotes)
    settings: ArbotSettings
    settings_from: str  # "run" or "config"
    venue_states: bool  # replay the recorded feed events (else liveness from quote activity)

    @property
    def stop_ns(self) -> int | None:
        """When the run ended: open episodes close then as `shutdown`."""
        return self.run.ended_ns if self.run is not None else None

    def describe(self) -> dict[str, object]:
        return {"run_id": self.run.id if self.run else None, "start_ns": self.start_ns,
                "ended_ns": self.stop_ns, "demo": self.run.demo if self.run else None,
                "settings_from": self.settings_from, "venue_states": self.venue_states}


def plan(runs: Sequence[RecordedRun], base: ArbotSettings, *, use_run_settings: bool,
         has_events: Callable[[int, int | None], bool]) -> list[Segment]:
    """Segments tiling all time, in order. A run lasts from its start to its end, or (a
    run that crashed, with no end) until the next run starts."""
    def free(start: int | None) -> Segment:
        return Segment(start, None, base, "config", False)

    out: list[Segment] = []
    cursor: int | None = None  # where the previous segment's time ends, if it does
    for i, run in enumerate(runs):
        if not out or (cursor is not None and run.started_ns > cursor):
            out.append(free(cursor))
        nxt = runs[i + 1].started_ns if i + 1 < len(runs) else None
        recorded = recorded_settings(base, run.settings) if use_run_settings else None
        out.append(Segment(run.started_ns, run, recorded or base,
                           "run" if recorded is not None else "config",
                           has_events(run.started_ns, run.ended_ns or nxt)))
        cursor = run.ended_ns if run.ended_ns is not None else None
    if cursor is not None:
        out.append(free(cursor))
    if not out:
        out.append(free(None))
    return out


def containing(segments: Sequence[Segment], t_ns: int | None) -> int:
    """Index of the segment that holds time `t_ns` (None: the first)."""
    if t_ns is None:
        return 0
    index = 0
    for i, seg in enumerate(segments):
        if seg.start_ns is None or seg.start_ns <= t_ns:
            index = i
    return index
