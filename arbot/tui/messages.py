"""How data reaches the UI: Textual messages, and the sink and log handler that post them.

The feeds call sinks synchronously on the hot path, hundreds of times a second; a screen
cannot repaint that often and must not try. So `TuiSink` only remembers the latest quote
per (symbol, venue) and the latest status per connection, and the app's refresh timer
calls `flush()` to post ONE `MarketTick` per `ui.refresh_ms`. Episode events and settled
trades are rare and matter the moment they happen, so they are posted as they come.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping

from textual.message import Message

from arbot.depth.board import DepthBoard
from arbot.domain import EpisodeEvent, FeedStatus, Quote, TradeOutcome, Venue
from arbot.engine.view import SymbolView
from arbot.events import Sink
from arbot.inventory.report import InventoryReport
from arbot.tui.tradedata import TradingStatus

Post = Callable[[Message], object]
QuoteKey = tuple[str, Venue]  # (symbol, venue)
ConnKey = tuple[Venue, int]  # (venue, connection)


class MarketTick(Message):
    """Everything that changed since the previous tick, plus the engine's and the trader's
    counters.

    `quotes` and `statuses` hold only what arrived since the last tick (latest per key);
    `funnel`, `last_tick_ns`, `market` (the engine's freshness and spreads per symbol)
    and `trading` are the engine's and the trader's current values, or None before they
    run (or, for `trading`, when trading is off). `depth_board` is the runtime's L2 books
    (None at depth 1), handed over by reference: only a screen showing a ladder reads it.
    """

    def __init__(self, quotes: Mapping[QuoteKey, Quote], statuses: Mapping[ConnKey, FeedStatus],
                 funnel: Mapping[str, object] | None, last_tick_ns: int | None,
                 trading: TradingStatus | None = None,
                 market: Mapping[str, SymbolView] | None = None,
                 depth_board: DepthBoard | None = None,
                 inventory: InventoryReport | None = None) -> None:
        super().__init__()
        self.quotes = quotes
        self.statuses = statuses
        self.funnel = funnel
        self.last_tick_ns = last_tick_ns
        self.trading = trading
        self.market = market
        self.depth_board = depth_board
        self.inventory = inventory  # the inventory report, when a new one was made


class EpisodeChanged(Message):
    """An opportunity episode opened, changed materially or closed."""

    def __init__(self, event: EpisodeEvent) -> None:
        super().__init__()
        self.event = event


class TradeSettled(Message):
    """A trade finished: both legs final and the leg-risk policy done."""

    def __init__(self, outcome: TradeOutcome) -> None:
        super().__init__()
        self.outcome = outcome


class LogLine(Message):
    """One formatted log record for the log panel."""

    def __init__(self, level: int, text: str) -> None:
        super().__init__()
        self.level = level
        self.text = text


class RuntimeStarted(Message):
    """The runtime is up (database open, feeds built); its tasks are starting as workers."""

    def __init__(self, warnings: list[str]) -> None:
        super().__init__()
        self.warnings = warnings


class TuiSink(Sink):
    """A runtime sink that coalesces quotes and statuses and posts them once per tick."""

    def __init__(self, post: Post) -> None:
        self._post = post
        self._quotes: dict[QuoteKey, Quote] = {}
        self._statuses: dict[ConnKey, FeedStatus] = {}

    def on_quote(self, quote: Quote) -> None:
        self._quotes[(quote.symbol, quote.venue)] = quote

    def on_feed_status(self, status: FeedStatus) -> None:
        self._statuses[(status.venue, status.connection)] = status

    def on_episode(self, event: EpisodeEvent) -> None:
        self._post(EpisodeChanged(event))

    def on_trade(self, outcome: TradeOutcome) -> None:
        self._post(TradeSettled(outcome))

    def flush(self, funnel: Mapping[str, object] | None = None,
              last_tick_ns: int | None = None, trading: TradingStatus | None = None,
              market: Mapping[str, SymbolView] | None = None,
              depth_board: DepthBoard | None = None,
              inventory: InventoryReport | None = None) -> None:
        """Post what arrived since the last flush. Posts even when nothing arrived: the
        heartbeat and quote freshness move on with time, and a silent engine must show it."""
        quotes, self._quotes = self._quotes, {}
        statuses, self._statuses = self._statuses, {}
        self._post(MarketTick(quotes, statuses, funnel, last_tick_ns, trading, market,
                              depth_board, inventory))


class TuiLogHandler(logging.Handler):
    """Posts log records as `LogLine` messages, so runtime warnings reach the log panel
    (and never the terminal underneath the UI)."""

    def __init__(self, post: Post, level: int = logging.INFO) -> None:
        super().__init__(level)
        self._post = post
        self.setFormatter(logging.Formatter("%(asctime)s %(levelname)-7s %(message)s",
                                            "%H:%M:%S"))

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self._post(LogLine(record.levelno, self.format(record)))
        except Exception:  # a log call must never break the caller
            self.handleError(record)
