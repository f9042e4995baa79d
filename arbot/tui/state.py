"""The UI's picture of the market, built only from messages.

Every screen reads this one object, so a screen opened late (modes build their screen on
first visit) starts from everything seen so far, and no screen ever reads the engine or
the database for live data. Time comes from injected clocks, so a snapshot test can
freeze it and get the same picture every run.
"""

from __future__ import annotations

import enum
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from arbot.config import ArbotSettings
from arbot.depth.board import DepthBoard
from arbot.domain import Episode, EpisodeKind, FeedState, FeedStatus, Opportunity, Quote, Venue
from arbot.engine.view import SymbolView
from arbot.inventory.report import InventoryReport
from arbot.storage.models import EpisodeRecord
from arbot.tradekinds import TradingMode
from arbot.tui.messages import EpisodeChanged, MarketTick
from arbot.tui.tradedata import TradeRow, TradingStatus
from arbot.venuefeeds import FeedBoard
from arbot.verdicts import split_verdict

NS_PER_S = 1_000_000_000
NS_PER_MS = 1_000_000
STALL_NS = 2 * NS_PER_S  # the engine heartbeat turns red after this long without a quote
MAX_EPISODES = 500  # rows kept in memory and in the opportunities table
MAX_TRADES = 200  # rows kept in memory and in the trades table


@dataclass(frozen=True)
class Clocks:
    """Wall clock (quote and episode times) and monotonic clock (the engine heartbeat)."""

    wall_ns: Callable[[], int] = time.time_ns
    mono_ns: Callable[[], int] = time.monotonic_ns


@dataclass(frozen=True, slots=True)
class WalkRow:
    """The engine's walk of both books for one opportunity (`Opportunity`'s walk fields,
    docs/depth.md "The walk"), as the detail and the Prices screen show it."""

    size: float
    buy_vwap: float
    sell_vwap: float
    buy_worst: float  # asks at or below this were walked (the buy leg's IOC limit)
    sell_worst: float  # bids at or above this were walked
    profit: float
    net_bps: float
    buy_levels: int
    sell_levels: int

    @classmethod
    def of(cls, o: Opportunity) -> WalkRow | None:
        """None when the engine walked nothing (no walk, or not one unit cleared)."""
        if o.walk_size <= 0.0:
            return None
        return cls(o.walk_size, o.buy_vwap, o.sell_vwap, o.buy_worst, o.sell_worst,
                   o.walk_profit, o.walk_net_bps, o.buy_levels, o.sell_levels)


@dataclass
class EpisodeRow:
    """One episode as the opportunities screen shows it, from a live event or a DB row.

    Open episodes show their latest figures; closed ones their peak, as the database
    keeps them. `version` moves on every change so a table knows what to redraw.
    """

    id: str
    symbol: str
    buy_venue: str
    sell_venue: str
    opened_ns: int
    closed_ns: int | None
    buy_ask: float
    sell_bid: float
    buy_ask_size: float | None
    sell_bid_size: float | None
    buy_fee_bps: float | None
    sell_fee_bps: float | None
    buy_quote_ns: int | None
    sell_quote_ns: int | None
    net_bps: float
    size: float
    profit: float
    verdict: str
    close_reason: str | None
    version: int = 0
    recorded: bool = False  # read from the database rather than seen live
    walk: WalkRow | None = None  # the depth walk; None when not walked (or not recorded)
    transfer_bps: float | None = None  # amortized transfer cost; None when not recorded

    @property
    def verdict_short(self) -> str:
        """`passed`, or the name of the filter that rejected it (the step code without
        its `filtered:` prefix, `arbot.verdicts`)."""
        return split_verdict(self.verdict)[0].removeprefix("filtered:")

    @classmethod
    def from_episode(cls, e: Episode) -> EpisodeRow:
        o = e.last if e.closed_ns is None else e.peak
        verdict = str(e.verdict) if e.closed_ns is None or not e.passed else "passed"
        return cls(e.id, e.symbol, e.buy_venue.value, e.sell_venue.value, e.opened_ns,
                   e.closed_ns, o.buy.ask, o.sell.bid, o.buy.ask_size, o.sell.bid_size,
                   o.buy_fee_bps, o.sell_fee_bps, o.buy.ts_recv_ns, o.sell.ts_recv_ns,
                   o.net_bps, o.size, o.profit, verdict, e.close_reason, walk=WalkRow.of(o),
                   transfer_bps=o.transfer_bps)

    @classmethod
    def from_record(cls, r: EpisodeRecord) -> EpisodeRow:
        net = r.net_bps_open if r.closed_ns is None else r.net_bps_peak
        return cls(r.episode_id, r.symbol, r.buy_venue, r.sell_venue, r.opened_ns, r.closed_ns,
                   r.buy_ask, r.sell_bid, r.buy_ask_size, r.sell_bid_size, r.buy_fee_bps,
                   r.sell_fee_bps, r.buy_quote_ns, r.sell_quote_ns, net, r.size_peak,
                   r.profit_peak, r.verdict or "", r.close_reason, recorded=True,
                   transfer_bps=r.transfer_bps)


class RunPhase(enum.StrEnum):
    """Where the runtime behind the screens stands; the header shows it until it runs."""

    STARTING = "starting"
    RUNNING = "running"
    STOPPING = "stopping"
    STOPPED = "stopped"
    FAILED = "failed"


@dataclass
class MarketState:
    """Latest quotes, feed statuses, engine counters, episodes, trades and the trader's
    status, and the clocks."""

    settings: ArbotSettings
    demo: bool
    clocks: Clocks = field(default_factory=Clocks)
    quotes: dict[tuple[str, Venue], Quote] = field(default_factory=dict)
    # a start-up warning naming the venue (arbot.tui.startup), shown as its note
    startup_notes: dict[Venue, str] = field(default_factory=dict)
    feeds: FeedBoard = field(default_factory=FeedBoard)
    funnel: Mapping[str, object] = field(default_factory=dict)
    market: Mapping[str, SymbolView] = field(default_factory=dict)  # the engine's judgement
    last_tick_ns: int | None = None
    episodes: dict[str, EpisodeRow] = field(default_factory=dict)
    trades: dict[str, TradeRow] = field(default_factory=dict)
    trading: TradingStatus | None = None  # None: trading is off, or not started yet
    phase: RunPhase = RunPhase.STARTING
    started_mono_ns: int = 0
    depth_board: DepthBoard | None = None  # the runtime's L2 books; None at depth 1
    inventory: InventoryReport | None = None  # the inventory service's latest report
    _walks: dict[str, float] | None = field(default=None, repr=False)  # see best_walks

    def __post_init__(self) -> None:
        self.started_mono_ns = self.clocks.mono_ns()
        # Trading settings apply on the next start: the mode this run began with is the
        # mode it trades in, whatever is saved meanwhile.
        self.run_mode = self.settings.trading.mode

    # -- updates -------------------------------------------------------------------

    def apply_tick(self, tick: MarketTick) -> None:
        for status in tick.statuses.values():
            self.feeds.on_feed_status(status)
        self.quotes.update(tick.quotes)
        if tick.funnel is not None:
            self.funnel = tick.funnel
        if tick.market is not None:
            self.market = tick.market
        if tick.last_tick_ns:
            self.last_tick_ns = tick.last_tick_ns
        if tick.trading is not None:
            self.trading = tick.trading
        self.depth_board = tick.depth_board
        if tick.inventory is not None:
            self.inventory = tick.inventory

    def apply_trade(self, row: TradeRow) -> TradeRow:
        """A trade settled live: it replaces any recorded row of the same trade."""
        self.trades[row.trade_id] = row
        self._trim_trades()
        return row

    def add_trade_history(self, rows: Sequence[TradeRow]) -> list[TradeRow]:
        """Trades read from the database; those already seen live are kept as they are."""
        added = [r for r in rows if r.trade_id not in self.trades]
        for r in added:
            self.trades[r.trade_id] = r
        self._trim_trades()
        return [r for r in added if r.trade_id in self.trades]

    def _trim_trades(self) -> None:
        excess = len(self.trades) - MAX_TRADES
        if excess > 0:
            for r in sorted(self.trades.values(), key=lambda r: r.ts_ns)[:excess]:
                del self.trades[r.trade_id]

    @property
    def trading_mode(self) -> TradingMode:
        """What this run trades in: off, paper or live."""
        return self.trading.mode if self.trading is not None else self.run_mode

    def apply_episode(self, message: EpisodeChanged) -> EpisodeRow:
        """Store the episode's new figures; returns its row (new or updated)."""
        e = message.event.episode
        row = EpisodeRow.from_episode(e)
        old = self.episodes.get(e.id)
        row.version = 0 if old is None else old.version + 1
        if message.event.kind is EpisodeKind.CLOSE or old is None or old.closed_ns is None:
            self.episodes[e.id] = row
            self._walks = None
        self._trim()
        return self.episodes.get(e.id, row)

    def add_history(self, rows: Sequence[EpisodeRow]) -> list[EpisodeRow]:
        """Episodes read from the database; those already known live are kept as they are."""
        added = [r for r in rows if r.id not in self.episodes]
        for r in added:
            self.episodes[r.id] = r
        self._walks = None
        self._trim()
        return [r for r in added if r.id in self.episodes]

    def _trim(self) -> None:
        excess = len(self.episodes) - MAX_EPISODES
        if excess > 0:
            oldest = sorted((r for r in self.episodes.values() if r.closed_ns is not None),
                            key=lambda r: r.opened_ns)[:excess]
            for r in oldest:
                del self.episodes[r.id]

    # -- questions the screens ask ---------------------------------------------------

    def venue_state(self, venue: Venue) -> FeedState | None:
        """The worst state among the venue's connections; None before its first status."""
        return self.feeds.venue_states().get(venue)

    def venue_statuses(self, venue: Venue) -> list[FeedStatus]:
        return [s for s in self.feeds.active() if s.venue is venue]

    def engine_age_s(self) -> float:
        """Seconds since the engine last took a quote (since start if it never did)."""
        since = self.last_tick_ns or self.started_mono_ns
        return max(0.0, (self.clocks.mono_ns() - since) / NS_PER_S)

    def best_walks(self) -> dict[str, float]:
        """Per symbol, the best walked net bps among its open episodes: the engine's own
        depth-sized figure (the screen never walks a book itself). Worked out again only
        after an episode changed."""
        if self._walks is None:
            best: dict[str, float] = {}
            for r in self.episodes.values():
                if r.closed_ns is None and r.walk is not None:
                    known = best.get(r.symbol)
                    if known is None or r.walk.net_bps > known:
                        best[r.symbol] = r.walk.net_bps
            self._walks = best
        return self._walks

    def engine_stalled(self) -> bool:
        return self.engine_age_s() * NS_PER_S > STALL_NS
