"""The trading vocabulary shared by the settings, the trader, the journal and the front ends.

String enums, so the values in `arbot.toml`, the database, the API's JSON and the CSV
exports are the same plain words they always were, while the code compares members.
"""

from __future__ import annotations

import enum


class TradingMode(enum.StrEnum):
    """`[trading] mode`, and the mode every trade and order is recorded with."""

    OFF = "off"  # watch only
    PAPER = "paper"  # simulated fills against the live books
    LIVE = "live"  # real orders (needs keys, and arming at run time)


class LegPolicy(enum.StrEnum):
    """`[trading] leg_policy`: what evens out legs that filled unevenly."""

    UNWIND = "unwind"  # trade the excess back where it filled
    CHASE = "chase"  # complete the short leg on its own venue
    HOLD = "hold"  # keep the imbalance and stop trading the symbol


class TradeStatus(enum.StrEnum):
    OPEN = "open"  # intent recorded, not settled yet
    FILLED = "filled"  # both legs filled and balanced (possibly after the policy ran)
    MISSED = "missed"  # nothing filled
    FAILED = "failed"  # an order could not be placed and nothing is open
    LEG_RISK = "leg_risk"  # legs still uneven after the policy ran
    INTERRUPTED = "interrupted"  # closed at a restart, from the venues' answers


class LegOutcome(enum.StrEnum):
    """How a trade's legs ended."""

    NONE = "none"  # nothing filled
    BALANCED = "balanced"
    UNWOUND = "unwound"
    CHASED = "chased"
    HELD = "held"
    UNWIND_FAILED = "unwind_failed"
    CHASE_FAILED = "chase_failed"


# The outcomes of a leg-risk incident: the legs filled unevenly and the policy had to act
# (or could not), counted alike by the backtest report, the alerts and the metrics.
LEG_RISK_INCIDENTS = frozenset((LegOutcome.UNWOUND, LegOutcome.CHASED, LegOutcome.HELD,
                                LegOutcome.UNWIND_FAILED, LegOutcome.CHASE_FAILED))


class OrderPurpose(enum.StrEnum):
    """Why an order of a trade was sent: one of its two legs, or a follow-up."""

    BUY = "buy"
    SELL = "sell"
    UNWIND = "unwind"
    CHASE = "chase"
