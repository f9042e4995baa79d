"""A backtest cut into partitions that run apart (on a Dask cluster, `cluster`), whose
report, merged from theirs (`partition`), equals the single-process report for detection.

The cut is by symbol and by time window:

* **by symbol**: an opportunity involves one symbol, and with recorded venue states a
  venue's liveness does not depend on other symbols, so each group of symbols replays
  exactly as in the whole. Imported quotes carry no venue states and a venue is live
  while any of its symbols quotes (`engine.freshness.QuoteActivity`): such histories are
  cut by time only. Groups are balanced by quote count.
* **by time window**: a partition owns [since, until). It replays from a warm-up
  before `since` (longer than every window the filters and the freshness rules look back
  over, see `warmup_ns`), so its engine holds the same state at `since` as the whole
  replay's; it counts the funnel from `since` to `until` and keeps the episodes that
  open, and trades that settle, in its window; past `until` it goes on only until its
  own episodes have closed. Before its warm-up it replays each venue's last quote of each
  symbol that quoted earlier (`seed`): a quiet symbol's quote stays on the board, however
  old, while its venue stands behind it. The whole replay's first and last quote are
  handed to every partition so sweeps keep one grid and the end of data comes at one
  time.

Paper trading in a split run keeps one inventory (ledger) per partition, each starting
from the configured balances; the report says so, since trades and PnL are then not
those of one account.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from arbot.backtest.history import History
from arbot.backtest.runner import Options, rules_kind
from arbot.backtest.segments import Segment, containing, plan
from arbot.backtest.source import Pair, Window
from arbot.config import ArbotSettings

WARMUP_MARGIN_NS = 1_000_000_000
NS_PER_MS = 1_000_000
MIN_WINDOW_WARMUPS = 4  # a time window is at least this many warm-ups long (auto split)


@dataclass(frozen=True)
class PartSpec:
    index: int
    symbols: tuple[str, ...] | None  # None: every symbol
    own_since: int | None  # None: from the start of the backtest
    own_until: int | None  # None: to its end
    prior_pairs: tuple[tuple[str, str], ...] | None = None  # see `Options.prior_pairs`


@dataclass(frozen=True)
class Plan:
    parts: list[PartSpec]
    groups: int  # symbol groups
    windows: int  # time windows
    warmup_ns: int
    anchor_ns: int | None  # the whole backtest's first quote
    last_ns: int | None  # and its last
    segments: list[Segment]
    span: tuple[int, int] | None


def warmup_ns(settings: list[ArbotSettings]) -> int:
    """Longer than anything the engine looks back over: the trend filter's window and
    persistence, quote ages and skews, and a venue's silence before it is stale."""
    longest = 0
    for s in settings:
        f = s.filters
        longest = max(longest, f.trend.window_ms * NS_PER_MS, f.trend.min_persist_ms * NS_PER_MS,
                      f.freshness.max_skew_ms * NS_PER_MS, s.strategy.max_quote_age_ms * NS_PER_MS,
                      round(s.feeds.stale_after_s * 1e9))
    return longest + WARMUP_MARGIN_NS


def make_plan(history: History, settings: ArbotSettings, opts: Options, workers: int,
              windows: int | None = None) -> Plan:
    """Partitions for `workers`; `windows` forces the number of time windows."""
    w = opts.window
    segments = plan(history.runs(), settings, use_run_settings=opts.use_run_settings,
                    has_events=history.has_feed_events)
    first = containing(segments, w.since_ns)
    span = history.time_span(w)
    used = [s for s in segments[first:] if span is None or s.start_ns is None
            or s.start_ns <= span[1]]
    warmup = warmup_ns([settings, *(s.settings for s in used)])
    anchor = last = None
    if span is not None:
        anchor = span[0]
        if w.since_ns is not None:  # a span clipped to the window may start before a quote
            probe = history.quote_pages(w, 1).next_page()
            anchor = probe[0].ts_recv_ns if probe else span[0]
        last = span[1]
    by_symbol = all(s.venue_states for s in _with_quotes(segments, span))
    stats = (history.pair_stats(w) if span is not None and (by_symbol or workers > 1
                                                            or (windows or 1) > 1) else {})
    counts: dict[str, int] = {}
    if by_symbol:
        for (_, symbol), pair in stats.items():
            counts[symbol] = counts.get(symbol, 0) + pair.quotes
    # Symbol groups cost nothing extra: about two per worker, so a slow one does not hold
    # up the end. A time window replays a warm-up more: one per worker left without a group.
    groups = (_groups(counts, min(2 * workers, len(counts))) if len(counts) > 1
              else [None])
    if windows is None:
        windows = max(1, math.ceil(workers / len(groups)))
        if span is not None:
            windows = min(windows, max(1, (span[1] - span[0]) // (MIN_WINDOW_WARMUPS * warmup)))
    bounds = _windows(span, windows, warmup)
    parts = [PartSpec(len(groups) * i + j, g, a, b, _prior(stats, g, a, warmup))
             for i, (a, b) in enumerate(bounds) for j, g in enumerate(groups)]
    return Plan(parts, len(groups), len(bounds), warmup, anchor, last, segments, span)


def _prior(stats: dict[tuple[str, str], Pair], group: tuple[str, ...] | None,
           since: int | None, warmup: int) -> tuple[tuple[str, str], ...] | None:
    """The pairs of `group` that quoted before a later window's warm-up (None for the
    first window, which starts with the backtest)."""
    if since is None:
        return None
    chosen = None if group is None else set(group)
    return tuple(sorted(p for p, s in stats.items() if s.first_ns < since - warmup
                        and (chosen is None or p[1] in chosen)))


def _with_quotes(segments: list[Segment], span: tuple[int, int] | None) -> list[Segment]:
    """The segments whose time overlaps the span of the window's quotes."""
    if span is None:
        return []
    out = []
    for i, seg in enumerate(segments):
        nxt = segments[i + 1].start_ns if i + 1 < len(segments) else None
        if (seg.start_ns is None or seg.start_ns <= span[1]) and (nxt is None or nxt > span[0]):
            out.append(seg)
    return out


def _groups(counts: dict[str, int], n: int) -> list[tuple[str, ...] | None]:
    """Symbols in `n` groups of about equal quote counts (largest first, each to the
    lightest group); each group sorted, the groups in order of their first symbol."""
    loads = [0] * n
    members: list[list[str]] = [[] for _ in range(n)]
    for symbol, count in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        i = loads.index(min(loads))
        loads[i] += count
        members[i].append(symbol)
    return [tuple(sorted(m)) for m in sorted(members, key=lambda m: min(m)) if m]


def _windows(span: tuple[int, int] | None, n: int, warmup: int
             ) -> list[tuple[int | None, int | None]]:
    """`n` windows over the span, each but the first replaying a warm-up before it, so the
    first is longer by a warm-up and each replays as long; the first open at its start,
    the last at its end, so nothing outside the span is lost."""
    if span is None or n <= 1:
        return [(None, None)]
    lo, hi = span
    length = max(1, (hi + 1 - lo - warmup) // n)
    first = hi + 1 - lo - (n - 1) * length
    cuts = [lo + first + length * (k - 1) for k in range(1, n)]
    edges: list[int | None] = [None, *cuts, None]
    return [(edges[k], edges[k + 1]) for k in range(n)]


def part_options(opts: Options, p: Plan, part: PartSpec, kind: str) -> Options:
    """The backtest of one partition: its symbols, its window from a warm-up before it to
    the end, with nothing written (the merged report is the output)."""
    w = opts.window
    since = w.since_ns
    if part.own_since is not None:
        start = part.own_since - p.warmup_ns
        since = start if since is None else max(since, start)
    symbols = part.symbols if part.symbols is not None else w.symbols
    return replace(opts, window=Window(since, w.until_ns, symbols), out=None,
                   rules=kind,  # type: ignore[arg-type]
                   own_since=part.own_since, own_until=part.own_until,
                   anchor_ns=p.anchor_ns, last_ns=p.last_ns, prior_pairs=part.prior_pairs)


def plan_kind(p: Plan, opts: Options) -> str:
    """The trading rules the whole backtest uses (each partition must use the same)."""
    first = containing(p.segments, opts.window.since_ns)
    used = [s for s in p.segments[first:] if p.span is None or s.start_ns is None
            or s.start_ns <= p.span[1]]
    return rules_kind(opts, [s.run.demo for s in used if s.run is not None])
