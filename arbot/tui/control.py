"""Start, stop and arm trading from the keyboard: pause and resume, the kill switch, and
arming or disarming live mode.

The bindings are the app's, so they work from every screen, show in the command palette
and can be remapped in `[ui.keymap]` by id. Nothing here sends an order: pausing and
halting only stop new trades (the halt also cancels what is open), and arming asks the
runtime, which refuses with the reason unless mode, keys and this confirmation are all
there. Every step that could surprise (arming, the kill switch, resuming after a halt)
goes through a confirmation dialog; the safe directions (pause, disarm) do not.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from rich.text import Text
from textual.app import App
from textual.binding import Binding, BindingType
from textual.screen import Screen

from arbot.config import ArbotSettings
from arbot.tradekinds import TradingMode
from arbot.trading.risk import TradingState
from arbot.tui.confirm import ConfirmDialog
from arbot.view import RuntimeView, TraderView

KILL_REASON = "kill switch (TUI)"
log = logging.getLogger("arbot.tui")

TRADING_BINDINGS: list[BindingType] = [
    Binding("space", "toggle_trading", "Pause/resume", id="pause-trading", show=False,
            tooltip="Pause or resume trading; resuming after a halt asks first"),
    Binding("exclamation_mark", "kill_switch", "Kill switch", id="kill-switch", show=False,
            tooltip="Halt trading and cancel open orders (asks first)"),
    Binding("a", "arm_live", "Arm live", id="arm-live", show=False,
            tooltip="Arm live trading, after a dialog stating the limits; disarms if armed"),
    Binding("A", "disarm_live", "Disarm live", id="disarm-live", show=False,
            tooltip="Disarm live trading: no new real orders"),
    Binding("b", "acknowledge_drift", "Acknowledge drift", id="acknowledge-drift",
            show=False, tooltip=("Take the venues' balances where they drifted from the "
                                 "ledger, and let those venues trade again (asks first)")),
]


def key_for(app: App[Any], binding_id: str, default: str,
            screen: Screen[Any] | None = None) -> str:
    """The key now bound to `binding_id` (after `[ui.keymap]`) on `screen` (the app's
    current one by default), as the footer shows it."""
    for active in (screen or app.screen).active_bindings.values():
        if active.binding.id == binding_id:
            return app.get_key_display(active.binding)
    return default


def arm_text(app: App[Any], settings: ArbotSettings, trader: TraderView) -> Text:
    """The limits live trading will run under, stated before anyone arms it."""
    t = trader.settings
    venues = ", ".join(v.value for v in settings.exchanges.enabled_venues())
    rows = (("max_notional", f"{settings.strategy.max_notional:g}",
             "per trade ([strategy])"),
            ("max_open_exposure", f"{t.max_open_exposure:g}", "in unsettled trades at once"),
            ("daily_loss_limit", f"{t.daily_loss_limit:g}", "lost in a UTC day halts trading"),
            ("max_trades_per_minute", str(t.max_trades_per_minute), "all symbols together"),
            ("leg_policy", t.leg_policy, "what to do with uneven legs"),
            ("slippage_bps", f"{t.slippage_bps:g}", "limit prices past the quotes"))
    text = Text(f"Real orders will be sent on {venues or 'no venue'} for every opportunity "
                "that passes the filters, within these limits:\n")
    for name, value, note in rows:
        text.append(f"  {name:<22}", "bold")
        text.append(f"{value:<9}")
        text.append(f"{note}\n", "dim")
    text.append(f"Amounts are in the quote currency. Disarm with "
                f"{key_for(app, 'disarm-live', 'A')}; halt and cancel everything with "
                f"{key_for(app, 'kill-switch', '!')}.")
    return text


class TradingControl:
    """The app's trading actions, kept out of `app.py`. It is handed what it acts
    through rather than the app: `app` for dialogs, notifications and the keys bound now;
    the running runtime (None until it starts), the settings in force, the trading mode
    the run started in, and `changed` to show a new state at once."""

    def __init__(self, app: App[Any], *, runtime: Callable[[], RuntimeView | None],
                 settings: Callable[[], ArbotSettings], run_mode: Callable[[], str],
                 changed: Callable[[], None]) -> None:
        self.app = app
        self._runtime = runtime
        self._settings = settings
        self._run_mode = run_mode
        self._changed = changed

    def _trader(self) -> TraderView | None:
        """The running trader, or None after telling the user why there is none."""
        app, runtime = self.app, self._runtime()
        trader = runtime.trader if runtime is not None else None
        if trader is None:
            if self._run_mode() == TradingMode.OFF:
                text = ('Trading is off ([trading] mode = "off"): there is nothing to pause, '
                        "halt or arm.")
            else:
                text = "Trading has not started yet."
            app.notify(text, severity="warning", markup=False)
        return trader

    def toggle(self) -> None:
        """Pause when running; resume when paused; after a halt, resume only if confirmed."""
        trader = self._trader()
        if trader is None:
            return
        if trader.state is TradingState.RUNNING:
            trader.pause()
            self.app.notify(f"Trading paused: no new trades until "
                            f"{key_for(self.app, 'pause-trading', 'space')}.", markup=False)
        elif trader.state is TradingState.PAUSED:
            trader.resume()
            self.app.notify("Trading resumed.", markup=False)
        else:
            body = Text(f"Trading was halted: {trader.risk.reason or 'no reason given'}.\n"
                        "Resuming lets new trades start again and clears the count of leg "
                        "failures in a row.")

            def answered(yes: bool | None) -> None:
                if yes and trader.state is TradingState.HALTED:
                    trader.resume()
                    self.app.notify("Trading resumed after the halt.", markup=False)
                    self._changed()

            self.app.push_screen(ConfirmDialog("Resume trading after a halt?", body, "Resume",
                                               focus_yes=False), answered)
        self._changed()

    def kill(self) -> None:
        """Ask, then halt trading and cancel open orders."""
        trader = self._trader()
        if trader is None:
            return

        def answered(yes: bool | None) -> None:
            if yes:
                trader.halt(KILL_REASON)
                self.app.notify("Trading HALTED: open orders are being cancelled; no new "
                                "trades until resumed.", severity="warning", markup=False)
                self._changed()

        body = Text("No new trades start until you resume explicitly "
                    f"({key_for(self.app, 'pause-trading', 'space')}, then confirm). Orders "
                    "still open on a venue are cancelled now.")
        if trader.state is TradingState.HALTED:
            body.append(f"\nTrading is already halted ({trader.risk.reason}); this cancels "
                        "open orders again.")
        self.app.push_screen(ConfirmDialog("Halt trading and cancel open orders?", body,
                                           "Halt", focus_yes=True, danger=True), answered)

    def acknowledge_drift(self) -> None:
        """Ask, then let the ledger take the drifted venues' balances; they trade again."""
        trader = self._trader()
        if trader is None:
            return
        drifts = [d for ds in trader.drift.open().values() for d in ds]
        if not drifts:
            self.app.notify("No balance drift to acknowledge.", markup=False)
            return

        def answered(yes: bool | None) -> None:
            if yes:
                venues = trader.drift.acknowledge()
                log.warning("balance drift on %s acknowledged in the TUI",
                            ", ".join(venues))
                self.app.notify(f"Balance drift acknowledged: {', '.join(venues)} "
                                "trade again.", markup=False)
                self._changed()

        body = Text("The ledger takes each venue's number below, and these venues open "
                    "trades again:\n")
        for d in drifts:
            body.append(f"  {d.venue} {d.asset}: {d.actual:.8g} (expected {d.expected:.8g}, "
                        f"{d.relative:.2%} off)\n")
        body.append("Acknowledge only once you know why the balances moved (a manual trade, "
                    "a deposit or withdrawal, a fee).")
        self.app.push_screen(ConfirmDialog("Acknowledge balance drift?", body, "Acknowledge",
                                           focus_yes=False), answered)

    def arm(self) -> None:
        """Arm live trading after stating its limits; disarm when already armed. Outside
        live mode, or with no venue's keys, the runtime's refusal shows instead of the
        dialog (the same words `--arm-live` exits with), so nothing promises orders that
        cannot be sent."""
        app = self.app
        runtime = self._runtime()
        if runtime is None:
            app.notify("Trading has not started yet.", severity="warning", markup=False)
            return
        trader = runtime.trader
        if trader is not None and trader.armed and trader.settings.mode == TradingMode.LIVE:
            self.disarm()
            return
        refusal = runtime.arm_refusal()  # not live, or no venue has keys: say so, no dialog
        if refusal is not None or trader is None:
            self._armed(refusal or "Trading has not started yet.")
            return

        def answered(yes: bool | None) -> None:
            if yes and runtime is self._runtime():
                self._armed(runtime.arm_live())

        limits = arm_text(app, self._settings(), trader)
        app.push_screen(ConfirmDialog("Arm LIVE trading?", limits, "Arm live",
                                      focus_yes=False, danger=True), answered)

    def _armed(self, refusal: str | None) -> None:
        if refusal is not None:
            self.app.notify(refusal, title="Live trading not armed", severity="error",
                            timeout=10, markup=False)
        else:
            self.app.notify("LIVE trading ARMED: real orders will be sent.",
                            severity="warning", timeout=10, markup=False)
        self._changed()

    def disarm(self) -> None:
        runtime = self._runtime()
        trader = runtime.trader if runtime is not None else None
        if runtime is None or trader is None or not trader.armed \
                or trader.settings.mode != TradingMode.LIVE:
            self.app.notify("Live trading is not armed.", markup=False)
            return
        runtime.disarm_live()
        self.app.notify("Live trading disarmed: no new real orders.", markup=False)
        self._changed()
