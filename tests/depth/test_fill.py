"""An IOC limit against a ladder: every level at or better than the limit, best first,
until the quantity is filled; the rest cancelled."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from arbot.depth.fill import fill_ioc
from arbot.domain import Side

ASKS = [(100.0, 1.0), (101.0, 2.0), (103.0, 5.0)]
BIDS = [(99.0, 1.0), (98.0, 2.0), (96.0, 5.0)]

CASES = [
    # side, ladder, limit, qty, filled, avg
    ("inside the top level", Side.BUY, ASKS, 100.0, 0.4, 0.4, 100.0),
    ("exactly the top level", Side.BUY, ASKS, 100.0, 1.0, 1.0, 100.0),
    ("limit stops before the second level", Side.BUY, ASKS, 100.5, 2.0, 1.0, 100.0),
    ("walks two levels", Side.BUY, ASKS, 101.0, 2.0, 2.0, (100.0 + 101.0) / 2),
    ("limit between levels two and three", Side.BUY, ASKS, 102.99, 10.0, 3.0,
     (100.0 + 2 * 101.0) / 3),
    ("the whole ladder, the rest cancelled", Side.BUY, ASKS, 1e9, 10.0, 8.0,
     (100.0 + 2 * 101.0 + 5 * 103.0) / 8),
    ("a buy limit below the best ask", Side.BUY, ASKS, 99.99, 1.0, 0.0, 0.0),
    ("sell inside the top level", Side.SELL, BIDS, 99.0, 0.5, 0.5, 99.0),
    ("sell walks two levels", Side.SELL, BIDS, 98.0, 2.0, 2.0, (99.0 + 98.0) / 2),
    ("sell limit stops before the third level", Side.SELL, BIDS, 97.0, 9.0, 3.0,
     (99.0 + 2 * 98.0) / 3),
    ("a sell limit above the best bid", Side.SELL, BIDS, 99.01, 1.0, 0.0, 0.0),
    ("an empty ladder", Side.BUY, [], 1e9, 1.0, 0.0, 0.0),
    ("nothing asked", Side.BUY, ASKS, 101.0, 0.0, 0.0, 0.0),
    ("an empty level is skipped", Side.BUY, [(100.0, 0.0), (100.5, 1.0)], 101.0, 0.5, 0.5,
     100.5),
]


@pytest.mark.parametrize(("side", "ladder", "limit", "qty", "filled", "avg"),
                         [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_ioc_fill(side: Side, ladder: list[tuple[float, float]], limit: float, qty: float,
                  filled: float, avg: float) -> None:
    got = fill_ioc(ladder, side, limit, qty)
    assert got == (pytest.approx(filled), pytest.approx(avg))


def test_the_ladder_is_read_no_further_than_the_first_level_beyond_the_limit() -> None:
    read: list[float] = []

    def ladder():  # type: ignore[no-untyped-def]
        for level in ASKS:
            read.append(level[0])
            yield level

    fill_ioc(ladder(), Side.BUY, 100.5, 5.0)
    assert read == [100.0, 101.0]


ladders = st.lists(st.tuples(st.floats(1, 1000), st.floats(0.001, 10)), max_size=8)


@given(ladders, st.floats(1, 1000), st.floats(0.001, 50), st.sampled_from(list(Side)))
def test_never_more_than_asked_and_never_past_the_limit(
        raw: list[tuple[float, float]], limit: float, qty: float, side: Side) -> None:
    ladder = sorted(raw, reverse=side is Side.SELL)
    filled, avg = fill_ioc(ladder, side, limit, qty)
    assert 0.0 <= filled <= qty
    if filled:
        assert (avg <= limit * (1 + 1e-12)) if side is Side.BUY else (avg >= limit * (1 - 1e-12))
        best = ladder[0][0]
        assert (avg >= best * (1 - 1e-12)) if side is Side.BUY else (avg <= best * (1 + 1e-12))


def test_levels_that_add_up_to_the_order_fill_it_whole() -> None:
    """0.9 - 0.3 is 0.6000000000000001 in floats; the 0.6 level still completes 0.9."""
    assert fill_ioc([(1.0, 0.3), (1.01, 0.6)], Side.BUY, 2.0, 0.9) == (
        0.9, pytest.approx((0.3 + 0.606) / 0.9))
