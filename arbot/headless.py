"""`arbot --no-ui`: the runtime with logging instead of a screen.

A status line per venue every few seconds, warnings the moment a feed changes state or
reports an error, and on SIGINT/SIGTERM (or after `--duration`) a clean stop: feeds
closed, the database flushed, exit 0 (1, saying how many rows were not written, when the
database could not be written: a full disk stops recording and trading, not the run). In
demo mode every line says DEMO, so simulated prices are never mistaken for real ones.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import time
from collections import Counter

from arbot import stopsignal
from arbot.api.server import ApiRefused
from arbot.config import ArbotSettings
from arbot.domain import (
    Episode,
    EpisodeEvent,
    EpisodeKind,
    FeedState,
    FeedStatus,
    Opportunity,
    Venue,
)
from arbot.events import Sink
from arbot.exchanges.lag import lag_status
from arbot.export import plain_number
from arbot.logfields import fields
from arbot.logsetup import LogFormat, setup_logging
from arbot.runsummary import run_summary_lines
from arbot.runtime import Runtime
from arbot.service import Systemd
from arbot.storage.rawlog import RawLogConfig
from arbot.tradekinds import TradingMode
from arbot.trading.live import LiveExecutor
from arbot.trading.setup import LiveRefused
from arbot.trading.trader import Trader
from arbot.valuation import quote_currency
from arbot.view import RuntimeView

log = logging.getLogger("arbot")

STATUS = fields(event="status")
_QUIET = (FeedState.LIVE, FeedState.CONNECTING, FeedState.SUBSCRIBING)


class StatusLog(Sink):
    """A sink that logs feed changes as they happen and a summary line per venue."""

    def __init__(self) -> None:
        self._seen: dict[tuple[Venue, int], tuple[FeedState, str | None, str | None]] = {}

    def on_episode(self, event: EpisodeEvent) -> None:
        """One line when an episode opens and one when it closes; updates stay quiet."""
        e = event.episode
        if event.kind is EpisodeKind.OPEN:
            o = e.first
            log.info("OPEN  %s buy %s @ %s sell %s @ %s net %.2f bps size %s profit %.4f%s [%s]",
                     e.symbol, e.buy_venue, plain_number(o.buy.ask), e.sell_venue,
                     plain_number(o.sell.bid), o.net_bps, f"{o.size:.6g}", o.profit,
                     _walked(o), e.verdict,
                     extra=_episode_fields("episode_open", e, o, str(e.verdict)))
        elif event.kind is EpisodeKind.CLOSE and e.closed_ns is not None:
            log.info("CLOSE %s buy %s sell %s after %.0f ms (%s): peak %.2f bps profit %.4f%s%s",
                     e.symbol, e.buy_venue, e.sell_venue, (e.closed_ns - e.opened_ns) / 1e6,
                     e.close_reason, e.peak.net_bps, e.peak.profit, _walked(e.peak),
                     " [passed]" if e.passed else f" [{e.verdict}]",
                     extra=_episode_fields("episode_close", e, e.peak,
                                           "passed" if e.passed else str(e.verdict)))

    def on_feed_status(self, s: FeedStatus) -> None:
        key = (s.venue, s.connection)
        now = (s.state, s.last_error, s.rotating)
        if self._seen.get(key, (None, None, None)) == now:
            return
        self._seen[key] = now
        where = f"{s.venue}" + (f"#{s.connection}" if s.connection else "")
        reason = f" ({s.stale_reason})" if s.stale_reason else ""
        reason += f" ({s.last_error})" if s.last_error else ""
        reason += f" (rotating: {s.rotating})" if s.rotating else ""
        level = logging.INFO if s.state in _QUIET else logging.WARNING
        log.log(level, "%s: %s%s", where, s.state, reason,
                extra=fields(event="feed_state", venue=s.venue.value, connection=s.connection,
                             state=s.state.value,
                             reason=s.stale_reason or s.last_error or s.rotating))


def _episode_fields(event: str, e: Episode, o: Opportunity, reason: str) -> dict[str, object]:
    return fields(event=event, episode_id=e.id, symbol=e.symbol, buy_venue=e.buy_venue.value,
                  sell_venue=e.sell_venue.value, net_bps=round(o.net_bps, 4), size=o.size,
                  profit=o.profit, reason=reason if event == "episode_open"
                  else f"{e.close_reason}: {reason}")


def _walked(o: Opportunity) -> str:
    """The depth walk's figures where it went past a top level ("" where it is the top
    of book itself, as at `[market] depth = 1`)."""
    if o.buy_levels <= 1 and o.sell_levels <= 1:
        return ""
    return (f"; walked {o.walk_size:.6g} over {o.buy_levels}/{o.sell_levels} levels to "
            f"{plain_number(o.buy_worst)}/{plain_number(o.sell_worst)}: net "
            f"{o.walk_net_bps:.2f} bps profit {o.walk_profit:.4f}")


def _resyncs(statuses: list[FeedStatus]) -> str:
    """Depth books' resyncs by reason, and how many books are out now ("" at depth 1)."""
    counts: Counter[str] = Counter()
    for status in statuses:
        counts.update(status.resyncs)
    out = sum(s.books_resyncing for s in statuses)
    if not counts and not out:
        return ""
    why = ", ".join(f"{k} {n}" for k, n in sorted(counts.items()))
    return f"  resyncs {counts.total()}" + (f" ({why})" if why else "") + (
        f", {out} book{'s' if out != 1 else ''} resyncing" if out else "")


def status_lines(runtime: RuntimeView) -> list[str]:
    """One line per venue: state (and why, when stale), quotes/s, last-frame age, lag,
    reconnects, drops (with their reasons when there are any: malformed frames and absurd
    quotes call for different actions)."""
    by_venue: dict[Venue, list[FeedStatus]] = {}
    for (venue, _), status in sorted(runtime.board.latest.items()):
        by_venue.setdefault(venue, []).append(status)
    states = runtime.board.venue_states()
    lines = []
    for venue, statuses in by_venue.items():
        ages = [s.last_frame_age_s for s in statuses if s.last_frame_age_s is not None]
        age = f"{min(ages):.2f} s" if ages else "-"
        drops: Counter[str] = Counter()
        for status in statuses:
            drops.update(status.drops)
        why = ", ".join(f"{k} {n}" for k, n in sorted(drops.items()))
        stale = next((s.stale_reason for s in statuses if s.stale_reason), None)
        lines.append(
            f"{venue:<8} {states[venue]:<12} {sum(s.quotes_per_s for s in statuses):8.1f} q/s"
            f"  last frame {age:>8}  {_lag(statuses)}"
            f"  reconnects {sum(s.reconnects for s in statuses)}"
            f"  drops {drops.total()}" + (f" ({why})" if why else "") + _resyncs(statuses)
            + (f"  STALE: {stale}" if stale and states[venue] is FeedState.STALE else ""))
    engine = runtime.engine
    if engine is not None:
        f = engine.funnel
        filtered = ", ".join(f"{k} {v}" for k, v in sorted(f.filtered.items())) or "none"
        lines.append(f"funnel   {f.quotes} quotes, {f.crossed} crossed, {f.below_min} below min "
                     f"after fees, {f.too_small} too small"
                     + (f", {f.too_thin} too thin in depth, {f.resyncing} on a resyncing book"
                        if runtime.depth_board is not None else "")
                     + (f", {f.not_same_coin} not the same coin" if f.not_same_coin else "")
                     + f", filtered: {filtered}; "
                     f"{f.passed} passed; {engine.episodes.opened} episodes "
                     f"({len(engine.episodes.open)} open)")
    trader = runtime.trader
    if trader is not None:
        mode = trader.settings.mode + (" ARMED" if trader.settings.mode == TradingMode.LIVE
                                       and trader.armed else "")
        refused = ", ".join(f"{k} {v}" for k, v in sorted(trader.rejections.items())) or "none"
        state = trader.state.value.upper() + (f" ({trader.risk.reason})"
                                              if trader.risk.reason else "")
        lines.append(f"trading  {mode} {state}: {trader.trades} trades, pnl "
                     f"{trader.realized:+.4f}; refused: {refused}")
        lines += [f"UNSETTLED {symbol} not traded: {why}"
                  for symbol, why in trader.risk.unsettled.items()]
        lines += [f"BALANCE DRIFT {venue} not traded until acknowledged: " + "; ".join(
                      f"{d.asset} {d.actual:.8g} where the ledger expects {d.expected:.8g}"
                      for d in drifts)
                  for venue, drifts in trader.drift.open().items()]
        if isinstance(trader, Trader) and isinstance(trader.executor, LiveExecutor):
            lines.append(trader.executor.inbox.status_line())  # the private streams
    inventory = runtime.inventory
    if inventory is not None:
        lines.append(inventory.status_line())
        lines += [f"{venue:<8} REFUSED {note}" for venue, notes in inventory.refused.items()
                  for note in notes]
    writer = runtime.writer
    if writer is not None and writer.stats.stopped is not None:
        lines.append(f"storage  RECORDING STOPPED ({writer.stats.stopped}): "
                     f"{writer.stats.unwritten} rows not written")
    elif writer is not None and runtime.recorder is not None:
        lines.append(f"storage  recorded {writer.stats.rows_written.get('quotes', 0)} quotes, "
                     f"{runtime.recorder.skipped} unchanged skipped, "
                     f"{writer.stats.quotes_thinned} thinned (writer behind)")
    raw = runtime.raw_log
    if raw is not None:
        s = raw.stats
        lines.append(f"raw      {s.frames} frames in {s.files} files, {s.dropped} dropped"
                     + (f" ({s.last_error})" if s.dropped and s.last_error else ""))
    return lines


def _lag(statuses: list[FeedStatus]) -> str:
    """`lag p50 12 p99 40 ms (80 samples, clock +3 ms)`, or the note saying why not."""
    s = lag_status(statuses)
    if s is None or (s.lag_note is None and s.lag_p50_ms is None):
        return "lag -"
    if s.lag_note is not None:
        return f"lag {s.lag_note}"
    offset = "" if s.clock_offset_ms is None else f", clock {s.clock_offset_ms:+.0f} ms"
    return (f"lag p50 {s.lag_p50_ms:.0f} p99 {s.lag_p99_ms or 0:.0f} ms "
            f"({s.lag_samples} samples{offset})")


async def _report(runtime: RuntimeView, every_s: float) -> None:
    while True:
        await asyncio.sleep(every_s)
        for line in status_lines(runtime):
            log.info("%s", line, extra=STATUS)


def arm_refusal(settings: ArbotSettings, arm_live: bool) -> str | None:
    """Why `--arm-live` cannot apply to these settings (checked before anything starts)."""
    if arm_live and settings.trading.mode != TradingMode.LIVE:
        return (f'--arm-live needs [trading] mode = "live" (it is "{settings.trading.mode}"); '
                "nothing was started")
    return None


def _kill_switch(runtime: RuntimeView) -> None:
    if runtime.trader is not None:
        runtime.trader.halt("kill switch (SIGUSR1)")


async def run_headless(settings: ArbotSettings, *, demo: bool, duration: float | None,
                       log_format: LogFormat, arm_live: bool = False,
                       record_raw: RawLogConfig | None = None) -> int:
    """Run until a signal or the duration; return the process exit code.

    SIGINT/SIGTERM (and SIGHUP, unless started under nohup) stop cleanly, even one that
    came during start-up; SIGUSR1 is the kill switch (halt trading, cancel open orders,
    keep watching)."""
    setup_logging(log_format, demo)
    stop = asyncio.Event()
    stopsignal.on_stop(stop.set)
    if stop.is_set():
        log.info("asked to stop while starting: nothing was started")
        return 0
    started = time.monotonic()
    try:
        return await _run(settings, demo, duration, arm_live, stop, started, record_raw)
    except (LiveRefused, ApiRefused) as exc:
        log.error("%s", exc)
        return 2


async def _run(settings: ArbotSettings, demo: bool, duration: float | None, arm_live: bool,
               stop: asyncio.Event, started: float, record_raw: RawLogConfig | None) -> int:
    loop = asyncio.get_running_loop()
    runtime = Runtime(settings, demo=demo, sinks=[StatusLog()], armed=arm_live,
                      record_raw=record_raw)
    async with Systemd(runtime, lambda: runtime.beat_ns) as systemd, runtime:
        loop.add_signal_handler(signal.SIGUSR1, _kill_switch, runtime)
        if settings.trading.mode == TradingMode.LIVE and not arm_live:
            log.warning("live mode is NOT armed: no orders will be sent (start with "
                        "--arm-live to trade)")
        if demo and runtime.sim is not None:
            log.info("simulated venues on 127.0.0.1:%d, profile %s, seed %d (prices are not "
                     "real)", runtime.sim.port, runtime.sim.config.profile, runtime.sim.config.seed)
        log.info("recording to %s (%s)", settings.storage.path, settings.storage.record_quotes)
        if record_raw is not None:
            log.info("recording raw frames to %s", record_raw.directory)
        reporter = asyncio.create_task(_report(runtime, settings.feeds.status_log_s),
                                       name="status-lines")
        try:
            await runtime.run(stop, duration)
        finally:
            systemd.stopping("signal" if stop.is_set() else "duration reached")
            reporter.cancel()
    for line in status_lines(runtime):  # after the runtime closed: the writer has flushed
        log.info("%s", line, extra=STATUS)
    lines, extra = await run_summary_lines(settings.storage.path, runtime.started_ns,
                                           quote_currency(settings.market.symbols))
    for line in lines:
        log.info("%s", line, extra=extra)
    if runtime.storage_problem:
        log.error("stopped after %.1f s; %s", time.monotonic() - started,
                  runtime.storage_problem)
        return 1
    log.info("stopped after %.1f s; database flushed", time.monotonic() - started)
    return 0
