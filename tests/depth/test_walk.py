"""The depth walk on hand-made ladders: where it stops, what caps it, and the top-of-book
figures it must reproduce exactly when one level on each side is all it takes."""

from __future__ import annotations

import math
from typing import NamedTuple

import pytest
from hypothesis import given
from hypothesis import strategies as st

from arbot.depth.book import BookSide, Level
from arbot.depth.walk import EMPTY, Walk, side_ladder, walk
from arbot.engine.detector import Fee, net_per_unit

INF = math.inf
NO_FEE = Fee.from_bps(0.0)
TEN = Fee.from_bps(10.0)


class Case(NamedTuple):
    asks: list[Level]
    bids: list[Level]
    fee: Fee
    min_bps: float
    max_notional: float
    max_base: float
    size: float
    buy_vwap: float
    sell_vwap: float
    worst: tuple[float, float]  # buy, sell
    levels: tuple[int, int]  # buy, sell
    profit: float


CASES = {
    # 1 @ 100 vs 101, then 2 @ 100.4 vs 101; the next pair (100.4 vs 100.5) nets 9.96 bps
    "stops on the second level": Case(
        [(100.0, 1.0), (100.4, 5.0)], [(101.0, 3.0), (100.5, 3.0)], NO_FEE, 10.0, INF, INF,
        3.0, (100.0 + 2 * 100.4) / 3, 101.0, (100.4, 101.0), (2, 1), 1.0 + 2 * 0.6),
    # both levels net over 19.9 bps after 10 bps a side; 20 bps keeps the first only
    "fees decide the second level": Case(
        [(100.0, 1.0), (100.1, 1.0)], [(100.5, 2.0)], TEN, 20.0, INF, INF,
        1.0, 100.0, 100.5, (100.0, 100.5), (1, 1), 100.5 * 0.999 - 100.0 * 1.001),
    "fees let the second level in": Case(
        [(100.0, 1.0), (100.1, 1.0)], [(100.5, 2.0)], TEN, 19.0, INF, INF,
        2.0, 100.05, 100.5, (100.1, 100.5), (2, 1),
        (100.5 * 0.999 - 100.0 * 1.001) + (100.5 * 0.999 - 100.1 * 1.001)),
    # 100 quote on the first level, the remaining 202 buys 2 at 101
    "capped by notional": Case(
        [(100.0, 1.0), (101.0, 10.0)], [(103.0, 10.0)], NO_FEE, 5.0, 302.0, INF,
        3.0, 302.0 / 3, 103.0, (101.0, 103.0), (2, 1), 3.0 + 2 * 2.0),
    "capped by balance": Case(
        [(100.0, 1.0), (101.0, 10.0)], [(103.0, 10.0)], NO_FEE, 5.0, INF, 1.5,
        1.5, (100.0 + 0.5 * 101.0) / 1.5, 103.0, (101.0, 103.0), (2, 1), 3.0 + 0.5 * 2.0),
    "capped by notional within the top level": Case(
        [(100.0, 10.0)], [(102.0, 10.0)], NO_FEE, 5.0, 250.0, INF,
        2.5, 100.0, 102.0, (100.0, 102.0), (1, 1), 2.5 * 2.0),
    # the second levels lose money: the top alone is everything
    "the top alone is everything": Case(
        [(100.0, 1.0), (101.0, 5.0)], [(101.0, 2.0), (100.9, 5.0)], TEN, 5.0, INF, INF,
        1.0, 100.0, 101.0, (100.0, 101.0), (1, 1), 101.0 * 0.999 - 100.0 * 1.001),
    "both sides walk several levels": Case(
        [(100.0, 1.0), (100.2, 1.0), (100.4, 1.0)], [(101.0, 1.5), (100.8, 1.5)], NO_FEE, 0.0,
        INF, INF, 3.0, 100.2, 100.9, (100.4, 100.8), (3, 2),
        1.0 + 0.5 * 0.8 + 0.5 * 0.6 + 1.0 * 0.4),
    "the top does not clear": Case(
        [(100.0, 1.0)], [(100.1, 1.0)], TEN, 5.0, INF, INF, 0.0, 0.0, 0.0, (0.0, 0.0), (0, 0),
        0.0),
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_walk(case: Case) -> None:
    w = walk(case.asks, case.bids, case.fee.buy_mult, case.fee.sell_mult, case.min_bps,
             case.max_notional, case.max_base)
    assert w.size == pytest.approx(case.size)
    assert w.buy_vwap == pytest.approx(case.buy_vwap)
    assert w.sell_vwap == pytest.approx(case.sell_vwap)
    assert (w.buy_worst, w.sell_worst) == case.worst
    assert (w.buy_levels, w.sell_levels) == case.levels
    assert w.profit == pytest.approx(case.profit)
    cost = case.size * case.buy_vwap
    assert w.net_bps == pytest.approx(case.profit / cost * 1e4 if cost else 0.0)


@pytest.mark.parametrize(("asks", "bids"), [([], [(101.0, 1.0)]), ([(100.0, 1.0)], []), ([], [])])
def test_an_empty_ladder_walks_nothing(asks: list[Level], bids: list[Level]) -> None:
    assert walk(asks, bids, 1.0, 1.0, 0.0) == EMPTY == Walk()


def test_one_level_each_side_gives_the_detectors_figures_exactly() -> None:
    ask, bid, size = 100.03, 100.61, 0.37
    w = walk([(ask, size), (101.0, 9.0)], [(bid, 5.0)], TEN.buy_mult, TEN.sell_mult, 5.0, INF)
    net = net_per_unit(ask, bid, TEN, TEN)
    assert w.buy_vwap == ask and w.sell_vwap == bid and w.size == size
    assert w.profit == net * size and w.net_bps == net / ask * 10_000.0


def test_a_book_side_is_read_lazily_as_far_as_asked() -> None:
    side = BookSide(bids=True)
    side.apply([("100.5", "1"), ("101", "2"), ("100", "0.5")])
    ladder = side_ladder(side, 2)
    assert next(ladder)[:2] == (101.0, 2.0)
    assert [level[:2] for level in ladder] == [(100.5, 1.0)]


ladders = st.lists(st.tuples(st.floats(0.01, 5.0), st.floats(1e-4, 10.0)), min_size=1,
                   max_size=8)


@given(asks=ladders, bids=ladders, fee_bps=st.floats(0.0, 20.0), min_bps=st.floats(0.0, 50.0),
       max_notional=st.floats(1.0, 1e4), max_base=st.floats(1e-3, 1e3) | st.just(INF),
       gap_bps=st.floats(0.0, 200.0))
def test_walked_profit_is_never_below_the_top_when_the_top_clears(
        asks: list[tuple[float, float]], bids: list[tuple[float, float]], fee_bps: float,
        min_bps: float, max_notional: float, max_base: float, gap_bps: float) -> None:
    """Ladders built as offsets from a mid (asks rising, bids falling), the best bid set
    `gap_bps` above the best ask. When the top levels alone net min_bps, the walk takes at
    least the top-of-book size (capped the same way) and never earns less."""
    a = b = 0.0
    ask_ladder: list[Level] = []
    bid_ladder: list[Level] = []
    top_ask = 100.0
    top_bid = top_ask * (1 + gap_bps / 1e4)
    for step, size in asks:
        ask_ladder.append((top_ask + a, size))
        a += step
    for step, size in bids:
        bid_ladder.append((top_bid - b, size))
        b += step
    fee = Fee.from_bps(fee_bps)
    net = net_per_unit(top_ask, top_bid, fee, fee)
    w = walk(ask_ladder, bid_ladder, fee.buy_mult, fee.sell_mult, min_bps, max_notional,
             max_base)
    if net / top_ask * 10_000.0 < min_bps:
        assert w == EMPTY
        return
    top_size = min(ask_ladder[0][1], bid_ladder[0][1], max_notional / top_ask, max_base)
    assert w.size >= top_size * (1 - 1e-12)
    assert w.profit >= net * top_size * (1 - 1e-9)
    assert w.size * w.buy_vwap <= max_notional * (1 + 1e-9) and w.size <= max_base * (1 + 1e-9)
    assert w.buy_worst >= top_ask and w.sell_worst <= top_bid
    assert w.net_bps >= min_bps - 1e-9


@given(ask=st.floats(0.001, 1e5), gap_bps=st.floats(0.0, 500.0),
       sizes=st.tuples(st.floats(1e-6, 1e3), st.floats(1e-6, 1e3)),
       fees=st.tuples(st.floats(0.0, 30.0), st.floats(0.0, 30.0)),
       max_notional=st.floats(1.0, 1e6), min_bps=st.floats(0.0, 100.0))
def test_one_level_a_side_is_exactly_the_top_of_book(
        ask: float, gap_bps: float, sizes: tuple[float, float], fees: tuple[float, float],
        max_notional: float, min_bps: float) -> None:
    """The detector fills the walk fields from the top of book without walking when
    neither venue keeps a depth book; this is the walk it stands for."""
    bid = ask * (1 + gap_bps / 1e4)
    buy_fee, sell_fee = Fee.from_bps(fees[0]), Fee.from_bps(fees[1])
    net = net_per_unit(ask, bid, buy_fee, sell_fee)
    net_bps = net / ask * 10_000.0
    w = walk(((ask, sizes[0]),), ((bid, sizes[1]),), buy_fee.buy_mult, sell_fee.sell_mult,
             min_bps, max_notional)
    if net_bps < min_bps:
        assert w == EMPTY
        return
    size = min(sizes[0], sizes[1], max_notional / ask)
    assert w == Walk(size=size, buy_vwap=ask, sell_vwap=bid, buy_worst=ask, sell_worst=bid,
                     profit=net * size, net_bps=net_bps, buy_levels=1, sell_levels=1)
