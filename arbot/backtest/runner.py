"""One backtest from a recorded database to a report.

The source is opened read-only; everything the backtest writes goes to its own database
(`backtest.db` in `--out`, or a temporary directory): the replayed episodes as rows the
recorder's own functions make, and the paper trades through the trade journal, so
`arbot export trades --db OUT/backtest.db` reads them like any recording.
"""

from __future__ import annotations

import contextlib
import random
import shutil
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from arbot.backtest import source, store
from arbot.backtest.books import ReplayBooks
from arbot.backtest.history import History, Pages
from arbot.backtest.inventory import ReplayInventory, recorded_coins
from arbot.backtest.opening import open_history
from arbot.backtest.output import iso
from arbot.backtest.replay import Replay
from arbot.backtest.report import Collector, summarize
from arbot.backtest.rules import InstrumentSource, LazyRules, RulesKind, generic_instrument
from arbot.backtest.seed import seeded_pages
from arbot.backtest.segments import Segment, containing, plan
from arbot.backtest.settings import backtest_trading
from arbot.backtest.timers import ReplayTimers
from arbot.config import ArbotSettings
from arbot.config.run import run_settings
from arbot.domain import Quote, Venue
from arbot.events import FanOut
from arbot.export import EPISODE_HEADER, TRADE_HEADER, episode_csv_row, trade_csv_row, write_csv
from arbot.storage.db import DatabaseError, open_db
from arbot.storage.journal import TradeJournal
from arbot.storage.queries import iter_episodes
from arbot.storage.trade_queries import iter_trades
from arbot.tradekinds import TradingMode
from arbot.trading.ledger import Ledger
from arbot.trading.paper import PaperExecutor
from arbot.trading.trader import Trader

OUT_DB = "backtest.db"


@dataclass(frozen=True)
class Options:
    db: Path
    window: source.Window = field(default_factory=source.Window)
    archive: str | None = None  # a Parquet archive (folder or fsspec URL) read instead of db
    out: Path | None = None
    page_rows: int = source.PAGE_ROWS
    use_run_settings: bool = True  # False: the configuration's settings for every run
    rules: Literal["auto", "demo", "generic"] = "auto"
    # what a demo recording traded under (`arbot.demo.demo_instrument`); the backtest
    # never imports the simulator, so demo rules are handed in
    demo_rules: InstrumentSource | None = None
    # One partition of a split backtest (`arbot.backtest.split`): the window it owns
    # (`window` starts a warm-up earlier), and the whole backtest's first and last quote.
    own_since: int | None = None
    own_until: int | None = None
    anchor_ns: int | None = None
    last_ns: int | None = None
    # A later time window: the (venue, symbol) pairs that quoted before its warm-up, each
    # replayed first with its last quote then (`arbot.backtest.seed`).
    prior_pairs: tuple[tuple[str, str], ...] | None = None


@dataclass
class Result:
    summary: dict[str, object]
    collector: Collector
    out_db: Path | None  # None when it lived in a temporary directory
    replayed: int = 0  # quotes replayed (a partition's warm-up and tail included)


Progress = Callable[[int, int], None]


async def run_backtest(settings: ArbotSettings, opts: Options,
                       progress: Callable[[tuple[int, int] | None], Progress | None]
                       = lambda _: None) -> Result:
    """Replay `opts.db` and return the report; `progress(span)` may return a callback
    that hears (replay time, quotes so far) after every page."""
    history = open_history(opts.db, opts.archive)
    tmp: str | None = None
    try:
        if opts.out is not None:
            out = opts.out
            check_out(out, opts.db if opts.archive is None else None)
        else:
            tmp = tempfile.mkdtemp(prefix="arbot-backtest-")
            out = Path(tmp)
        return await _run(settings, opts, history, out, progress, keep=opts.out is not None)
    finally:
        history.close()
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)


def check_out(out: Path, db: Path | None) -> None:
    """`out` made, and a previous backtest's database there removed (never the source)."""
    target = out / OUT_DB
    if db is not None and target.resolve() == db.resolve():
        raise DatabaseError(f"--out {out} would overwrite the database being replayed; "
                            "choose another directory", kind="cannot_open", path=db)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DatabaseError(f"cannot create --out directory {out}: {exc.strerror or exc}",
                            kind="cannot_open", path=out) from exc
    for name in (OUT_DB, OUT_DB + "-wal", OUT_DB + "-shm"):
        (out / name).unlink(missing_ok=True)  # a previous backtest's, replaced whole


def rules_kind(opts: Options, demo_runs: list[bool]) -> RulesKind:
    if opts.rules != "auto":
        return opts.rules
    return "demo" if demo_runs and all(demo_runs) else "generic"


def _instrument_source(kind: RulesKind, opts: Options) -> InstrumentSource:
    if kind == "generic":
        return generic_instrument
    if opts.demo_rules is None:
        raise ValueError("a backtest with demo rules needs Options.demo_rules "
                         "(arbot.demo.demo_instrument)")
    return opts.demo_rules


async def _run(settings: ArbotSettings, opts: Options, history: History, out: Path,
               progress: Callable[[tuple[int, int] | None], Progress | None], *, keep: bool
               ) -> Result:
    w = opts.window
    runs = history.runs()
    segments = plan(runs, settings, use_run_settings=opts.use_run_settings,
                    has_events=history.has_feed_events)
    first = containing(segments, w.since_ns)
    span = history.time_span(w)
    in_window = [s for s in segments[first:] if span is None or s.start_ns is None
                 or s.start_ns <= span[1]]
    kind = rules_kind(opts, [s.run.demo for s in in_window if s.run is not None])
    pages = (_seeded(history, opts, segments[first])
             if opts.prior_pairs is not None and w.since_ns is not None
             else history.quote_pages(w, opts.page_rows))
    events = history.feed_events(segments[first].start_ns, w.until_ns)
    books = history.books(w, segments[first].start_ns)

    await store.create(out / OUT_DB)
    run_id = time.time_ns()
    episodes = store.EpisodeStore(out / OUT_DB, run_id)
    trading = backtest_trading(settings.trading)
    journal: TradeJournal | None = None
    replay: Replay | None = None

    def clock() -> int:
        return replay.clock() if replay is not None else 0

    collector = Collector(clock, opts.own_since, opts.own_until)
    timers = ReplayTimers(clock)
    coins, coin_note = recorded_coins(history)
    rules = LazyRules(_instrument_source(kind, opts))
    rng = random.Random(trading.paper.seed)
    trader: Trader | None = None
    # The paper account, from the configured starting balances (none with trading off).
    ledger = (Ledger({v: trading.paper.starting(v) for v in Venue})
              if trading.mode != TradingMode.OFF else None)
    inventory = ReplayInventory(coins, coin_note, ledger, clock)
    try:
        episodes.start_run(run_id, bool(in_window) and all(
            s.run is not None and s.run.demo for s in in_window),
            run_settings(segments[first].settings))
        if ledger is not None:
            journal = store.InlineJournal(out / OUT_DB)

            def book(venue: Venue, symbol: str) -> Quote | None:
                return replay.book(venue, symbol) if replay is not None else None

            executor = PaperExecutor(trading.paper, book, rules, {}, ledger,
                                     sleep=timers.sleep, rng=rng)
            trader = Trader(trading, executor, journal, ledger, rules, book, run_id=run_id,
                            on_trade=FanOut([collector, inventory]).on_trade, mono_ns=clock,
                            wall_ns=clock, sleep=timers.sleep, drains_itself=False)
        replay = Replay(segments, first, pages, events, collector, episodes, trader, ledger,
                        rng, rules, timers, books, on_engine=inventory.engine_started,
                        own=(opts.own_since, opts.own_until), anchor_ns=opts.anchor_ns,
                        last_ns=opts.last_ns)
        started = time.perf_counter()
        await replay.run(progress(span), w.until_ns)
        elapsed = time.perf_counter() - started
        funnel = replay.funnel()
        episodes.end_run(funnel, ended_ns=replay.clock())
    finally:
        episodes.close()
        if journal is not None:
            journal.close()
    used = replay.replayed_segments()
    meta_info: dict[str, object] = {
        "source": history.label,
        "from": iso(w.since_ns if w.since_ns is not None else (span[0] if span else None)),
        "until": iso(w.until_ns if w.until_ns is not None else (span[1] if span else None)),
        "symbols": list(w.symbols) if w.symbols is not None else "all",
        "quotes": replay.owned_quotes,
        "book_snapshots": _books_note(books, used),
        "replay_s": elapsed,
        "quotes_per_s": replay.quotes / elapsed if elapsed > 0 else 0.0,
        "settings": settings_note({s.settings_from for s in used}, opts.use_run_settings),
        "rules": kind,
        "trading": trading.mode,
        "segments": [s.describe() for s in used],
        "output_db": str(out / OUT_DB) if keep else None,
    }
    summary = summarize(collector, funnel, dict(trader.rejections) if trader else {}, meta_info)
    pnl = summary["pnl"]
    assert isinstance(pnl, dict)
    summary["inventory"] = inventory.summary(trader.rejections["balance"] if trader else 0,
                                             pnl["total"])
    if keep:
        await export_csvs(out)
    return Result(summary, collector, out / OUT_DB if keep else None, replay.quotes)


def _seeded(history: History, opts: Options, segment: Segment) -> Pages:
    """A later time window's pages, after what the board held at its warm-up's start:
    seeds from the segment's start on (a run starts with an empty board), or from the
    whole backtest's first quote."""
    assert opts.prior_pairs is not None
    floor = max((t for t in (segment.start_ns, opts.anchor_ns) if t is not None), default=0)
    bucket = (None if segment.venue_states
              else round(segment.settings.feeds.stale_after_s * 1e9))
    return seeded_pages(history, opts.window, floor, opts.prior_pairs, bucket, opts.page_rows)


def _books_note(books: ReplayBooks | None, used: list[Segment]) -> str | int:
    """How many recorded book snapshots the engine and the paper fills used, or why none."""
    if books is None:
        return "none recorded: sized by the top of book"
    if books.applied == 0 and used and all(s.settings.market.depth == 1 for s in used):
        return "recorded, not used: [market] depth is 1 (set it to 5, 20 or 50 to replay them)"
    return books.applied


def settings_note(froms: set[str], use_run_settings: bool) -> str:
    """Where the replayed segments' detection settings came from, for the report."""
    if not use_run_settings:
        return "configuration (--settings config)"
    if froms == {"run"}:
        return "as recorded with each run"
    if froms == {"config"}:
        return "configuration (no recorded run settings)"
    return "as recorded where runs stored them, else the configuration"


async def export_csvs(out: Path) -> None:
    """trades.csv and episodes.csv from the backtest's own database, as `arbot export`
    writes them. Read on a read-write connection to its own file: the last connection
    to close then checkpoints and removes backtest.db-wal and -shm (a read-only one
    would leave them behind)."""
    conn = await open_db(out / OUT_DB)
    try:
        async def trades() -> AsyncIterator[tuple[str, ...]]:
            async for row in iter_trades(conn):
                yield trade_csv_row(row)

        async def episodes() -> AsyncIterator[tuple[str, ...]]:
            async for row in iter_episodes(conn):
                yield episode_csv_row(row)

        await write_csv(trades(), TRADE_HEADER, out / "trades.csv")
        await write_csv(episodes(), EPISODE_HEADER, out / "episodes.csv")
    finally:
        with contextlib.suppress(Exception):
            await conn.close()
