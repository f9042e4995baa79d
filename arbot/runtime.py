"""Builds feeds, storage and sinks from settings and runs them; either front end drives it.

The runtime never knows whether a terminal UI or the headless logger is watching: front
ends pass their sinks in and await `run()` (or take `coroutines()` to run as workers).
This module is the wiring and its order; the steps with a job of their own live beside
their subject: `arbot/feedbuild.py` (a venue's connections), `arbot/trading/startup.py`
(the trader and the restart reconciliation), `arbot/inventory/startup.py` (inventory,
coin information and transfer costs), `arbot/engine/clock.py` (the sweep and the saved
funnel) and `arbot/storage/retention.py` (old quotes deleted hourly).
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections.abc import Coroutine, Iterable
from contextlib import AsyncExitStack
from typing import Any

import aiohttp

from arbot import demo
from arbot.alerts.service import alerts_from_env
from arbot.api.hub import EventHub
from arbot.api.server import ApiServer, api_token
from arbot.config import ArbotSettings, load_credentials
from arbot.config.run import feeds_changed, run_settings
from arbot.demo import SimConfig, SimServer
from arbot.depth.board import DepthBoard
from arbot.domain import Instrument, Quote, Venue
from arbot.engine.clock import engine_clock
from arbot.engine.engine import Engine
from arbot.events import FanOut, Sink
from arbot.exchanges.feed import Feed
from arbot.exchanges.quotegate import GateBoard
from arbot.feedbuild import build_feeds
from arbot.inventory.startup import InventoryRun, start_inventory
from arbot.looplag import LoopLag
from arbot.storage.db import open_db
from arbot.storage.rawlog import RawLog, RawLogConfig
from arbot.storage.recorder import Recorder
from arbot.storage.retention import keep_pruning
from arbot.storage.writer import Writer
from arbot.tradekinds import TradingMode
from arbot.trading.live import LiveExecutor
from arbot.trading.reconcile import Reconciler
from arbot.trading.startup import (
    account_fees,
    balance_checks,
    hold_unsettled,
    reconcile_first,
    start_trader,
)
from arbot.trading.trader import Trader
from arbot.venuefeeds import FeedBoard, VenueFeeds, disabled_status

log = logging.getLogger("arbot")

WRITER_CLOSE_S = 5.0  # a database locked longer at the stop loses the rows still queued


class Runtime:
    """Owns every long-lived part: the simulator in demo mode, the database writer, the
    HTTP session and one feed per venue connection. Use as `async with Runtime(...)`."""

    def __init__(self, settings: ArbotSettings, *, demo: bool = False,
                 sinks: Iterable[Sink] = (), sim_config: SimConfig | None = None,
                 armed: bool = False, record_raw: RawLogConfig | None = None) -> None:
        self.settings = settings
        self.demo = demo
        self._sim_config = sim_config
        self._extra_sinks = list(sinks)
        self.warnings: list[str] = []
        # Alerts hear every kind of event, trades included, so they join before the
        # trader is built with the sinks it tells of its trades.
        self.alerts = alerts_from_env(settings.alerts, self.warnings, demo=demo)
        if self.alerts is not None:
            self._extra_sinks.append(self.alerts)
        self.api_hub: EventHub | None = None
        if settings.api.enabled:  # streams episodes, trades and states to API clients
            self.api_hub = EventHub(settings.trading.mode)
            self._extra_sinks.append(self.api_hub)
        self.board = FeedBoard()
        # L2 books (`[market] depth` > 1), kept by the feeds and walked by the engine; made
        # once here, so a changed depth applies at the next start.
        depth = settings.market.depth
        self.depth_board: DepthBoard | None = DepthBoard(depth) if depth > 1 else None
        self.venue_feeds: dict[Venue, VenueFeeds] = {}
        self.sim: SimServer | None = None
        self.writer: Writer | None = None
        self.recorder: Recorder | None = None
        self.raw_log = RawLog(record_raw) if record_raw is not None else None
        self.engine: Engine | None = None
        self.inventory: InventoryRun | None = None
        self.trader: Trader | None = None
        self.reconciler: Reconciler | None = None
        self.armed = armed
        self.live_problem = ""  # why live trading cannot run, if it cannot
        self.instruments: dict[tuple[Venue, str], Instrument] = {}
        self._gate_board = GateBoard()  # every venue's last good prices, for the gates
        self.started_ns = time.time_ns()
        self.loop_lag = LoopLag()
        self.beat_ns = 0  # monotonic time of the engine clock's latest turn (0: none yet)
        self._stack = AsyncExitStack()
        self._sim_urls: dict[Venue, tuple[str, str]] = {}
        self._session: aiohttp.ClientSession | None = None
        self._sink: FanOut | None = None

    async def __aenter__(self) -> Runtime:
        try:
            await self._start()
        except BaseException:
            await self._stack.aclose()
            raise
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._stack.aclose()

    async def _start(self) -> None:
        token = api_token() if self.api_hub is not None else ""  # refuse before anything
        if self.alerts is not None:  # closed last: a halt at the stop is still told
            self.alerts.start(self)
            self._stack.callback(self.alerts.close)
        if self.demo:
            self.sim = await self._stack.enter_async_context(
                demo.simulator(self._sim_config, self.settings))
            self._sim_urls = demo.endpoints(self.sim)
            self.settings = demo.on_simulator(self.settings, self._sim_urls)
        storage = self.settings.storage
        db = await open_db(storage.path)
        self._stack.push_async_callback(db.close)
        self.writer = Writer(db, flush_ms=storage.flush_ms, on_stopped=self._storage_stopped)
        await self.writer.start()
        self._stack.push_async_callback(functools.partial(self.writer.close,
                                                          give_up_s=WRITER_CLOSE_S))
        if self.raw_log is not None:  # before any feed exists, closed after they stop
            await self.raw_log.start()
            self._stack.push_async_callback(self.raw_log.close)
        self.recorder = Recorder(self.writer, storage.record_quotes, storage.record_throttle_ms,
                                 run_id=self.started_ns, depth=self.depth_board,
                                 record_books=storage.record_books,
                                 record_books_ms=storage.record_books_ms,
                                 record_books_levels=storage.record_books_levels)
        self.recorder.start_run(self.started_ns, self.demo, run_settings(self.settings))
        # Runs before the writer closes, even when the start is abandoned (a stop signal
        # or `q` while starting), so the run's row is always closed.
        self._stack.callback(self._finish_run)
        episode_sinks: list[Sink] = [self.recorder]
        # Signed requests use the environment's keys (the simulator's in `--demo`).
        keys = (functools.partial(demo.credentials, self.sim) if self.sim is not None
                else load_credentials)
        self._session = await self._stack.enter_async_context(aiohttp.ClientSession())
        self.inventory = await start_inventory(self.settings, self._session, keys, self.writer)
        self._extra_sinks.append(self.inventory.service)  # hears every settled trade
        if self.settings.trading.mode != TradingMode.OFF:
            self.trader, self.reconciler, self.live_problem = await start_trader(
                self.settings, self._stack, keys, self.instruments, self._book_quote,
                run_id=self.started_ns, armed=self.armed,
                on_trade=FanOut(self._extra_sinks).on_trade, warnings=self.warnings,
                depth=self.depth_board)
            episode_sinks.append(self.trader)
            if self.alerts is not None:  # a drifted balance is told once, when found
                self.trader.drift.sinks.append(self.alerts)
        self.engine = Engine(self.settings, FanOut([*episode_sinks, *self._extra_sinks]),
                             depth=self.depth_board)
        trader = self.trader
        self.inventory.bind(self.engine, trader.ledger.snapshot if trader else None,
                            lambda: trader.rejections["balance"] if trader else 0)
        # A paper trader's tape: its clock hears each quote before the engine may hand an
        # episode over, the tape after the engine took it (`arbot.trading.papertape`).
        tape = self.trader.tape if self.trader is not None else None
        pre, post = ([tape.before], [tape]) if tape is not None else ([], [])
        self._sink = FanOut([self.recorder, self.board, *pre, self.engine, *post,
                             *self._extra_sinks])
        venues = self.settings.exchanges.enabled_venues()
        built = await asyncio.gather(*(self._feeds_for(v) for v in venues))
        initial = dict(zip(venues, built, strict=True))
        if self.trader is not None and self.reconciler is not None:
            await account_fees(self.trader, self.engine.set_taker_fee)
            await reconcile_first(self.trader, self.reconciler, self.warnings)
        if self.api_hub is not None:
            api = ApiServer(self, token, self.api_hub)
            await api.start()
            self._stack.push_async_callback(api.stop)
        for venue in Venue:
            self.venue_feeds[venue] = VenueFeeds(venue, initial.get(venue, []), self._feeds_for,
                                                 self._sink)
            if venue not in initial:
                self._sink.on_feed_status(disabled_status(venue, 0, None))

    def _held_by_reconciler(self, reconciler: Reconciler) -> None:
        if self.trader is not None:
            hold_unsettled(self.trader, reconciler)

    def arm_refusal(self) -> str | None:
        """Why live trading cannot be armed now (the reason `arm_live` would give), or None;
        a front end asks before promising anything."""
        if self.trader is None or self.settings.trading.mode != TradingMode.LIVE:
            return 'trading mode is not live; set [trading] mode = "live" in arbot.toml'
        if not isinstance(self.trader.executor, LiveExecutor):
            return "no live executor"
        if not self.trader.executor.clients:
            return f"cannot arm live trading: {self.live_problem}"
        return None

    def arm_live(self) -> str | None:
        """Arm live trading; returns why it cannot be armed, or None once armed."""
        refusal = self.arm_refusal()
        if refusal is not None or self.trader is None:
            return refusal
        self.trader.armed = True
        log.warning("LIVE trading ARMED: real orders will be sent")
        return None

    def disarm_live(self) -> None:
        if self.trader is not None and self.trader.armed:
            self.trader.armed = False
            log.warning("live trading disarmed: no new orders")

    @property
    def storage_problem(self) -> str:
        """Empty while every row is written; else how many were not, and why (the
        database could not be written: a full disk)."""
        stats = self.writer.stats if self.writer is not None else None
        if stats is None or stats.stopped is None:
            return ""
        return f"{stats.unwritten} rows were not written ({stats.stopped})"

    def _storage_stopped(self, why: str) -> None:
        """The database cannot be written (the writer stopped recording): no trade could be
        journaled, so trading stops too, loudly; the feeds and the screen keep running."""
        if self.trader is not None:
            self.trader.journal.unwritable = self.trader.journal.unwritable or why
            self.trader.halt(f"the database cannot be written: {why}")

    def _book_quote(self, venue: Venue, symbol: str) -> Quote | None:
        return self.engine.board.quote(venue, symbol) if self.engine is not None else None

    async def _feeds_for(self, venue: Venue) -> list[Feed]:
        """The venue's connections under the current settings (none when it is off)."""
        assert self._session is not None and self._sink is not None
        return await build_feeds(venue, self.settings, self._session, self._sink,
                                 instruments=self.instruments, warnings=self.warnings,
                                 gates=self._gate_board, raw_log=self.raw_log,
                                 depth=self.depth_board)

    @property
    def feeds(self) -> list[Feed]:
        """Every current connection of every venue."""
        return [f for vf in self.venue_feeds.values() for f in vf.feeds]

    def apply(self, settings: ArbotSettings) -> list[Venue]:
        """Take saved settings without a restart: engine parameters and the recording mode
        in place, and new connections only for the venues whose feeds changed (switched
        on or off, new URL, or new symbols). Returns those venues. Storage path, feed
        timings, the API and the demo's [sim] apply on the next start."""
        settings = demo.on_simulator(settings, self._sim_urls)
        changed = feeds_changed(self.settings, settings)
        self.settings = settings
        if self.engine is not None:
            self.engine.apply(settings)
        if self.inventory is not None:
            self.inventory.service.apply(settings)
        if self.alerts is not None:
            self.alerts.apply(settings.alerts)
        if self.recorder is not None:
            storage = settings.storage
            self.recorder.set_mode(storage.record_quotes, storage.record_throttle_ms)
            self.recorder.set_books(storage.record_books, storage.record_books_ms,
                                    storage.record_books_levels)
            if self._sink is not None:
                self._sink.rebind()
        for venue in changed:
            self.venue_feeds[venue].restart()
        return changed

    def _finish_run(self) -> None:
        """Close open episodes and store the final funnel (if the engine ever started)
        with the run, closing it."""
        if self.recorder is None:
            return
        now = time.time_ns()
        funnel: dict[str, object] = {}
        if self.engine is not None:
            self.engine.stop(now)
            funnel = self.engine.funnel.as_dict()
        self.recorder.update_run(funnel, ended_ns=now)

    async def _engine_clock(self) -> None:
        assert self.engine is not None and self.recorder is not None
        await engine_clock(self.engine, self.recorder.update_run, self._beat)

    def _beat(self) -> None:
        self.beat_ns = time.monotonic_ns()

    def coroutines(self) -> dict[str, Coroutine[Any, Any, Any]]:
        """Every long-lived task by name, for a TaskGroup or Textual workers."""
        tasks: dict[str, Coroutine[Any, Any, Any]] = {
            f"feed-{venue}": vf.run() for venue, vf in self.venue_feeds.items()}
        tasks["engine-clock"] = self._engine_clock()
        if self.trader is not None and isinstance(self.trader.executor, LiveExecutor):
            for feed in self.trader.executor.feeds:  # the private streams
                tasks[f"private-{feed.stream.venue}"] = feed.run()
            live = self.trader.executor
            tasks["band-prices"] = live.band_prices.keep_fresh(live.clients, live.instruments)
        tasks["loop-lag"] = self.loop_lag.run()
        if self.inventory is not None:
            tasks.update(self.inventory.coroutines(self.settings.feeds.status_log_s))
        if self.reconciler is not None and self.reconciler.pending:
            tasks["reconcile"] = self.reconciler.run(self._held_by_reconciler)
        checks = balance_checks(self.trader, self.settings) if self.trader else None
        if checks is not None:
            tasks["balance-check"] = checks
        if self.settings.storage.retention_days > 0:
            tasks["retention"] = keep_pruning(lambda: self.settings.storage)
        return tasks

    async def run(self, stop: asyncio.Event | None = None, duration: float | None = None) -> None:
        """Run everything until `stop` is set or `duration` seconds pass."""
        stop = stop or asyncio.Event()
        tasks = [asyncio.create_task(c, name=n) for n, c in self.coroutines().items()]
        try:
            await asyncio.wait_for(stop.wait(), duration)
        except TimeoutError:
            pass
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
