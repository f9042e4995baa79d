"""Trading state and the limits that span trades: pause and halt, open exposure, the
daily loss limit, per-symbol cool-down, trades per minute and leg failures in a row.

Clocks are passed in (monotonic ns for windows, wall ns for the UTC day) so tests and the
backtester drive time themselves.
"""

from __future__ import annotations

import enum
from collections import deque

from arbot.config.trading import TradingSettings

NS_PER_S = 1_000_000_000
NS_PER_DAY = 86_400 * NS_PER_S


class TradingState(enum.StrEnum):
    RUNNING = "running"
    PAUSED = "paused"  # by the user; resume at will
    HALTED = "halted"  # kill switch or a limit; needs an explicit resume


class RiskBook:
    """What the pre-flight asks before a trade, and what each trade's outcome updates."""

    def __init__(self, settings: TradingSettings) -> None:
        self.settings = settings
        self.state = TradingState.RUNNING
        self.reason = ""
        self.open_exposure = 0.0
        self.realized_today = 0.0
        self._day = -1
        self.leg_failures = 0
        self.held_symbols: dict[str, str] = {}  # symbol -> why (hold policy)
        self.unsettled: dict[str, str] = {}  # symbol -> why (an earlier run's open orders)
        self._last_trade: dict[str, int] = {}
        self._starts: deque[int] = deque()
        self.in_flight: set[str] = set()

    # -- state ------------------------------------------------------------------------

    def pause(self) -> None:
        if self.state is TradingState.RUNNING:
            self.state, self.reason = TradingState.PAUSED, "paused by the user"

    def halt(self, reason: str) -> None:
        self.state, self.reason = TradingState.HALTED, reason

    def resume(self) -> None:
        """Back to trading; clears the leg-failure count that may have halted it."""
        self.state, self.reason = TradingState.RUNNING, ""
        self.leg_failures = 0

    # -- the checks -------------------------------------------------------------------

    def refusal(self, symbol: str, notional: float, mono_ns: int, wall_ns: int
                ) -> tuple[str, str] | None:
        """(funnel step, reason) when a new trade in `symbol` is not allowed now."""
        s = self.settings
        self._roll_day(wall_ns)
        if self.state is not TradingState.RUNNING:
            return self.state.value, self.reason
        if symbol in self.unsettled:
            return "unsettled", self.unsettled[symbol]
        if symbol in self.held_symbols:
            return "held", f"{symbol} is held: {self.held_symbols[symbol]}"
        if symbol in self.in_flight:
            return "in_flight", f"a {symbol} trade is still in flight"
        if -self.realized_today >= s.daily_loss_limit:
            return "daily_loss", f"daily loss {-self.realized_today:.2f} reached the limit"
        last = self._last_trade.get(symbol)
        if last is not None and mono_ns - last < s.cooldown_s * NS_PER_S:
            return "cooldown", f"{symbol} traded {(mono_ns - last) / NS_PER_S:.2f} s ago"
        while self._starts and mono_ns - self._starts[0] >= 60 * NS_PER_S:
            self._starts.popleft()
        if len(self._starts) >= s.max_trades_per_minute:
            return "rate", f"{s.max_trades_per_minute} trades in the last minute"
        if self.open_exposure + notional > s.max_open_exposure:
            return "exposure", (f"open exposure {self.open_exposure:.2f} + {notional:.2f} "
                                f"> {s.max_open_exposure:g}")
        return None

    # -- outcomes ---------------------------------------------------------------------

    def started(self, symbol: str, notional: float, mono_ns: int) -> None:
        self.in_flight.add(symbol)
        self.open_exposure += notional
        self._last_trade[symbol] = mono_ns
        self._starts.append(mono_ns)

    def release(self, symbol: str, notional: float) -> None:
        """A started trade that never sent an order (its intent could not be recorded)."""
        self.in_flight.discard(symbol)
        self.open_exposure = max(0.0, self.open_exposure - notional)

    def finished(self, symbol: str, notional: float, pnl: float, wall_ns: int,
                 leg_failure: bool) -> str | None:
        """Book a settled trade; returns the reason when it trips a halt."""
        self.release(symbol, notional)
        self._roll_day(wall_ns)
        self.realized_today += pnl
        self.leg_failures = self.leg_failures + 1 if leg_failure else 0
        s = self.settings
        why = None
        if -self.realized_today >= s.daily_loss_limit:
            why = f"daily loss limit: lost {-self.realized_today:.2f} today"
        elif self.leg_failures >= s.max_leg_failures:
            why = f"{self.leg_failures} leg failures in a row"
        if why is not None:
            self.halt(why)
        return why

    def _roll_day(self, wall_ns: int) -> None:
        day = wall_ns // NS_PER_DAY
        if day != self._day:
            self._day, self.realized_today = day, 0.0
