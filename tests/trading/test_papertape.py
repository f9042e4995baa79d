"""A live paper trade runs on its modelled clock (`arbot.trading.papertape`): its orders
fill against the books as they were when they arrived, whenever the event loop got round
to them, and its follow-ups are priced at the moment the later leg came back. The loop's
lateness is played by the injected sleep, which lets quotes arrive and the wall clock run
past the order's arrival before the executor wakes."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import msgspec

from arbot.domain import (
    EpisodeEvent,
    EpisodeKind,
    FeedState,
    FeedStatus,
    OrderRequest,
    OrderStatus,
    Quote,
    Side,
    Venue,
)
from arbot.trading.papertape import KEEP_NS, Tape
from arbot.trading.trader import Trader
from tests.trading.helpers import (
    SYMBOL,
    A,
    B,
    Books,
    episode,
    inst,
    journal,
    ledger,
    paper,
    quote,
    trading,
)

T0 = 1_700_000_000_000_000_000
MS = 1_000_000


def at(q: Quote, ms: float) -> Quote:
    return msgspec.structs.replace(q, ts_recv_ns=T0 + round(ms * MS))


class Market:
    """The feed, the board and the wall clock a tape hears: `late` holds the quotes the
    loop delivers (and how far the wall clock gets) while a trade waits."""

    def __init__(self, *quotes: Quote) -> None:
        self.books = Books()
        self.wall = T0
        self.late: list[tuple[float, Quote | None]] = []
        self.tape = Tape(self.books, None, wall_ns=lambda: self.wall, sleep=self.oversleep)
        for q in quotes:
            self.deliver(q)

    def deliver(self, q: Quote) -> None:
        self.tape.before.on_quote(q)
        self.books.set(q)
        self.tape.on_quote(q)
        self.wall = max(self.wall, q.ts_recv_ns)

    async def oversleep(self, seconds: float) -> None:
        """The loop wakes the trade late: everything in `late` happens first."""
        target = self.wall + round(seconds * 1e9)
        for ms, q in self.late:
            if q is not None:
                self.deliver(at(q, ms))
            self.wall = max(self.wall, T0 + round(ms * MS))
        self.late.clear()
        self.wall = max(self.wall, target)


def order(venue: Venue, side: Side, price: str, cid: str) -> OrderRequest:
    return OrderRequest(client_id=cid, venue=venue, symbol=SYMBOL, venue_symbol="BTCUSDT",
                        side=side, price=price, qty="0.5")


async def test_an_order_fills_on_the_books_of_its_arrival_not_of_a_late_wake() -> None:
    m = Market(at(quote(A, 99.0, 100.0), 0))
    m.tape.watch("ep1", SYMBOL)  # handed over on the quote at 0 ms
    trade = m.tape.trade(SYMBOL, m.tape.handed("ep1"))
    ex = paper(m.books, ledger(), latency_ms=5).at(trade)
    # while the order is on its way the ask drops (4 ms), then rises past its limit (6 ms),
    # and the loop wakes the executor only at 9 ms
    m.late = [(4, quote(A, 98.5, 99.5)), (6, quote(A, 100.5, 101.0)), (9, None)]
    r = await ex.place(order(A, Side.BUY, "100", "t1"))
    assert (r.status, r.filled_qty, r.avg_price) == (OrderStatus.FILLED, 0.5, 99.5)
    assert m.books(A, SYMBOL) == at(quote(A, 100.5, 101.0), 6)  # what "now" would have met


async def test_a_follow_up_is_priced_when_the_later_leg_came_back() -> None:
    m = Market(at(quote(A, 99.0, 100.0), 0), at(quote(B, 101.0, 101.5), 0))
    m.tape.watch("ep1", SYMBOL)
    trade = m.tape.trade(SYMBOL, m.tape.handed("ep1"))
    ex = paper(m.books, ledger(), latency_ms=5, venue_latency_ms={B.value: 400}).at(trade)
    buy, sell = order(A, Side.BUY, "100", "t1b"), order(B, Side.SELL, "101", "t1s")
    m.late = [(390, quote(A, 99.2, 100.2)), (420, quote(A, 97.0, 98.0)), (430, None)]
    await ex.place(buy)
    await ex.place(sell)  # left at 0 ms with the buy, whichever task ran first
    assert trade.book(A, SYMBOL) == at(quote(A, 99.2, 100.2), 390)
    assert trade.now_ns == T0 + 400 * MS
    m.late = [(460, quote(A, 96.0, 97.0)), (470, None)]
    await trade.sleep(0.05)  # a retry gap moves the trade's clock, not the wall's
    assert trade.now_ns == T0 + 450 * MS
    assert trade.book(A, SYMBOL) == at(quote(A, 97.0, 98.0), 420)


async def test_a_venue_taken_down_has_no_book_from_then_on() -> None:
    m = Market(at(quote(A, 99.0, 100.0), 0))
    m.tape.watch("ep1", SYMBOL)
    trade = m.tape.trade(SYMBOL, m.tape.handed("ep1"))
    ex = paper(m.books, ledger(), latency_ms=5).at(trade)
    down = FeedStatus(venue=A, connection=0, state=FeedState.RECONNECTING, frames_per_s=0.0,
                      quotes_per_s=0.0, last_frame_age_s=None, reconnects=1, drops={},
                      last_error=None, ts_ns=T0 + 3 * MS)
    m.books.quotes.clear()  # the engine wiped the venue's quotes
    m.tape.on_feed_status(down)
    m.wall = T0 + 10 * MS
    r = await ex.place(order(A, Side.BUY, "100", "t1"))
    assert (r.status, r.filled_qty) == (OrderStatus.EXPIRED, 0.0)


async def test_a_symbol_no_trade_holds_leaves_the_tape() -> None:
    m = Market(at(quote(A, 99.0, 100.0), 0))
    m.tape.watch("ep1", SYMBOL)
    trade = m.tape.trade(SYMBOL, m.tape.handed("ep1"))
    trade.release()
    later = KEEP_NS / MS + 1  # past KEEP_NS: its past is forgotten
    m.deliver(at(quote(A, 98.0, 99.0), later))
    assert m.tape.quote(A, SYMBOL, T0) == at(quote(A, 98.0, 99.0), later)  # only "now" is left


async def test_a_trade_is_journaled_on_its_modelled_clock(tmp_path: Path) -> None:
    """The trader hands each paper trade its clock: both legs leave at the hand-over and are
    reported at the slower arrival, whatever the loop's lateness, so the journal holds the
    times its backtest records; the buy meets the ask of its arrival, not of the wake."""
    m = Market(at(quote(A, 99.9, 100.0), 0), at(quote(B, 101.0, 101.1), 0))
    jr = await journal(tmp_path)
    led = ledger()
    ex = paper(m.books, led, latency_ms=5)
    trader = Trader(trading(), ex, jr, led, {(A, SYMBOL): inst(A), (B, SYMBOL): inst(B)},
                    m.books, tape=m.tape)
    m.late = [(3, quote(A, 99.8, 99.9)), (7, quote(A, 100.9, 101.0)), (12, None)]
    trader.on_episode(episode(1))  # on the quotes at 0 ms
    await trader.wait_idle()
    jr.close()
    with sqlite3.connect(jr.path) as conn:
        rows = conn.execute("SELECT purpose, status, avg_price, ts_created_ns, ts_updated_ns "
                            "FROM orders ORDER BY purpose").fetchall()
        (opened,) = conn.execute("SELECT ts_open_ns FROM trades").fetchone()
    assert opened == T0
    assert rows == [("buy", "filled", 99.9, T0, T0 + 5 * MS),
                    ("sell", "filled", 101.0, T0, T0 + 5 * MS)]


async def test_a_trade_on_its_modelled_clock_is_taken_though_its_episode_closed_since(
        tmp_path: Path) -> None:
    """The trader acts as of the hand-over (as its backtest, which acts at once): quotes
    handled before its loop turn that close the episode do not make it stale."""
    m = Market(at(quote(A, 99.9, 100.0), 0), at(quote(B, 101.0, 101.1), 0))
    jr = await journal(tmp_path)
    led = ledger()
    trader = Trader(trading(), paper(m.books, led), jr, led,
                    {(A, SYMBOL): inst(A), (B, SYMBOL): inst(B)}, m.books, tape=m.tape)
    opened = episode(1)
    trader.on_episode(opened)
    m.deliver(at(quote(A, 100.9, 101.0), 1))  # the same burst: the gap closes
    trader.on_episode(EpisodeEvent(kind=EpisodeKind.CLOSE, episode=opened.episode))
    await trader.wait_idle()
    jr.close()
    assert trader.trades == 1 and trader.rejections == {}
