"""The depth profile behind the price model: a book that follows the model's top exactly,
keeps 50 levels a side on the venue's tick, never crosses, and changes a few levels at a
time; what `follow` reports as changed is exactly what changed."""

from __future__ import annotations

import itertools
import statistics

import numpy as np
import pytest

from arbot.domain import Venue
from arbot.sim.instruments import spec_for
from arbot.sim.ladder import LEVELS, MAX_GAP, Ladder, step_ticks
from arbot.sim.prices import STYLES, PriceModel


@pytest.mark.parametrize("symbol", ["BTC-USDT", "XRP-USDT"])
def test_the_book_follows_the_top_and_stays_a_plausible_book(symbol: str) -> None:
    spec = spec_for(symbol)
    venue = Venue.OKX
    rules = spec.rules[venue]
    model = PriceModel([spec], seed=4)
    rng = np.random.default_rng(4)
    step = step_ticks(spec.price, rules.tick)
    ladder = Ladder(rng, base_lots=STYLES[venue].depth_quote / spec.price / rules.lot,
                    min_lots=1, step=step)
    changed = []
    for _ in range(400):
        model.requote(symbol, venue, rng)
        q = model.quote(venue, symbol)
        before = (dict(ladder.bids), dict(ladder.asks))
        changes = ladder.follow(q)
        for old, delta, now in zip(before, changes, (ladder.bids, ladder.asks), strict=True):
            old.update(delta)
            assert {p: v for p, v in old.items() if v} == now  # the changes, and only them
        bids, asks = ladder.top(ladder.bids, -1, LEVELS), ladder.top(ladder.asks, 1, LEVELS)
        assert bids[0] == (q.bid, q.bid_qty) and asks[0] == (q.ask, q.ask_qty)
        assert len(bids) == len(asks) == LEVELS
        assert bids[0][0] < asks[0][0] and all(v > 0 for _, v in bids + asks)
        for side in (bids, asks):
            gaps = [abs(a[0] - b[0]) for a, b in itertools.pairwise(side)]
            assert min(gaps) >= 1 and max(gaps) <= MAX_GAP * step
        changed.append(sum(len(c) for c in changes))
    assert statistics.median(changed[1:]) <= 12  # a few levels a change, not the book
