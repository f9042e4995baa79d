"""Whether an order may leave now: the trader's checks, asked on the way in and again
right before each order leaves.

A trade is refused on the way in when trading is off, live and not armed, still
settling the last run's orders, or the journal cannot be written; when a venue cannot
be traded (no keys, rate limited, its stream refused the keys); or when a venue's
balances drifted. Right before each opening leg leaves (after every await on its way)
the state is asked again, with the drift of both venues; a follow-up (unwind or chase)
only needs trading not halted and still armed, since it lowers the risk.
"""

from __future__ import annotations

import asyncio
from collections import Counter

from arbot.config.trading import TradingSettings
from arbot.domain import Venue
from arbot.storage.journal import TradeJournal
from arbot.tradekinds import TradingMode
from arbot.trading.drift import DriftGuard
from arbot.trading.executor import Executor, SendCheck
from arbot.trading.preflight import TradePlan
from arbot.trading.risk import RiskBook, TradingState

Refusal = tuple[str, str]
"""(funnel step, reason)."""


class SendGate:
    """The checks, as a part of `Trader` (whose state they read)."""

    settings: TradingSettings
    executor: Executor
    journal: TradeJournal
    risk: RiskBook
    drift: DriftGuard
    armed: bool
    ready: asyncio.Event  # set once restart reconciliation is done
    _in_flight: Counter[Venue]

    def may_open(self) -> str:
        """Asked right before each opening leg leaves, after every await on its way (a
        journal write that waited for the lock, a rate-limit bucket): why it must not."""
        if self.risk.state is not TradingState.RUNNING:
            return f"trading {self.risk.state.value.upper()}: {self.risk.reason}"
        return self.may_follow_up()

    def _opening_check(self, plan: TradePlan, sending: set[Venue]) -> SendCheck:
        """`may_open`, and neither venue of the pair kept from trading by balance drift:
        asked before each opening leg leaves, so a drift found while the intent waited
        stops both legs (one leg alone would be a position, not an arbitrage). Once a leg
        may leave, both venues' balances are moving (`sending`) until the trade is booked,
        and the drift guard does not compare them meanwhile."""
        venues = (plan.buy.venue, plan.sell.venue)

        def check() -> str:
            why = self.may_open() or self.drift.blocked(venues[0]) or \
                self.drift.blocked(venues[1])
            if not why and not sending:
                sending.update(venues)
                self._in_flight.update(sending)
            return why
        return check

    def may_follow_up(self) -> str:
        """Asked before each unwind or chase order: a pause lets a trade in flight even
        itself out (that lowers the risk), a halt or disarming stops every order."""
        if self.risk.state is TradingState.HALTED:
            return f"trading HALTED: {self.risk.reason}"
        if self.settings.mode == TradingMode.OFF:
            return "trading is off"
        if self.settings.mode == TradingMode.LIVE and not self.armed:
            return "live trading is not armed"
        return ""

    def _refusal(self, symbol: str, notional: float, now: int) -> Refusal | None:
        if self.settings.mode == TradingMode.OFF:
            return "off", "trading is off"
        if self.settings.mode == TradingMode.LIVE and not self.armed:
            return "not_armed", "live trading is not armed"
        if not self.ready.is_set():
            return "reconciling", "open orders from the last run are being settled"
        if self.journal.unwritable:
            return "journal", f"the trade journal cannot be written: {self.journal.unwritable}"
        return None

    def _venue_refusal(self, venue: Venue) -> Refusal | None:
        why = self.executor.blocked(venue)
        return ("venue_blocked", why) if why else None

    def _drift_refusal(self, *venues: Venue) -> Refusal | None:
        why = next((w for v in venues if (w := self.drift.blocked(v))), "")
        return ("balance_drift", why) if why else None
