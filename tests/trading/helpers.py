"""Shared pieces for the trading tests: instruments, quotes, opportunities, a journal on a
real migrated database, and a board the paper executor fills against."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import msgspec

from arbot.config.trading import PaperSettings, TradingSettings
from arbot.depth.board import DepthBoard
from arbot.domain import (
    PASSED,
    Episode,
    EpisodeEvent,
    EpisodeKind,
    Instrument,
    Opportunity,
    OrderReport,
    OrderRequest,
    Quote,
    Venue,
    Verdict,
)
from arbot.storage.db import open_db
from arbot.storage.journal import TradeJournal
from arbot.trading.executor import SendCheck
from arbot.trading.ledger import Ledger
from arbot.trading.paper import PaperExecutor

SYMBOL = "BTC-USDT"
A, B = Venue.BINANCE, Venue.OKX
FEE = 0.001


def inst(venue: Venue, lot: str = "0.0001", tick: str = "0.01", min_qty: str = "0.0001",
         min_notional: str = "5", trading: bool = True) -> Instrument:
    return Instrument(venue=venue, symbol=SYMBOL, venue_id="BTCUSDT" if venue is A else "BTC-USDT",
                      base="BTC", quote="USDT", tick_size=tick, lot_size=lot, min_qty=min_qty,
                      min_notional=min_notional, status="TRADING" if trading else "HALT",
                      trading=trading)


def quote(venue: Venue, bid: float, ask: float, size: float = 1.0) -> Quote:
    return Quote(venue=venue, symbol=SYMBOL, bid=bid, bid_size=size, ask=ask, ask_size=size,
                 ts_exchange_ms=None, ts_recv_ns=1_700_000_000_000_000_000)


def opportunity(buy_ask: float = 100.0, sell_bid: float = 101.0, size: float = 0.5,
                buy_size: float | None = None, sell_size: float | None = None) -> Opportunity:
    buy = quote(A, buy_ask - 0.1, buy_ask, buy_size or size)
    sell = quote(B, sell_bid, sell_bid + 0.1, sell_size or size)
    net = sell_bid * (1 - FEE) - buy_ask * (1 + FEE)
    return Opportunity(symbol=SYMBOL, buy=buy, sell=sell, buy_fee_bps=FEE * 1e4,
                       sell_fee_bps=FEE * 1e4, net_per_unit=net, net_bps=net / buy_ask * 1e4,
                       size=size, profit=net * size)


def walked(opp: Opportunity, size: float, buy_vwap: float, sell_vwap: float,
           buy_worst: float, sell_worst: float, levels: tuple[int, int] = (2, 2)
           ) -> Opportunity:
    """`opp` with the depth walk's fields set, as the engine's walk would fill them."""
    profit = size * (sell_vwap * (1 - FEE) - buy_vwap * (1 + FEE))
    return msgspec.structs.replace(
        opp, walk_size=size, buy_vwap=buy_vwap, sell_vwap=sell_vwap, buy_worst=buy_worst,
        sell_worst=sell_worst, walk_profit=profit,
        walk_net_bps=profit / (size * buy_vwap) * 1e4, buy_levels=levels[0],
        sell_levels=levels[1])


class Books:
    """A settable board: what the paper venue shows right now."""

    def __init__(self, *quotes: Quote) -> None:
        self.quotes = {(q.venue, q.symbol): q for q in quotes}

    def set(self, *quotes: Quote) -> None:
        self.quotes.update({(q.venue, q.symbol): q for q in quotes})

    def __call__(self, venue: Venue, symbol: str) -> Quote | None:
        return self.quotes.get((venue, symbol))


def ledger(usdt: float = 10_000.0, btc: float = 1.0) -> Ledger:
    return Ledger({v: {"USDT": usdt, "BTC": btc} for v in (A, B)})


def paper(books: Books, led: Ledger, depth: DepthBoard | None = None,
          **settings: object) -> PaperExecutor:
    s = PaperSettings.model_validate({"latency_ms": 0, "seed": 7, **settings})
    return PaperExecutor(s, books, {(A, SYMBOL): inst(A), (B, SYMBOL): inst(B)},
                         {A: FEE, B: FEE}, led, depth=depth)


def book(board: DepthBoard, venue: Venue, bids: list[tuple[str, str]],
         asks: list[tuple[str, str]], synced: bool = True) -> None:
    """Set the venue's L2 book on `board` to exactly these levels (as a snapshot)."""
    b = board.book(venue, SYMBOL)
    b.replace(bids, asks)
    b.synced = synced


def trading(**values: object) -> TradingSettings:
    return TradingSettings.model_validate({"cooldown_s": 0, **values})


async def journal(tmp_path: Path) -> TradeJournal:
    path = tmp_path / "arbot.db"
    conn = await open_db(path)  # migrates
    await conn.close()
    return TradeJournal(path)


class SeesTheJournal(PaperExecutor):
    """The real paper venue, which also looks in the database at the moment each order
    arrives: the order's row must already be committed there."""

    def __init__(self, db: Path, inner: PaperExecutor) -> None:
        self.__dict__.update(inner.__dict__)
        self.db = db
        self.seen: list[tuple[str, str]] = []

    async def place(self, req: OrderRequest, check: SendCheck | None = None) -> OrderReport:
        with sqlite3.connect(self.db) as conn:
            row = conn.execute("SELECT status FROM orders WHERE client_order_id = ?",
                               (req.client_id,)).fetchone()
        self.seen.append((req.client_id, row[0] if row else "MISSING"))
        return await super().place(req, check)


def episode(n: int, verdict: Verdict = PASSED, size: float = 0.5,
            opp: Opportunity | None = None) -> EpisodeEvent:
    o = opp or opportunity(100.0, 101.0, size=size)
    e = Episode(id=f"ep{n}", symbol=SYMBOL, buy_venue=A, sell_venue=B,
                opened_ns=1_700_000_000_000_000_000 + n, first=o, peak=o, last=o, verdict=verdict,
                passed=verdict.passed, updates=1)
    return EpisodeEvent(kind=EpisodeKind.OPEN, episode=e)
