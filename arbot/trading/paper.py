"""The paper executor: fills IOC orders against the current books, in process.

It behaves like a venue on purpose: the order arrives after its venue's latency (the book
may have moved), takes every level at or better than its limit best first
(`arbot.depth.fill.fill_ioc`: the venue's L2 book, its top `[market] depth` levels, when
the executor has a `DepthBoard` and that book is synced, else the quote's top level and its
displayed size), so paper PnL
carries the slippage of walking the book; it charges the taker fee in the received asset,
and can be told to reject or partly fill a share of orders so the leg-risk policy can be
rehearsed. Its account lives in a `Ledger`. Live, replayed and backtested paper trades
all fill here: one fill model.
"""

from __future__ import annotations

import asyncio
import copy
import random
from collections.abc import Awaitable, Callable, Iterator, Mapping
from itertools import count, islice
from typing import Protocol

from arbot.config.trading import PaperSettings
from arbot.depth.board import VENUE_ORDER, DepthBoard
from arbot.depth.book import BookSide, Level
from arbot.depth.fill import fill_ioc
from arbot.domain import (
    Balance,
    OrderNotSent,
    OrderReport,
    OrderRequest,
    OrderStatus,
    Quote,
    Side,
    Venue,
)
from arbot.privateevents import StreamStatus
from arbot.tradekinds import TradingMode
from arbot.trading.executor import SendCheck
from arbot.trading.ledger import Ledger
from arbot.trading.preflight import Instruments, quantize_qty

BookLookup = Callable[[Venue, str], Quote | None]
Ladder = Callable[[], Iterator[Level]]  # the side an order meets, best first, read afresh


class Market(Protocol):
    """Where a paper order goes: the books it meets once it arrives."""

    async def meet(self, venue: Venue, symbol: str, buy: bool, latency_s: float) -> Ladder:
        """Wait out the order's way to the venue (`latency_s`); the side it meets then."""
        ...


class PaperExecutor:
    mode = TradingMode.PAPER

    def __init__(self, settings: PaperSettings, book: BookLookup, instruments: Instruments,
                 taker_fees: Mapping[Venue, float], ledger: Ledger, *,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
                 rng: random.Random | None = None, depth: DepthBoard | None = None) -> None:
        """`book` gives each venue's quote; `depth`, when given, its L2 books, which an
        order walks instead of the quote's top level while they are synced."""
        self.settings = settings
        self._market: Market = Books(book, depth, sleep)
        self._instruments = instruments
        self._fees = dict(taker_fees)
        self.ledger = ledger
        self._rng = rng or random.Random(settings.seed or None)
        self._orders: dict[str, OrderReport] = {}
        self._ids = count(1)
        self._injected: dict[Venue, list[tuple[str | None, float | None]]] = {}

    def at(self, market: Market) -> PaperExecutor:
        """This venue (account, orders, draws) with its orders meeting `market`: a live
        paper trade's own clock (`arbot.trading.papertape.TradeTime`)."""
        view = copy.copy(self)
        view._market = market
        return view

    def inject(self, venue: Venue, *, reject: str | None = None,
               fill_fraction: float | None = None) -> None:
        """Make the venue's next order fail with `reject`, or fill only `fill_fraction`
        of what it could: a rehearsal of one leg going wrong."""
        self._injected.setdefault(venue, []).append((reject, fill_fraction))

    async def place(self, req: OrderRequest, check: SendCheck | None = None) -> OrderReport:
        why = check() if check is not None else ""
        if why:
            raise OrderNotSent(why)
        # the way to the venue: the order has left
        ladder = await self._market.meet(req.venue, req.symbol, req.side is Side.BUY,
                                         self.settings.latency_s(req.venue))
        report = self._fill(req, ladder)
        self._orders[req.client_id] = report
        return report

    def _fill(self, req: OrderRequest, ladder: Ladder) -> OrderReport:
        oid = f"paper-{next(self._ids)}"
        inst = self._instruments.get((req.venue, req.symbol))
        if inst is None:
            return OrderReport(client_id=req.client_id, venue_order_id=oid,
                               status=OrderStatus.REJECTED,
                               error=f"paper: {req.symbol} is not traded on {req.venue}")
        queued = self._injected.get(req.venue)
        reject, fraction = queued.pop(0) if queued else (None, None)
        if reject is None and self._rng.random() < self.settings.reject_rate:
            reject = "rejected (simulated by reject_rate)"
        if reject is not None:
            return OrderReport(client_id=req.client_id, venue_order_id=oid,
                               status=OrderStatus.REJECTED, error=f"paper: {reject}")
        qty, limit = float(req.qty), float(req.price)
        reach, price = fill_ioc(ladder(), req.side, limit, qty)
        if reach <= 0:  # no book, or nothing at or better than the limit
            return OrderReport(client_id=req.client_id, venue_order_id=oid,
                               status=OrderStatus.EXPIRED)
        fill = reach
        if fraction is None and self._rng.random() < self.settings.partial_rate:
            fraction = self._rng.uniform(0.1, 0.9)
        if fraction is not None:
            fill *= fraction
        fill = float(quantize_qty(fill, inst))
        if fill != reach:  # cut by the lot or a partial fill: its best part, priced again
            price = fill_ioc(ladder(), req.side, limit, fill)[1]
        buy = req.side is Side.BUY
        cost_asset, have = (inst.quote, fill * price) if buy else (inst.base, fill)
        if self.ledger.free(req.venue, cost_asset) < have:
            return OrderReport(client_id=req.client_id, venue_order_id=oid,
                               status=OrderStatus.REJECTED,
                               error=f"paper: insufficient {cost_asset} on {req.venue}")
        if fill <= 0:
            return OrderReport(client_id=req.client_id, venue_order_id=oid,
                               status=OrderStatus.EXPIRED)
        rate = self._fees.get(req.venue, 0.0)
        fee, fee_asset = (fill * rate, inst.base) if buy else (fill * price * rate, inst.quote)
        self.ledger.apply_fill(req.venue, inst.base, inst.quote, req.side, fill, price, fee,
                               fee_asset)
        status = OrderStatus.FILLED if fill >= qty else OrderStatus.EXPIRED
        return OrderReport(client_id=req.client_id, venue_order_id=oid, status=status,
                           filled_qty=fill, avg_price=price, fee=fee, fee_asset=fee_asset)

    async def status(self, req: OrderRequest) -> OrderReport:
        report = self._orders.get(req.client_id)
        if report is None:
            return OrderReport(client_id=req.client_id, venue_order_id="",
                               status=OrderStatus.REJECTED, error="paper: no such order")
        return report

    async def cancel(self, req: OrderRequest) -> OrderReport:
        return await self.status(req)  # IOC: already final

    def order_window_s(self, venue: Venue) -> float:
        return 0.0  # a paper order is filled or refused in the call that places it

    def can_look_up(self, venue: Venue) -> bool:
        return False  # a paper run never asks a venue about an order

    def blocked(self, venue: Venue) -> str:
        return ""

    def band_price(self, venue: Venue, symbol: str) -> float | None:
        return None  # the paper venue's band, like the backtest's, is around the mid

    def stream_epoch(self, venue: Venue) -> int | None:
        return None  # a paper order's report is final when placed

    def streams(self) -> Mapping[Venue, StreamStatus]:
        return {}

    async def pushed(self, req: OrderRequest, epoch: int, wait_s: float
                     ) -> OrderReport | None:
        return None

    async def balances(self, venue: Venue) -> dict[str, Balance]:
        return {asset: Balance(asset=asset, free=free)
                for asset, free in self.ledger.snapshot().get(venue, {}).items()}


class Books:
    """The books as they are when the order arrives: the executor's own market, and the
    backtest's, whose `sleep` ends when the replay reaches the order's arrival."""

    def __init__(self, book: BookLookup, depth: DepthBoard | None,
                 sleep: Callable[[float], Awaitable[None]]) -> None:
        self._book = book
        self._depth = depth
        self._sleep = sleep

    async def meet(self, venue: Venue, symbol: str, buy: bool, latency_s: float) -> Ladder:
        if latency_s:
            await self._sleep(latency_s)
        return self._ladder(venue, symbol, buy)

    def _ladder(self, venue: Venue, symbol: str, buy: bool) -> Ladder:
        """The side a buy (the asks) or a sell (the bids) meets: the venue's L2 book (its
        top `[market] depth` levels) when it is kept and synced, else the quote's top level
        (depth 1, no board, a book being resynced); no level at all when there is neither."""
        if self._depth is not None:
            book = self._depth.get(VENUE_ORDER.index(venue), symbol)
            if book is not None and book.synced:
                side, depth = (book.asks if buy else book.bids), self._depth.levels
                return lambda: top_levels(side, depth)
        return quote_top(self._book(venue, symbol), buy)


def quote_top(q: Quote | None, buy: bool) -> Ladder:
    """The quote's top level on the side an order meets; nothing without a quote."""
    if q is None:
        return lambda: iter(())
    top = (q.ask, q.ask_size) if buy else (q.bid, q.bid_size)
    return lambda: iter((top,))


def top_levels(side: BookSide, depth: int) -> Iterator[Level]:
    """A book side's best `depth` levels (`[market] depth`) best first, read only as far as
    the fill goes. A feed's book may hold more (the venue's channel size), but ArBot walks
    and records only `depth`: a fill that took the levels beyond would differ between a
    live paper run and its replay, whose recorded books stop there."""
    levels = side.levels
    for key in islice(side.keys, depth):
        price, size, _, _ = levels[key]
        yield price, size
