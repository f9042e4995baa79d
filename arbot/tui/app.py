"""The Textual app: screens as modes, the runtime's tasks as workers, data as messages.

The app is built with its backend injected (`build_app(settings, runtime_factory=...)`),
so tests, snapshots and `arbot` itself go through the same factory; a test passes a fake
runtime instead of patching anything.

Data path: the runtime calls `TuiSink` synchronously from the feeds; once per
`ui.refresh_ms` the app's timer has the sink post one `MarketTick` (with the engine's and
the trader's counters); the app applies it to the shared `MarketState` and asks every
screen it built to redraw what changed. Episode events, settled trades and log records are
posted as they happen. Trading is paused, halted and armed through `TradingControl`.

The app wires its parts and answers messages; each part lives in its own module: the key
bindings (`keys`), the runtime's start and stop in workers (`runner`), the refresh tick
(`refresh`), the screens built and their updates (`views`), and the log and signal hooks,
a lost terminal included (`hooks`).
"""

from __future__ import annotations

import asyncio
import logging
import sys
from collections import deque
from collections.abc import Iterable
from pathlib import Path
from typing import Any, ClassVar

from textual.app import App, SystemCommand
from textual.binding import BindingType
from textual.driver import Driver
from textual.drivers.linux_driver import LinuxDriver
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from arbot.config import DEFAULT_CONFIG_PATH, ArbotSettings
from arbot.config.run import needs_restart
from arbot.demo import SimConfig
from arbot.domain import Venue
from arbot.runsummary import run_summary_lines
from arbot.tui.backend import RuntimeFactory, runtime_factory
from arbot.tui.commands import binding_commands
from arbot.tui.control import TradingControl, key_for
from arbot.tui.export import ExportDialog
from arbot.tui.heap import HeapTuning, freeze_heap
from arbot.tui.history import read_history
from arbot.tui.hooks import ProcessHooks
from arbot.tui.inventory import InventoryScreen
from arbot.tui.keys import APP_BINDINGS
from arbot.tui.messages import (
    EpisodeChanged,
    LogLine,
    MarketTick,
    RuntimeStarted,
    TradeSettled,
    TuiSink,
)
from arbot.tui.opportunities import OpportunitiesScreen
from arbot.tui.performance import HistoryScreen
from arbot.tui.prices import PricesScreen
from arbot.tui.refresh import RefreshTimer
from arbot.tui.runner import RUNTIME, TASKS, RuntimeRunner
from arbot.tui.settings import SettingsScreen
from arbot.tui.startup import summary, venue_notes
from arbot.tui.state import NS_PER_S, Clocks, MarketState, RunPhase
from arbot.tui.terminal import TerminalDriver, TerminalLost
from arbot.tui.tradedata import TradeRow
from arbot.tui.trades import TradesScreen
from arbot.tui.views import Views
from arbot.tui.widgets import ArbotHeader, ArbotScreen
from arbot.valuation import quote_currency
from arbot.view import RuntimeView

log = logging.getLogger("arbot.tui")

HISTORY_S = 7 * 86_400  # how far back the opportunities and trades tables are filled


class ArbotApp(App[int]):
    """ArBot's terminal UI. Construct it with `build_app`."""

    CSS_PATH = "arbot.tcss"
    TITLE = "ArBot"
    DEFAULT_MODE = "prices"
    BINDINGS: ClassVar[list[BindingType]] = APP_BINDINGS

    def __init__(self, settings: ArbotSettings, *, demo: bool, runtime: RuntimeFactory,
                 config_path: Path | None = None, clocks: Clocks | None = None) -> None:
        super().__init__()
        self.settings = settings
        self.demo = demo
        self.state = MarketState(settings, demo, clocks or Clocks())
        self.sink = TuiSink(self.post_message)
        self.log_backlog: deque[LogLine] = deque(maxlen=1000)
        self.runtime_error: BaseException | None = None
        self._runner = RuntimeRunner(self, runtime, [self.sink])
        self._views = Views(self.state, self.log_backlog)
        self._quitting = False
        self._hooks = ProcessHooks(self)
        self.heap = HeapTuning()
        self._refresh = RefreshTimer(self, self.sink, lambda: self.runtime)
        self.trading = TradingControl(self, runtime=lambda: self.runtime,
                                      settings=lambda: self.settings,
                                      run_mode=lambda: self.state.run_mode, changed=self.flush)
        self.add_mode("prices", self._views.factory(PricesScreen))
        self.add_mode("opportunities", self._views.factory(OpportunitiesScreen))
        self.add_mode("trades", self._views.factory(TradesScreen))
        self.add_mode("inventory", self._views.factory(InventoryScreen))
        self.add_mode("history", self._views.factory(HistoryScreen))
        # without a config file the form saves to ./arbot.toml, the file ArBot reads
        self.add_mode("settings", lambda: SettingsScreen(
            settings, config_path or DEFAULT_CONFIG_PATH, self.settings_saved,
            header=lambda: ArbotHeader(self.state, "Settings")))

    @property
    def runtime(self) -> RuntimeView | None:
        """The running runtime; None until it has started."""
        return self._runner.runtime

    # -- lifecycle -------------------------------------------------------------------

    def on_mount(self) -> None:
        self.heap.start()
        self.set_keymap(dict(self.settings.ui.keymap))
        self._hooks.install(self.action_quit)  # the log panel's records, the stop signals
        self._refresh.start(self.settings.ui.refresh_ms)
        self._runner.start()

    def get_driver_class(self) -> type[Driver]:
        """Textual's driver, but one that survives a lost terminal (unless the user chose
        another with TEXTUAL_DRIVER)."""
        driver = super().get_driver_class()
        return TerminalDriver if driver is LinuxDriver else driver

    async def on_terminal_lost(self, message: TerminalLost) -> None:
        log.warning("the terminal went away: stopping")
        await self.action_quit()

    def on_unmount(self) -> None:
        self._hooks.remove()
        self.heap.stop()

    async def stop_runtime(self) -> None:
        """Stop the runtime's tasks and leave it (the writer flushes); idempotent."""
        await self._runner.stop()

    async def action_quit(self) -> None:
        """Quit cleanly: stop the feeds, flush the database, then exit."""
        if self._quitting:
            return
        self._quitting = True
        self.state.phase = RunPhase.STOPPING
        self._views.refresh_market()
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
        """Post this tick's coalesced data now, as the refresh timer does."""
        self._refresh.flush()

    def on_market_tick(self, message: MarketTick) -> None:
        self.state.apply_tick(message)
        self._views.refresh_market()
        stack = self.screen_stack  # empty while a mode switches or the app exits
        if stack and isinstance(stack[-1], SettingsScreen):  # its header: mode, HALTED
            for header in stack[-1].query(ArbotHeader):
                header.refresh_from_state()

    def on_episode_changed(self, message: EpisodeChanged) -> None:
        self._views.episode_changed(self.state.apply_episode(message))

    def on_trade_settled(self, message: TradeSettled) -> None:
        row = TradeRow.from_outcome(message.outcome, self.state.clocks.wall_ns(),
                                    self.state.trading_mode)
        self._views.trades_changed([self.state.apply_trade(row)])

    def on_log_line(self, message: LogLine) -> None:
        self.log_backlog.append(message)
        self._views.log_line(message)

    def on_runtime_started(self, message: RuntimeStarted) -> None:
        self.call_after_refresh(freeze_heap)
        self.state.phase = RunPhase.RUNNING
        self.state.started_mono_ns = self.state.clocks.mono_ns()
        storage = self.settings.storage
        log.info("recording to %s (record_quotes = %s)%s", storage.path, storage.record_quotes,
                 "; DEMO: simulated venues, prices are not real" if self.demo else "")
        self.state.startup_notes = venue_notes(message.warnings, Venue)
        logged = [line.text for line in self.log_backlog]
        for warning in message.warnings:  # most were logged where they arose
            if not any(warning in text for text in logged):
                log.warning("%s", warning)
        text = summary(message.warnings, key_for(self, "log", "l"))
        if text is not None:
            self.notify(text, severity="warning", timeout=10, markup=False)
        self.run_worker(self._load_history(), name="history", group="history",
                        exit_on_error=False)

    async def _load_history(self) -> None:
        """Fill the opportunities and trades tables with the latest recorded ones."""
        since = self.state.clocks.wall_ns() - HISTORY_S * NS_PER_S
        episodes, trades = await read_history(self.settings.storage.path, since)
        self._views.episodes_loaded(self.state.add_history(episodes))
        self._views.trades_changed(self.state.add_trade_history(trades))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The one place worker failures surface: a notification and a log line; every
        other worker keeps running."""
        worker = event.worker
        if event.state is WorkerState.ERROR:
            error = worker.error
            if worker.group == RUNTIME:
                self.runtime_error = error
                self.state.phase = RunPhase.FAILED
                self.notify(f"ArBot could not run: {error}", title="Runtime failed",
                            severity="error", timeout=30, markup=False)
            else:
                self.notify(f"{worker.name} failed: {error}", title="Task failed",
                            severity="error", timeout=15, markup=False)
            log.error("%s failed: %s", worker.name, error)
        elif event.state is WorkerState.SUCCESS and worker.group == RUNTIME:
            self.state.phase = RunPhase.STOPPED
        elif (event.state is WorkerState.SUCCESS and worker.group == TASKS
              and not self._runner.stopping):
            self.notify(f"{worker.name} ended unexpectedly", severity="warning", markup=False)
        if worker.group == RUNTIME and event.state is not WorkerState.RUNNING:
            self._views.refresh_market()

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

    def action_acknowledge_drift(self) -> None:
        self.trading.acknowledge_drift()

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
            self._refresh.start(saved.ui.refresh_ms)
        restarted = self.runtime.apply(saved) if self.runtime is not None else []
        self._views.settings_changed(old)
        self._views.refresh_market()
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
    if app.runtime is not None:  # on the restored terminal, after the screen is gone
        lines, _ = asyncio.run(run_summary_lines(
            settings.storage.path, app.runtime.started_ns,
            quote_currency(settings.market.symbols)))
        print("\n".join(lines))
    if app.storage_problem:
        print(f"arbot: {app.storage_problem}", file=sys.stderr)
    # Textual sets 1 after a crash; a runtime that failed to start is a failure too.
    return app.return_code or (1 if app.runtime_error is not None else 0)
