"""The Textual app: screens as modes, the runtime's tasks as workers, data as messages.

The app is built with its backend injected (`build_app(settings, runtime_factory=...)`),
so tests, snapshots and `arbot` itself go through the same factory; a test passes a fake
runtime instead of patching anything.

Data path: the runtime calls `TuiSink` synchronously from the feeds; once per
`ui.refresh_ms` the app's timer has the sink post one `MarketTick` (with the engine's and
the trader's counters); the app applies it to the shared `MarketState` and asks every
screen it built to redraw what changed. Episode events, settled trades and log records are
posted as they happen. Trading is paused, halted and armed through `TradingControl`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
from collections import deque
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, ClassVar

from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.driver import Driver
from textual.drivers.linux_driver import LinuxDriver
from textual.screen import Screen
from textual.worker import Worker, WorkerCancelled, WorkerFailed, WorkerState

from arbot import stopsignal
from arbot.config import DEFAULT_CONFIG_PATH, ArbotSettings
from arbot.config.run import needs_restart
from arbot.demo import SimConfig
from arbot.tui.backend import (
    RuntimeFactory,
    runtime_factory,
    trading_status,
)
from arbot.tui.commands import binding_commands
from arbot.tui.control import TRADING_BINDINGS, TradingControl
from arbot.tui.export import ExportDialog
from arbot.tui.heap import freeze_heap
from arbot.tui.history import read_history
from arbot.tui.messages import (
    EpisodeChanged,
    LogLine,
    MarketTick,
    RuntimeStarted,
    TradeSettled,
    TuiLogHandler,
    TuiSink,
)
from arbot.tui.opportunities import OpportunitiesScreen
from arbot.tui.prices import PricesScreen
from arbot.tui.settings import SettingsScreen
from arbot.tui.state import NS_PER_S, Clocks, MarketState, RunPhase
from arbot.tui.terminal import TerminalDriver, TerminalLost
from arbot.tui.tradedata import TradeRow
from arbot.tui.trades import TradesScreen
from arbot.tui.widgets import ArbotScreen
from arbot.view import RuntimeView

log = logging.getLogger("arbot.tui")

TASKS = "runtime-tasks"  # worker group of the runtime's long-lived coroutines
HISTORY_S = 7 * 86_400  # how far back the opportunities and trades tables are filled
SHUTDOWN_S = 15.0  # give up waiting for the runtime to close after this long


class ArbotApp(App[int]):
    """ArBot's terminal UI. Construct it with `build_app`."""

    CSS_PATH = "arbot.tcss"
    TITLE = "ArBot"
    DEFAULT_MODE = "prices"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("1,p", "switch_mode('prices')", "Prices", id="prices",
                tooltip="Top of book on every venue"),
        Binding("2,o", "switch_mode('opportunities')", "Opportunities", id="opportunities",
                tooltip="Live and recent opportunity episodes, and the why-no-trade funnel"),
        Binding("3,t", "switch_mode('trades')", "Trades", id="trades",
                tooltip="Trades with their orders, the trader's state and the balances"),
        Binding("4,s", "switch_mode('settings')", "Settings", id="settings",
                tooltip="Edit the settings"),
        Binding("l", "toggle_log", "Log", id="log", tooltip="Show or hide the log panel"),
        Binding("question_mark", "toggle_help", "Keys", id="help", key_display="?",
                tooltip="Show or hide every key"),
        Binding("e", "export", "Export", id="export", show=False,
                tooltip="Export recorded quotes or episodes to CSV"),
        Binding("q", "quit", "Quit", id="quit",
                tooltip="Stop the feeds, flush the database and quit"),
        Binding("escape", "switch_mode('prices')", "Back to prices", id="back", show=False,
                tooltip="Leave a form (e.g. the settings) for the prices screen"),
        *TRADING_BINDINGS,
    ]

    def __init__(self, settings: ArbotSettings, *, demo: bool, runtime: RuntimeFactory,
                 config_path: Path | None = None, clocks: Clocks | None = None) -> None:
        super().__init__()
        self.settings = settings
        self.demo = demo
        self._factory = runtime
        self.state = MarketState(settings, demo, clocks or Clocks())
        self.sink = TuiSink(self.post_message)
        self.log_backlog: deque[LogLine] = deque(maxlen=1000)
        self.runtime: RuntimeView | None = None
        self.runtime_error: BaseException | None = None
        self._views: list[ArbotScreen] = []
        self._stop = asyncio.Event()
        self._runtime_worker: Worker[None] | None = None
        self._quitting = False
        self._log_handler = TuiLogHandler(self.post_message)
        self._log_level = logging.NOTSET
        self._restore_signals: Callable[[], None] = lambda: None
        self.trading = TradingControl(self, runtime=lambda: self.runtime,
                                      settings=lambda: self.settings,
                                      run_mode=lambda: self.state.run_mode, changed=self.flush)
        self.add_mode("prices", self._view(PricesScreen))
        self.add_mode("opportunities", self._view(OpportunitiesScreen))
        self.add_mode("trades", self._view(TradesScreen))
        # without a config file the form saves to ./arbot.toml, the file ArBot reads
        self.add_mode("settings", lambda: SettingsScreen(
            settings, config_path or DEFAULT_CONFIG_PATH, self.settings_saved))

    def _view(self, cls: type[ArbotScreen]) -> Callable[[], Screen[None]]:
        """A mode's screen factory that also registers the screen for market updates."""

        def build() -> Screen[None]:
            screen = cls(self.state, self.log_backlog)
            self._views.append(screen)
            return screen

        return build

    # -- lifecycle -------------------------------------------------------------------

    def on_mount(self) -> None:
        self.set_keymap(dict(self.settings.ui.keymap))
        logger = logging.getLogger("arbot")
        self._log_level = logger.level
        if logger.getEffectiveLevel() > logging.INFO:
            logger.setLevel(logging.INFO)
        logger.addHandler(self._log_handler)
        self._refresh_timer = self.set_interval(self.settings.ui.refresh_ms / 1000, self.flush,
                                                name="ui-refresh")
        self._runtime_worker = self.run_worker(self._run_runtime(), name="runtime",
                                               group="runtime", exit_on_error=False)
        if not self.is_headless:  # SIGINT, SIGTERM (even during start-up), or SIGHUP
            self._restore_signals = stopsignal.on_stop(
                lambda: self.call_later(self.action_quit), hangup=self._hang_up)

    def get_driver_class(self) -> type[Driver]:
        """Textual's driver, but one that survives a lost terminal (unless the user chose
        another with TEXTUAL_DRIVER)."""
        driver = super().get_driver_class()
        return TerminalDriver if driver is LinuxDriver else driver

    def _hang_up(self) -> None:
        """SIGHUP: the terminal is gone (an SSH drop), so stop writing to it and quit."""
        if isinstance(self._driver, TerminalDriver):
            self._driver.hang_up()  # posts TerminalLost
        else:
            self.post_message(TerminalLost())

    async def on_terminal_lost(self, message: TerminalLost) -> None:
        log.warning("the terminal went away: stopping")
        await self.action_quit()

    def on_unmount(self) -> None:
        logger = logging.getLogger("arbot")
        logger.removeHandler(self._log_handler)
        logger.setLevel(self._log_level)
        self._restore_signals()

    async def _run_runtime(self) -> None:
        """Enter the runtime, run each of its tasks as a named worker, and on stop cancel
        them and leave the runtime, which closes episodes and flushes the database."""
        async with self._factory([self.sink]) as runtime:
            self.runtime = runtime
            self.post_message(RuntimeStarted(list(runtime.warnings)))
            tasks = [self.run_worker(coro, name=name, group=TASKS, exit_on_error=False,
                                     description=f"runtime task {name}")
                     for name, coro in runtime.coroutines().items()]
            try:
                await self._stop.wait()
            finally:
                for worker in tasks:
                    worker.cancel()
                for worker in tasks:
                    with contextlib.suppress(WorkerCancelled, WorkerFailed):
                        await worker.wait()

    async def stop_runtime(self) -> None:
        """Stop the runtime's tasks and leave it (the writer flushes); idempotent."""
        self._stop.set()
        worker = self._runtime_worker
        if worker is None:
            return
        if self.runtime is None:
            worker.cancel()  # still starting (e.g. waiting on a venue): abandon the start
        try:
            await asyncio.wait_for(worker.wait(), SHUTDOWN_S)
        except (WorkerCancelled, WorkerFailed):
            pass
        except TimeoutError:
            log.error("the runtime did not stop within %.0f s; quitting anyway", SHUTDOWN_S)

    async def action_quit(self) -> None:
        """Quit cleanly: stop the feeds, flush the database, then exit."""
        if self._quitting:
            return
        self._quitting = True
        self.state.phase = RunPhase.STOPPING
        self._refresh_views()
        self.run_worker(self._quit(), name="quit", group="quit", exit_on_error=False)

    async def _quit(self) -> None:
        await self.stop_runtime()
        failed = self.runtime_error is not None or self.storage_problem
        code = 1 if failed else 0
        self.exit(code, return_code=code)

    @property
    def storage_problem(self) -> str:
        """How many rows were not written, and why, when the database could not be."""
        return self.runtime.storage_problem if self.runtime is not None else ""

    # -- messages --------------------------------------------------------------------

    def flush(self) -> None:
        """The refresh timer: have the sink post this tick's coalesced data."""
        runtime = self.runtime
        engine = runtime.engine if runtime is not None else None
        trading = trading_status(runtime) if runtime is not None else None
        if engine is None:
            self.sink.flush(trading=trading)
        else:
            self.sink.flush(engine.funnel.as_dict(), engine.heartbeat_ns, trading,
                            engine.market_view())

    def on_market_tick(self, message: MarketTick) -> None:
        self.state.apply_tick(message)
        self._refresh_views()

    def _refresh_views(self) -> None:
        for view in self._views:
            view.refresh_market()

    def on_episode_changed(self, message: EpisodeChanged) -> None:
        row = self.state.apply_episode(message)
        for view in self._views:
            view.episode_changed(row)

    def on_trade_settled(self, message: TradeSettled) -> None:
        row = TradeRow.from_outcome(message.outcome, self.state.clocks.wall_ns(),
                                    self.state.trading_mode)
        self._trades_changed([self.state.apply_trade(row)])

    def _trades_changed(self, rows: list[TradeRow]) -> None:
        for view in self._views:
            view.trades_changed(rows)

    def on_log_line(self, message: LogLine) -> None:
        self.log_backlog.append(message)
        for view in self._views:
            view.log_line(message)

    def on_runtime_started(self, message: RuntimeStarted) -> None:
        self.call_after_refresh(freeze_heap)
        self.state.phase = RunPhase.RUNNING
        self.state.started_mono_ns = self.state.clocks.mono_ns()
        storage = self.settings.storage
        log.info("recording to %s (record_quotes = %s)%s", storage.path, storage.record_quotes,
                 "; DEMO: simulated venues, prices are not real" if self.demo else "")
        for warning in message.warnings:
            self.notify(warning, severity="warning", timeout=10, markup=False)
        self.run_worker(self._load_history(), name="history", group="history",
                        exit_on_error=False)

    async def _load_history(self) -> None:
        """Fill the opportunities and trades tables with the latest recorded ones."""
        since = self.state.clocks.wall_ns() - HISTORY_S * NS_PER_S
        episodes, trades = await read_history(self.settings.storage.path, since)
        added = self.state.add_history(episodes)
        for view in self._views:
            if isinstance(view, OpportunitiesScreen):
                view.add_rows(added)
        self._trades_changed(self.state.add_trade_history(trades))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The one place worker failures surface: a notification and a log line; every
        other worker keeps running."""
        worker = event.worker
        if event.state is WorkerState.ERROR:
            error = worker.error
            if worker.group == "runtime":
                self.runtime_error = error
                self.state.phase = RunPhase.FAILED
                self.notify(f"ArBot could not run: {error}", title="Runtime failed",
                            severity="error", timeout=30, markup=False)
            else:
                self.notify(f"{worker.name} failed: {error}", title="Task failed",
                            severity="error", timeout=15, markup=False)
            log.error("%s failed: %s", worker.name, error)
        elif event.state is WorkerState.SUCCESS and worker.group == "runtime":
            self.state.phase = RunPhase.STOPPED
        elif (event.state is WorkerState.SUCCESS and worker.group == TASKS
              and not self._stop.is_set()):
            self.notify(f"{worker.name} ended unexpectedly", severity="warning", markup=False)
        if worker.group == "runtime" and event.state is not WorkerState.RUNNING:
            self._refresh_views()

    # -- actions ---------------------------------------------------------------------

    def action_toggle_log(self) -> None:
        self.toggle_class("-show-log")

    def action_toggle_help(self) -> None:
        if self.screen.query("HelpPanel"):
            self.action_hide_help_panel()
        else:
            self.action_show_help_panel()

    def action_toggle_trading(self) -> None:
        self.trading.toggle()

    def action_kill_switch(self) -> None:
        self.trading.kill()

    def action_arm_live(self) -> None:
        self.trading.arm()

    def action_disarm_live(self) -> None:
        self.trading.disarm()

    def action_export(self) -> None:
        """The export dialog, offering the table on screen as one of the choices."""
        screen = self.screen
        visible = screen.visible_table if isinstance(screen, ArbotScreen) else None
        self.push_screen(ExportDialog(self.settings.storage.path, visible))

    def settings_saved(self, saved: ArbotSettings) -> None:
        """The settings form saved a new file: apply it now. Engine parameters and the
        recording mode change in place, only the venues whose feeds changed reconnect,
        and the screens redraw; what only a restart can change is named."""
        old, self.settings = self.settings, saved
        self.state.settings = saved
        self.set_keymap(dict(saved.ui.keymap))
        if saved.ui.refresh_ms != old.ui.refresh_ms:
            self._refresh_timer.stop()
            self._refresh_timer = self.set_interval(saved.ui.refresh_ms / 1000, self.flush,
                                                    name="ui-refresh")
        restarted = self.runtime.apply(saved) if self.runtime is not None else []
        for view in self._views:
            view.settings_changed(old)
        self._refresh_views()
        text = "Settings applied"
        if restarted:
            text += f"; reconnecting {', '.join(restarted)}"
        later = needs_restart(old, saved)
        if later:
            text += f". Restart ArBot to apply {', '.join(later)}"
        self.notify(text, timeout=8, markup=False)

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """Textual's commands, then every key binding of the app and the screen."""
        return binding_commands(self, screen, super().get_system_commands(screen))


def build_app(settings: ArbotSettings, *, demo: bool, config_path: Path | None = None,
              runtime: RuntimeFactory | None = None, sim_config: SimConfig | None = None,
              clocks: Clocks | None = None) -> ArbotApp:
    """The app, with the real runtime unless `runtime` is given."""
    factory = runtime or runtime_factory(settings, demo=demo, sim_config=sim_config)
    return ArbotApp(settings, demo=demo, runtime=factory, config_path=config_path,
                    clocks=clocks)


def run_tui(settings: ArbotSettings, *, demo: bool, config_path: Path | None = None,
            runtime: RuntimeFactory | None = None) -> int:
    """Run the terminal UI until the user quits; returns the process exit code."""
    app = build_app(settings, demo=demo, config_path=config_path, runtime=runtime)
    app.run()
    if app.storage_problem:  # on the restored terminal, after the screen is gone
        print(f"arbot: {app.storage_problem}", file=sys.stderr)
    # Textual sets 1 after a crash; a runtime that failed to start is a failure too.
    return app.return_code or (1 if app.runtime_error is not None else 0)
