"""A frozen backend for the UI: a runtime with no tasks, an engine that never moves, fixed
quotes, statuses and episodes, and clocks that never advance.

The frozen engine keeps fixed counters, but its market view (which quotes count, the
best spreads) comes from a real `Engine` on a frozen monotonic clock, so the screen is
tested on the engine's own judgement.

Snapshot tests need the same pixels on every run, so they never start the simulator;
they push these synthetic events through the app's own sink, exactly where the runtime
would call it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Coroutine, Mapping, Sequence
from pathlib import Path
from typing import Any

from arbot.config import ArbotSettings
from arbot.config.trading import TradingSettings
from arbot.depth.board import DepthBoard
from arbot.domain import (
    Episode,
    EpisodeEvent,
    EpisodeKind,
    FeedState,
    FeedStatus,
    LegOrder,
    Opportunity,
    OrderReport,
    OrderRequest,
    OrderStatus,
    Quote,
    Side,
    TradeOutcome,
    Venue,
    Verdict,
)
from arbot.engine.engine import Engine
from arbot.engine.funnel import Funnel
from arbot.engine.view import SymbolView
from arbot.privateevents import StreamStatus
from arbot.trading.drift import DriftGuard
from arbot.trading.ledger import Ledger
from arbot.trading.outcome import settle
from arbot.trading.risk import RiskBook, TradingState
from arbot.tui.app import ArbotApp, build_app
from arbot.tui.state import Clocks

WALL_NS = 1_714_564_800_000_000_000  # 2024-05-01T12:00:00Z
MONO_NS = 5_000_000_000_000
MS = 1_000_000
SYMBOLS = ["BTC-USDT", "ETH-USDT"]
FROZEN = Clocks(wall_ns=lambda: WALL_NS, mono_ns=lambda: MONO_NS)


class FrozenEngine:
    """Fixed counters and heartbeat; a real engine (monotonic clock frozen at `MONO_NS`)
    behind `market_view`. By default it has taken the fixed market (`STATUSES`, then
    `QUOTES`, each received as long ago as its wall-clock age says); `market=False`
    starts it empty, for a test to feed with `receive`."""

    def __init__(self, market: bool = True) -> None:
        self.funnel = Funnel(quotes=48210, not_live=12, stale=3, crossed=41, below_min=30,
                             too_small=2, filtered={"trend": 4, "freshness": 1}, passed=4)
        self.heartbeat_ns = MONO_NS - 40 * MS
        self._now = MONO_NS
        self.engine = Engine(ArbotSettings.model_validate({"market": {"symbols": SYMBOLS}}),
                             _NoEpisodes(), clock=lambda: self._now)
        if market:
            for s in STATUSES:
                self.engine.on_feed_status(s)
            for q in QUOTES:
                self.receive(q, (WALL_NS - q.ts_recv_ns) // MS)

    def receive(self, q: Quote, age_ms: int) -> None:
        """The engine takes `q` `age_ms` ago on its own (monotonic) clock, whatever the
        quote's wall-clock receive stamp says."""
        self._now = MONO_NS - age_ms * MS
        try:
            self.engine.on_quote(q)
        finally:
            self._now = MONO_NS

    def market_view(self) -> dict[str, SymbolView]:
        return self.engine.market_view()


class _NoEpisodes:
    def on_episode(self, event: EpisodeEvent) -> None:
        pass


class FakeTrader:
    """The trader as the UI sees it: a real risk book (so pause, halt and resume behave
    as the trader's do), fixed counters and a fixed ledger; control calls are recorded."""

    def __init__(self, settings: TradingSettings | None = None) -> None:
        self.settings = settings or TradingSettings()
        self.risk = RiskBook(self.settings)
        self.armed = False
        self.trades = 3
        self.realized = 0.0421
        self.rejections: Counter[str] = Counter({"cooldown": 7, "exposure": 2, "paused": 1})
        self.last_rejection = "BTC-USDT traded 0.40 s ago"
        self.last_rejection_ns: int | None = None
        self.ledger = Ledger({v: {"USDT": 10_000.0, "BTC": 0.1, "ETH": 3.0} for v in Venue})
        self.drift = DriftGuard(self.ledger, self.settings.max_balance_drift,
                                lambda venue: ("USDT", "BTC", "ETH"), lambda venue: False)
        self.calls: list[str] = []
        self.streams: dict[Venue, StreamStatus] = {}  # live: each venue's private stream

    @property
    def state(self) -> TradingState:
        return self.risk.state

    def private_streams(self) -> Mapping[Venue, StreamStatus]:
        return self.streams

    def pause(self) -> None:
        self.calls.append("pause")
        self.risk.pause()

    def resume(self) -> None:
        self.calls.append("resume")
        self.risk.resume()

    def halt(self, reason: str) -> None:
        self.calls.append(f"halt: {reason}")
        self.risk.halt(reason)


class FakeRuntime:
    """Enough of `Runtime` for the app: no tasks, a frozen engine (or none), a fake
    trader (or none: trading off), a hand-filled depth board (or none: depth 1).
    `arm_live` arms only in live mode without a `live_problem` (`arm_refusal` says why
    not), as the real one does when the keys are there."""

    def __init__(self, engine: FrozenEngine | None = None, warnings: Sequence[str] = (),
                 trader: FakeTrader | None = None, live_problem: str = "",
                 depth_board: DepthBoard | None = None, inventory: Any = None) -> None:
        self.engine = engine
        self.inventory = inventory
        self.depth_board = depth_board
        self.trader = trader
        self.live_problem = live_problem
        self.warnings = list(warnings)
        self.storage_problem = ""
        self.entered = self.exited = False
        self.applied: list[ArbotSettings] = []
        self.arm_calls = 0

    def arm_refusal(self) -> str | None:
        if self.trader is None or self.trader.settings.mode != "live":
            return 'trading mode is not live; set [trading] mode = "live" in arbot.toml'
        return self.live_problem or None

    def arm_live(self) -> str | None:
        self.arm_calls += 1
        refusal = self.arm_refusal()
        if refusal is None and self.trader is not None:
            self.trader.armed = True
        return refusal

    def disarm_live(self) -> None:
        if self.trader is not None:
            self.trader.armed = False

    def coroutines(self) -> dict[str, Coroutine[Any, Any, Any]]:
        return {}

    def apply(self, settings: ArbotSettings) -> list[Venue]:
        self.applied.append(settings)
        return []

    async def __aenter__(self) -> FakeRuntime:
        self.entered = True
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.exited = True


def settings_for(tmp_path: Path, **sections: dict[str, Any]) -> ArbotSettings:
    data: dict[str, Any] = {"market": {"symbols": SYMBOLS},
                            "storage": {"path": str(tmp_path / "arbot.db"), "flush_ms": 50},
                            "ui": {"refresh_ms": 100}}
    for name, section in sections.items():
        data[name] = {**data.get(name, {}), **section}
    return ArbotSettings.model_validate(data)


def frozen_app(tmp_path: Path, runtime: FakeRuntime | None = None,
               **sections: dict[str, Any]) -> ArbotApp:
    """The app through `build_app`, on a fake runtime and frozen clocks."""
    fake = runtime or FakeRuntime(FrozenEngine())
    return build_app(settings_for(tmp_path, **sections), demo=True,
                     runtime=lambda sinks: fake, clocks=FROZEN)


def quote(venue: Venue, symbol: str, bid: float, ask: float, age_ms: int = 40,
          size: float = 0.5) -> Quote:
    return Quote(venue=venue, symbol=symbol, bid=bid, bid_size=size, ask=ask, ask_size=size * 1.3,
                 ts_exchange_ms=None, ts_recv_ns=WALL_NS - age_ms * MS)


QUOTES = [
    quote(Venue.BINANCE, "BTC-USDT", 64001.5, 64001.6),
    quote(Venue.BYBIT, "BTC-USDT", 64000.9, 64001.2),
    quote(Venue.OKX, "BTC-USDT", 64003.1, 64003.4),  # best bid
    quote(Venue.BITGET, "BTC-USDT", 63990.0, 63991.0, age_ms=4000),  # stale: dimmed
    quote(Venue.BINANCE, "ETH-USDT", 3001.12, 3001.13),
    quote(Venue.BYBIT, "ETH-USDT", 3001.05, 3001.09),
    quote(Venue.OKX, "ETH-USDT", 3001.2, 3001.24),
    quote(Venue.BITGET, "ETH-USDT", 3000.9, 3001.0, age_ms=4000),
]


def status(venue: Venue, state: FeedState, error: str | None = None, *,
           lag: tuple[float, float] | None = None, lag_note: str | None = None) -> FeedStatus:
    return FeedStatus(venue=venue, connection=0, state=state, frames_per_s=52.0,
                      quotes_per_s=50.0 if state is FeedState.LIVE else 0.0, last_frame_age_s=0.02,
                      reconnects=1 if error else 0, drops={}, last_error=error, ts_ns=WALL_NS,
                      lag_p50_ms=lag[0] if lag else None, lag_p99_ms=lag[1] if lag else None,
                      lag_samples=240 if lag else 0, lag_note=lag_note,
                      clock_offset_ms=None if lag_note else 3.0)


STATUSES = [
    status(Venue.BINANCE, FeedState.LIVE, lag_note="n/a (bookTicker has no time)"),
    status(Venue.BYBIT, FeedState.LIVE, lag=(12.0, 41.0)),
    status(Venue.OKX, FeedState.LIVE, lag=(35.0, 180.0)),
    status(Venue.BITGET, FeedState.RECONNECTING, "connection lost: reset by peer",
           lag=(64.0, 250.0)),
]


def opportunity(buy: Quote, sell: Quote, fee_bps: float = 10.0,
                max_notional: float = 100.0) -> Opportunity:
    """Sized at the top of book, walked as depth 1 walks (the two top levels only, so the
    walked figures equal the top ones)."""
    fee = fee_bps / 1e4
    net = sell.bid * (1 - fee) - buy.ask * (1 + fee)
    size = min(buy.ask_size, sell.bid_size, max_notional / buy.ask)
    bps = net / buy.ask * 1e4
    return Opportunity(symbol=buy.symbol, buy=buy, sell=sell, buy_fee_bps=fee_bps,
                       sell_fee_bps=fee_bps, net_per_unit=net, net_bps=bps,
                       size=size, profit=net * size, walk_size=size, buy_vwap=buy.ask,
                       sell_vwap=sell.bid, buy_worst=buy.ask, sell_worst=sell.bid,
                       walk_profit=net * size, walk_net_bps=bps, buy_levels=1, sell_levels=1)


def episode_events() -> list[EpisodeEvent]:
    """One closed and passed, one closed and filtered, one still open."""
    buy = quote(Venue.BYBIT, "BTC-USDT", 63900.0, 63901.0, age_ms=9000)
    sell = quote(Venue.OKX, "BTC-USDT", 64050.0, 64051.0, age_ms=9010)
    o1 = opportunity(buy, sell)
    e1 = Episode(id="BTC-USDT|bybit|okx|1", symbol="BTC-USDT", buy_venue=Venue.BYBIT,
                 sell_venue=Venue.OKX, opened_ns=WALL_NS - 9000 * MS, first=o1, peak=o1, last=o1,
                 verdict=Verdict(passed=True), passed=True, updates=5,
                 closed_ns=WALL_NS - 8200 * MS, close_reason="below_min")
    buy2 = quote(Venue.BINANCE, "ETH-USDT", 2990.0, 2990.1, age_ms=5000, size=0.02)
    sell2 = quote(Venue.BITGET, "ETH-USDT", 2997.0, 2997.2, age_ms=5000)
    o2 = opportunity(buy2, sell2)
    filtered = Verdict(passed=False, filter="trend", reason="not persistent yet (12 ms)")
    e2 = Episode(id="ETH-USDT|binance|bitget|2", symbol="ETH-USDT", buy_venue=Venue.BINANCE,
                 sell_venue=Venue.BITGET, opened_ns=WALL_NS - 5000 * MS, first=o2, peak=o2, last=o2,
                 verdict=filtered, passed=False, updates=1, closed_ns=WALL_NS - 4988 * MS,
                 close_reason="stale")
    buy3 = quote(Venue.BINANCE, "BTC-USDT", 63950.0, 63950.5, age_ms=1200)
    sell3 = quote(Venue.OKX, "BTC-USDT", 64100.0, 64101.0, age_ms=1210)
    o3 = opportunity(buy3, sell3)
    e3 = Episode(id="BTC-USDT|binance|okx|3", symbol="BTC-USDT", buy_venue=Venue.BINANCE,
                 sell_venue=Venue.OKX, opened_ns=WALL_NS - 1200 * MS, first=o3, peak=o3, last=o3,
                 verdict=Verdict(passed=True), passed=True, updates=9)
    return [EpisodeEvent(kind=EpisodeKind.OPEN, episode=e1),
            EpisodeEvent(kind=EpisodeKind.CLOSE, episode=e1),
            EpisodeEvent(kind=EpisodeKind.OPEN, episode=e2),
            EpisodeEvent(kind=EpisodeKind.CLOSE, episode=e2),
            EpisodeEvent(kind=EpisodeKind.OPEN, episode=e3)]


def feed_fixed_state(app: ArbotApp) -> None:
    """Push the synthetic market through the sink and post one tick."""
    for s in STATUSES:
        app.sink.on_feed_status(s)
    for q in QUOTES:
        app.sink.on_quote(q)
    for event in episode_events():
        app.sink.on_episode(event)
    app.flush()


def _leg(purpose: str, venue: Venue, side: Side, price: str, qty: str, filled: float,
         avg: float, fee: float, fee_asset: str, status: OrderStatus, n: int,
         error: str = "") -> LegOrder:
    cid = f"ab18f3a{n:04x}{purpose}"
    venue_symbol = "BTCUSDT" if venue is Venue.BINANCE else "BTC-USDT"
    return LegOrder(request=OrderRequest(client_id=cid, venue=venue, symbol="BTC-USDT",
                                         venue_symbol=venue_symbol, side=side, price=price,
                                         qty=qty),
                    report=OrderReport(client_id=cid, venue_order_id=f"paper-{n}",
                                       status=status, filled_qty=filled, avg_price=avg, fee=fee,
                                       fee_asset=fee_asset, error=error),
                    purpose=purpose)


def trade_outcomes() -> list[TradeOutcome]:
    """Oldest first: a filled trade; one whose sell leg was rejected and the buy unwound;
    one held uneven (the hold policy); and a miss."""
    filled = [_leg("buy", Venue.BYBIT, Side.BUY, "63901.0", "0.0015", 0.0015, 63901.0,
                   0.0000015, "BTC", OrderStatus.FILLED, 1),
              _leg("sell", Venue.OKX, Side.SELL, "64050.0", "0.0015", 0.0015, 64050.0,
                   0.096075, "USDT", OrderStatus.FILLED, 2)]
    unwound = [_leg("buy", Venue.BINANCE, Side.BUY, "63950.5", "0.0015", 0.0015, 63950.5,
                    0.0000015, "BTC", OrderStatus.FILLED, 3),
               _leg("sell", Venue.OKX, Side.SELL, "64100.0", "0.0015", 0.0, 0.0, 0.0, "",
                    OrderStatus.REJECTED, 4, "paper: rejected (simulated by reject_rate)"),
               _leg("unwind", Venue.BINANCE, Side.SELL, "63940.0", "0.0015", 0.0015, 63941.2,
                    0.0959, "USDT", OrderStatus.FILLED, 5)]
    held = [_leg("buy", Venue.BINANCE, Side.BUY, "63950.5", "0.0015", 0.0015, 63950.5,
                 0.0000015, "BTC", OrderStatus.FILLED, 6),
            _leg("sell", Venue.BITGET, Side.SELL, "64040.0", "0.0015", 0.0005, 64040.0,
                 0.032, "USDT", OrderStatus.EXPIRED, 7)]
    missed = [_leg("buy", Venue.BYBIT, Side.BUY, "63901.0", "0.0015", 0.0, 0.0, 0.0, "",
                   OrderStatus.EXPIRED, 8),
              _leg("sell", Venue.BITGET, Side.SELL, "64020.0", "0.0015", 0.0, 0.0, 0.0, "",
                   OrderStatus.EXPIRED, 9)]

    def outcome(n: int, orders: list[LegOrder], status: str, legs: str,
                detail: str = "") -> TradeOutcome:
        return TradeOutcome(trade_id=f"ab18f3a{n:04x}", symbol="BTC-USDT", orders=orders,
                            settlement=settle(orders, "BTC", "USDT"), status=status,
                            leg_outcome=legs, detail=detail)

    return [outcome(1, filled, "filled", "balanced"),
            outcome(2, unwound, "filled", "unwound"),
            outcome(3, held, "leg_risk", "held", "holding +0.001 BTC"),
            outcome(4, missed, "missed", "none")]
