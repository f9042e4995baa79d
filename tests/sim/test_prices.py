"""The price model: deterministic per seed, on-tick quotes, dislocations that open a real
cross-venue gap and close it again."""

from __future__ import annotations

from decimal import Decimal
from itertools import permutations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from arbot.domain import Venue
from arbot.sim import Dislocations, PriceModel, VenueQuote
from arbot.sim.config import DEFAULT_SYMBOLS
from arbot.sim.instruments import (
    Catalog,
    NumberStyle,
    format_units,
    is_valid_symbol,
    spec_for,
)

SPECS = Catalog((*DEFAULT_SYMBOLS, "DOGE-USDT")).specs
QUIET = Dislocations(rate_per_s=0.0)


def snapshot(m: PriceModel) -> list[VenueQuote]:
    return [m.quote(v, s.symbol) for s in SPECS for v in Venue]


def test_same_seed_same_ticks_same_quotes() -> None:
    a, b = PriceModel(SPECS, seed=7), PriceModel(SPECS, seed=7)
    for _ in range(200):
        a.tick()
        b.tick()
        assert snapshot(a) == snapshot(b)
    a.dislocate("ETH-USDT", Venue.OKX, 40)
    b.dislocate("ETH-USDT", Venue.OKX, 40)
    a.tick()
    b.tick()
    assert snapshot(a) == snapshot(b)
    c = PriceModel(SPECS, seed=8)
    for _ in range(200):
        c.tick()
    assert snapshot(c) != snapshot(a)


def test_quotes_are_sane_and_update_ids_move_only_on_change() -> None:
    m = PriceModel(SPECS, seed=1)
    for _ in range(300):
        before = snapshot(m)
        m.tick()
        for s in SPECS:
            for v in Venue:
                q = m.quote(v, s.symbol)
                assert 0 < q.bid < q.ask and q.bid_qty >= 1 and q.ask_qty >= 1
                mid = (q.bid + q.ask) / 2 * s.rules[v].tick
                assert abs(mid / m.fair(s.symbol) - 1) < 0.01
    after = snapshot(m)
    for old, new in zip(before, after, strict=True):
        assert (new.update_id == old.update_id) == (new == old)


def max_gap_bps(m: PriceModel, symbol: str) -> float:
    """The best cross-venue gap: some venue's bid above another's ask, in bps of fair."""
    rules = spec_for(symbol).rules
    px = {v: (m.quote(v, symbol).bid * rules[v].tick, m.quote(v, symbol).ask * rules[v].tick)
          for v in Venue}
    return max((px[a][0] - px[b][1]) / m.fair(symbol) * 1e4 for a, b in permutations(Venue, 2))


def test_a_dislocation_opens_a_gap_that_closes_after_its_lifetime() -> None:
    m = PriceModel(SPECS, seed=3, tick_s=0.05, dislocations=QUIET)
    for _ in range(20):
        m.tick()
    assert max_gap_bps(m, "BTC-USDT") < 5
    m.dislocate("BTC-USDT", Venue.OKX, 50, life_s=0.5)  # 10 ticks
    okx, binance = m.quote(Venue.OKX, "BTC-USDT"), m.quote(Venue.BINANCE, "BTC-USDT")
    assert okx.bid * 0.1 > binance.ask * 0.01  # OKX bids above Binance's ask: an arb
    for _ in range(9):
        m.tick()
        assert max_gap_bps(m, "BTC-USDT") > 40
    m.tick()
    assert m.dislocation_bps("BTC-USDT", Venue.OKX) == 0
    assert max_gap_bps(m, "BTC-USDT") < 5


def test_random_dislocations_arrive_at_about_the_rate() -> None:
    m = PriceModel(SPECS, seed=5, tick_s=0.05,
                   dislocations=Dislocations(rate_per_s=2.0, size_bps=30, life_s=0.2))
    started = 0
    for _ in range(400):  # 20 simulated seconds: ~40 expected
        active = {(s.symbol, v) for s in SPECS for v in Venue if m.dislocation_bps(s.symbol, v)}
        m.tick()
        now = {(s.symbol, v) for s in SPECS for v in Venue if m.dislocation_bps(s.symbol, v)}
        started += len(now - active)
    assert 15 < started < 80


def test_unknown_valid_symbols_get_stable_generated_specs() -> None:
    a, b = spec_for("PEPE-USDT"), spec_for("PEPE-USDT")
    assert a == b and a.price > 0 and a.base == "PEPE"
    assert all(0 <= r.price_dp <= 8 for r in a.rules.values())
    assert not is_valid_symbol("btc-usdt") and not is_valid_symbol("BTCUSDT")
    with pytest.raises(ValueError, match="BASE-QUOTE"):
        spec_for("BTC/USDT")


@pytest.mark.parametrize(("n", "dp", "style", "text"), [
    (6498915, 2, "pad8", "64989.15000000"),
    (6498910, 2, "trim", "64989.1"),
    (6500000, 2, "trim", "65000"),
    (6500000, 2, "fixed", "65000.00"),
    (5, 4, "fixed", "0.0005"),
    (1, 0, "pad8", "1.00000000"),
    (12, 0, "trim", "12"),
])
def test_numbers_are_written_like_the_venues_do(n: int, dp: int, style: NumberStyle,
                                               text: str) -> None:
    assert format_units(n, dp, style) == text


@given(st.integers(0, 10**15), st.integers(0, 8))
def test_formatting_is_exact(n: int, dp: int) -> None:
    styles: tuple[NumberStyle, ...] = ("pad8", "trim", "fixed")
    for style in styles:
        assert Decimal(format_units(n, dp, style)) == Decimal(n).scaleb(-dp)
