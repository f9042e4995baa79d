"""The engine sizing gaps on depth books filled by hand: walked figures, a thin book, a
thin top rescued by depth, and a resyncing book that takes no part and closes episodes."""

from __future__ import annotations

import pytest

from arbot.depth.board import DepthBoard
from arbot.depth.book import TextLevel
from arbot.domain import EpisodeKind, Quote, Venue
from arbot.engine.engine import Engine
from tests.engine.test_engine import MS, T0, Events, engine, quote

B, OK = Venue.BINANCE, Venue.OKX
FEE = 0.001  # 10 bps taker on both venues (the settings' defaults)


def depth_engine(levels: int = 5) -> tuple[Engine, Events, DepthBoard]:
    board = DepthBoard(levels)
    e, ev = engine(depth=board)
    return e, ev, board


def fill(board: DepthBoard, venue: Venue, bids: list[TextLevel], asks: list[TextLevel],
         synced: bool = True) -> None:
    book = board.book(venue, "BTC-USDT")
    book.replace(bids, asks)
    book.synced = synced


def top(venue: Venue, board: DepthBoard, t_ms: float) -> Quote:
    """The quote a depth feed makes from the book's top."""
    book = board.book(venue, "BTC-USDT")
    (bid, bid_size), (ask, ask_size) = book.bids.top(1)[0], book.asks.top(1)[0]
    return Quote(venue=venue, symbol="BTC-USDT", bid=bid, bid_size=bid_size, ask=ask,
                 ask_size=ask_size, ts_exchange_ms=None, ts_recv_ns=T0 + int(t_ms * MS))


def net(ask: float, bid: float) -> float:
    return bid * (1 - FEE) - ask * (1 + FEE)


def test_a_gap_is_sized_by_walking_both_books() -> None:
    e, ev, board = depth_engine()
    fill(board, B, [("99.9", "1")], [("100.0", "1"), ("100.1", "2"), ("100.4", "5")])
    fill(board, OK, [("100.6", "0.5"), ("100.5", "3"), ("100.2", "9")], [("100.7", "1")])
    e.on_quote(top(B, board, 0))
    e.on_quote(top(OK, board, 1))
    assert ev.kinds() == [EpisodeKind.OPEN]
    o = ev.events[0].episode.first
    # top of book: 0.5 at 100.0 / 100.6; the walk adds 0.5 @ 100.0/100.5 and 2 @ 100.1/100.5
    # (100.5 vs 100.1 nets 19.9 bps); then 100.4 vs 100.5 nets -10 bps and the walk stops
    assert (o.size, o.profit) == (0.5, net(100.0, 100.6) * 0.5)
    assert o.walk_size == pytest.approx(3.0)
    assert o.walk_profit == pytest.approx(0.5 * net(100.0, 100.6) + 0.5 * net(100.0, 100.5)
                                          + 2 * net(100.1, 100.5))
    assert o.buy_vwap == pytest.approx((100.0 + 2 * 100.1) / 3)
    assert o.sell_vwap == pytest.approx((0.5 * 100.6 + 2.5 * 100.5) / 3)
    assert (o.buy_worst, o.sell_worst, o.buy_levels, o.sell_levels) == (100.1, 100.5, 2, 2)
    assert o.walk_net_bps == pytest.approx(o.walk_profit / (3 * o.buy_vwap) * 1e4)


def test_the_walk_reads_no_deeper_than_the_boards_levels() -> None:
    e, ev, board = depth_engine(levels=1)
    fill(board, B, [("99.9", "1")], [("100.0", "1"), ("100.1", "2")])
    fill(board, OK, [("100.6", "3")], [("100.7", "1")])
    e.on_quote(top(B, board, 0))
    e.on_quote(top(OK, board, 1))
    o = ev.events[0].episode.first
    assert (o.walk_size, o.buy_levels) == (1.0, 1)


def test_without_a_board_the_walk_is_the_top_of_book() -> None:
    e, ev = engine()
    e.on_quote(quote(B, 99.9, 100.0, 0, size=0.4))
    e.on_quote(quote(OK, 100.5, 100.6, 1))
    o = ev.events[0].episode.first
    assert (o.walk_size, o.walk_profit, o.walk_net_bps) == (o.size, o.profit, o.net_bps)
    assert (o.buy_vwap, o.buy_worst, o.sell_vwap, o.sell_worst) == (100.0, 100.0, 100.5, 100.5)
    assert (o.buy_levels, o.sell_levels) == (1, 1)


def test_a_book_thinner_than_its_quote_is_too_thin() -> None:
    e, ev, board = depth_engine()
    fill(board, B, [("99.9", "1")], [("100.0", "0.01"), ("100.6", "5")])
    fill(board, OK, [("100.5", "5")], [("100.7", "1")])
    e.on_quote(quote(B, 99.9, 100.0, 0, size=5.0))  # the quote says 5 on top, the book 0.01
    e.on_quote(top(OK, board, 1))
    assert ev.events == []
    assert (e.funnel.crossed, e.funnel.too_thin, e.funnel.too_small) == (1, 1, 0)


def test_depth_behind_a_thin_top_fills_the_gap() -> None:
    thin = ([("99.9", "1")], [("100.0", "0.05"), ("100.05", "2")])  # 5 USDT on top, 10 needed
    e, ev, board = depth_engine()
    fill(board, B, *thin)
    fill(board, OK, [("100.5", "5")], [("100.7", "1")])
    e.on_quote(top(B, board, 0))
    e.on_quote(top(OK, board, 1))
    o = ev.events[0].episode.first
    assert o.size == 0.05 and o.walk_size == pytest.approx(2.05) and e.funnel.too_small == 0

    flat, flat_ev = engine()  # the same quotes with no books: too small
    flat.on_quote(top(B, board, 0))
    flat.on_quote(top(OK, board, 1))
    assert flat_ev.events == [] and flat.funnel.too_small == 1


def test_a_resyncing_book_takes_no_part() -> None:
    e, ev, board = depth_engine()
    fill(board, B, [("99.9", "1")], [("100.0", "1")], synced=False)
    fill(board, OK, [("100.5", "5")], [("100.7", "1")])
    e.on_quote(quote(B, 99.9, 100.0, 0))
    e.on_quote(top(OK, board, 1))
    assert ev.events == []
    assert (e.funnel.resyncing, e.funnel.crossed) == (1, 0)


def open_gap() -> tuple[Engine, Events, DepthBoard]:
    e, ev, board = depth_engine()
    fill(board, B, [("99.9", "1")], [("100.0", "1")])
    fill(board, OK, [("100.5", "5")], [("100.7", "1")])
    e.on_quote(top(B, board, 0))
    e.on_quote(top(OK, board, 10))
    assert ev.kinds() == [EpisodeKind.OPEN]
    return e, ev, board


def test_an_episode_on_a_book_that_breaks_closes_on_the_next_quote() -> None:
    e, ev, board = open_gap()
    board.book(B, "BTC-USDT").reset()
    e.on_quote(top(OK, board, 20))
    assert ev.kinds() == [EpisodeKind.OPEN, EpisodeKind.CLOSE]
    closed = ev.events[1].episode
    assert (closed.close_reason, closed.closed_ns) == ("book_resync", T0 + 20 * MS)
    assert e.funnel.resyncing == 1


def test_the_sweep_closes_an_episode_whose_book_broke_quietly() -> None:
    e, ev, board = open_gap()
    board.book(OK, "BTC-USDT").synced = False
    e.sweep(T0 + 15 * MS)
    assert ev.kinds() == [EpisodeKind.OPEN, EpisodeKind.CLOSE]
    closed = ev.events[1].episode
    # closed when the pair was last known whole: its latest quote
    assert (closed.close_reason, closed.closed_ns) == ("book_resync", T0 + 10 * MS)


def test_the_peak_is_the_largest_walked_profit() -> None:
    e, ev, board = depth_engine()
    fill(board, B, [("99.9", "1")], [("100.0", "1")])
    fill(board, OK, [("100.6", "0.2")], [("100.7", "1")])  # 39.9 bps on 0.2
    e.on_quote(top(B, board, 0))
    e.on_quote(top(OK, board, 1))
    fill(board, OK, [("100.5", "1")], [("100.7", "1")])  # 29.9 bps on 1: more profit
    e.on_quote(top(OK, board, 2))
    fill(board, OK, [("100.2", "1")], [("100.7", "1")])  # gone
    e.on_quote(top(OK, board, 3))
    closed = ev.events[-1].episode
    assert closed.close_reason == "below_min"
    assert closed.first.net_bps > closed.peak.net_bps
    assert closed.peak.sell.bid == 100.5 and closed.peak.walk_profit > closed.first.walk_profit


def test_the_market_view_sizes_the_best_pair_by_depth_and_leaves_out_resyncing_books() -> None:
    e, _, board = depth_engine()
    fill(board, B, [("99.9", "1")], [("100.0", "1"), ("100.1", "2")])
    fill(board, OK, [("100.6", "0.5"), ("100.5", "3")], [("100.7", "1")])
    e.on_quote(top(B, board, 0))
    e.on_quote(top(OK, board, 1))
    view = e.market_view()["BTC-USDT"]
    assert view.fresh == {B, OK} and view.net_bps == pytest.approx(net(100.0, 100.6) / 100 * 1e4)
    assert view.walk_size == pytest.approx(3.0)  # as the detector walked it above
    assert view.walk_net_bps == pytest.approx(ev_walk_net_bps(e))
    board.book(OK, "BTC-USDT").synced = False
    view = e.market_view()["BTC-USDT"]
    assert view.fresh == {B} and view.net_bps is None and view.walk_size is None


def ev_walk_net_bps(e: Engine) -> float:
    """The walked net bps of the engine's one open episode."""
    (live,) = e.episodes.open.values()
    return live.last.walk_net_bps
