"""The named fields an event's log record carries, for `--log-format json`.

A log call passes `extra=fields(...)`; the text format ignores them (the message already
says it in words) and the JSON format writes each as a key beside `ts, level, msg, demo`,
so a log shipper can index episodes, trades and feed changes without parsing sentences.
`FIELDS` is the documented list (the README's "Structured logs" table is checked
against it), and an undocumented name is refused where it is logged.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

ATTRIBUTE: Final = "arbot_fields"  # the LogRecord attribute the fields travel in

FIELDS: Final[Mapping[str, str]] = MappingProxyType({
    "event": "what happened: episode_open, episode_close, trade, feed_state, trading_state, "
             "status, run_summary",
    "venue": "the venue (a feed's, or a status line's)",
    "connection": "the venue's connection number (0 for the first)",
    "symbol": "canonical BASE-QUOTE",
    "buy_venue": "where an episode or trade buys",
    "sell_venue": "where it sells",
    "state": "a feed's state (live, stale, ...) or trading's (running, paused, halted)",
    "net_bps": "an episode's net spread after both taker fees, bps (at open, or at the peak "
               "as it closes)",
    "size": "base quantity both books could fill",
    "profit": "an episode's expected profit, quote currency, net of fees",
    "episode_id": "the episode's id (opportunities.episode_id)",
    "trade_id": "the trade's id (trades.trade_id)",
    "status": "a trade's status: filled, missed, failed, leg_risk, interrupted",
    "pnl": "a trade's or a run's realised PnL, quote currency, net of fees",
    "fees": "fees paid, quote currency",
    "reason": "why: a verdict, a close reason, a stale or halt reason, a feed error",
    "run_id": "the run (runs.id, what `arbot report --run` takes)",
    "episodes": "a run's episodes (run_summary)",
    "trades": "a run's settled trades (run_summary)",
})


def fields(**values: object) -> dict[str, object]:
    """`extra=` for a log call: the event's fields under one attribute (so none can clash
    with LogRecord's own), None values left out."""
    unknown = values.keys() - FIELDS.keys()
    if unknown:
        raise ValueError(f"undocumented log fields: {', '.join(sorted(unknown))}")
    return {ATTRIBUTE: {k: v for k, v in values.items() if v is not None}}
