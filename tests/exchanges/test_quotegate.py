"""The quote gate: absurd magnitudes, off-tick numbers and jumps are dropped with a reason;
real levels (recorded frames, a real crash, a changed tick) are not locked out."""

from __future__ import annotations

import logging

import pytest

from arbot.domain import Instrument, Quote, Venue
from arbot.exchanges import adapter_for
from arbot.exchanges.drops import Drop, DropCounter
from arbot.exchanges.quotegate import GateBoard, QuoteGate, inverse_step
from arbot.exchanges.symbols import SymbolMap
from tests.exchanges import FIXTURES, lines, quotes, replay

BTC = "BTC-USDT"
NAN = float("nan")
INF = float("inf")


def inst(tick: str = "0.01", lot: str = "0.00001", symbol: str = BTC,
         venue: Venue = Venue.BINANCE) -> Instrument:
    base, quote = symbol.split("-")
    return Instrument(venue=venue, symbol=symbol, venue_id=base + quote, base=base, quote=quote,
                      tick_size=tick, lot_size=lot, min_qty=lot, min_notional="5", status="TRADING",
                      trading=True)


def q(bid: float, ask: float, bid_size: float = 0.5, ask_size: float = 0.25,
      venue: Venue = Venue.BINANCE, symbol: str = BTC) -> Quote:
    return Quote(venue=venue, symbol=symbol, bid=bid, bid_size=bid_size, ask=ask, ask_size=ask_size,
                 ts_exchange_ms=None, ts_recv_ns=0)


def gate(venue: Venue = Venue.BINANCE, board: GateBoard | None = None,
         instruments: bool = True) -> QuoteGate:
    return QuoteGate(venue, {BTC: inst(venue=venue)} if instruments else None, board)


def anchored(instruments: bool = True) -> QuoteGate:
    g = gate(instruments=instruments)
    assert g.check(q(65000.00, 65000.01)) is None
    return g


ABSURD = [
    ("ask 1e30", q(65000.00, 1e30), Drop.OUT_OF_BAND),
    ("bid 3e-297", q(3e-297, 65000.01), Drop.OFF_TICK),
    ("both huge", q(1e30, 1.0001e30), Drop.OUT_OF_BAND),
    ("both tiny", q(3e-297, 4e-297), Drop.OFF_TICK),
    ("nan bid", q(NAN, 65000.01), Drop.NON_FINITE),
    ("inf ask", q(65000.00, INF), Drop.NON_FINITE),
    ("nan size", q(65000.00, 65000.01, bid_size=NAN), Drop.NON_FINITE),
    ("inf size", q(65000.00, 65000.01, ask_size=INF), Drop.NON_FINITE),
    ("negative bid", q(-65000.00, 65000.01), Drop.NON_POSITIVE),
    ("zero size", q(65000.00, 65000.01, bid_size=0.0), Drop.NON_POSITIVE),
    ("crossed", q(65000.02, 65000.01), Drop.CROSSED),
    ("price off tick", q(65000.005, 65000.01), Drop.OFF_TICK),
    ("size off lot", q(65000.00, 65000.01, ask_size=0.000015), Drop.OFF_TICK),
    ("size below a lot", q(65000.00, 65000.01, bid_size=3e-297), Drop.OFF_TICK),
    ("a tenth of the price", q(6500.00, 6500.01), Drop.OUT_OF_BAND),
    ("25 % down", q(48750.00, 48750.01), Drop.OUT_OF_BAND),
]


@pytest.mark.parametrize(("quote", "reason"), [c[1:] for c in ABSURD],
                         ids=[c[0] for c in ABSURD])
def test_absurd_quotes_are_dropped_with_a_reason(quote: Quote, reason: Drop) -> None:
    g = anchored()
    assert g.check(quote) is reason
    assert g.check(q(65000.01, 65000.02)) is None, "the last good price is still the reference"


WITHOUT_INSTRUMENTS = [
    ("ask 1e30", q(65000.00, 1e30)),
    ("bid 3e-297", q(3e-297, 65000.01)),
    ("both huge", q(1e30, 1.0001e30)),
    ("both tiny", q(3e-297, 4e-297)),
    ("a tenth of the price", q(6500.00, 6500.01)),
]


@pytest.mark.parametrize("quote", [c[1] for c in WITHOUT_INSTRUMENTS],
                         ids=[c[0] for c in WITHOUT_INSTRUMENTS])
def test_without_instruments_the_band_still_holds(quote: Quote) -> None:
    g = anchored(instruments=False)
    assert g.check(quote) is Drop.OUT_OF_BAND
    assert g.check(q(65000.005, 65000.015, 0.123456789, 1.0)) is None, "no grid to be off"


def test_a_one_sided_absurdity_is_caught_on_the_very_first_quote() -> None:
    assert gate(instruments=False).check(q(65000.00, 1e30)) is Drop.OUT_OF_BAND
    assert gate(instruments=False).check(q(3e-297, 65000.01)) is Drop.OUT_OF_BAND
    assert gate().check(q(3e-297, 4e-297)) is Drop.OFF_TICK  # under one tick


def test_a_first_quote_is_checked_against_the_other_venues() -> None:
    board = GateBoard()
    binance = gate(Venue.BINANCE, board)
    bybit = gate(Venue.BYBIT, board, instruments=False)
    assert binance.check(q(65000.00, 65000.01)) is None
    assert bybit.check(q(1e30, 1.0001e30, venue=Venue.BYBIT)) is Drop.OUT_OF_BAND
    assert bybit.check(q(64990.5, 64990.6, venue=Venue.BYBIT)) is None


def test_a_real_new_level_re_anchors_after_agreeing_quotes(caplog: pytest.LogCaptureFixture
                                                           ) -> None:
    g = anchored()
    crash = [q(48750.00 + i, 48750.01 + i) for i in range(5)]
    assert [g.check(c) for c in crash[:4]] == [Drop.OUT_OF_BAND] * 4
    with caplog.at_level(logging.WARNING, logger="arbot"):
        assert g.check(crash[4]) is None
    assert g.reanchors == 1
    assert "taking 48754" in caplog.text
    assert g.check(q(48700.00, 48700.01)) is None
    assert g.check(q(65000.00, 65000.01)) is Drop.OUT_OF_BAND, "the old level is gone"


def test_corrupt_quotes_that_disagree_never_re_anchor() -> None:
    g = anchored()
    for _ in range(20):
        assert g.check(q(1e30, 1.0001e30)) is Drop.OUT_OF_BAND
        assert g.check(q(6500.00, 6500.01)) is Drop.OUT_OF_BAND
    assert g.reanchors == 0
    for _ in range(4):  # a good quote breaks a run
        assert g.check(q(1e30, 1.0001e30)) is Drop.OUT_OF_BAND
    assert g.check(q(65000.00, 65000.01)) is None
    assert g.check(q(1e30, 1.0001e30)) is Drop.OUT_OF_BAND
    assert g.reanchors == 0


def test_a_level_another_venue_has_reached_passes_at_once() -> None:
    board = GateBoard()
    binance, okx = gate(Venue.BINANCE, board), gate(Venue.OKX, board)
    assert binance.check(q(65000.00, 65000.01)) is None
    assert okx.check(q(65000.10, 65000.11, venue=Venue.OKX)) is None
    for i in range(5):
        binance.check(q(48750.00 + i, 48750.01 + i))
    assert binance.reanchors == 1
    assert okx.check(q(48751.00, 48751.01, venue=Venue.OKX)) is None
    assert okx.reanchors == 0


def test_a_finer_tick_at_the_venue_turns_the_grid_check_off(caplog: pytest.LogCaptureFixture
                                                            ) -> None:
    g = anchored()
    finer = [q(65000.005 + i * 0.01, 65000.015 + i * 0.01) for i in range(5)]
    assert [g.check(c) for c in finer[:4]] == [Drop.OFF_TICK] * 4
    with caplog.at_level(logging.WARNING, logger="arbot"):
        assert g.check(finer[4]) is None
    assert "rules may have changed" in caplog.text
    assert g.check(q(65000.125, 65000.135, 0.0000015)) is None
    assert g.check(q(1e30, 1.0001e30)) is Drop.OUT_OF_BAND, "the band still holds"


def test_a_run_off_the_grid_and_the_band_says_both(caplog: pytest.LogCaptureFixture) -> None:
    g = anchored()
    with caplog.at_level(logging.WARNING, logger="arbot"):
        assert [g.check(q(6500.005, 6500.015)) for _ in range(5)] == [Drop.OFF_TICK] * 4 + [None]
    assert "rules may have changed" in caplog.text and "taking 6500.01 as" in caplog.text


def test_a_new_gate_for_a_venue_replaces_its_references() -> None:
    board = GateBoard()
    assert gate(Venue.BINANCE, board).check(q(65000.00, 65000.01)) is None
    gate(Venue.BINANCE, board)  # the venue's feeds were rebuilt
    assert board.other_mids(BTC, Venue.OKX) == []


@pytest.mark.parametrize(("step", "inverse"), [("0.01", 100.0), ("0.00000001", 1e8),
                                                ("1", 1.0), ("0", 0.0), ("", 0.0),
                                                ("abc", 0.0), ("-0.1", 0.0), ("NaN", 0.0)])
def test_inverse_step(step: str, inverse: float) -> None:
    assert inverse_step(step) == inverse


def test_huge_tick_counts_stay_on_the_grid() -> None:
    g = QuoteGate(Venue.OKX, {BTC: inst("0.00000001", "0.00000001")})
    assert g.check(q(65000.12345678, 65000.12345679, 20000.12345678, 0.00000001)) is None


# Recorded frames against the instruments recorded the same day (Bitget: the documented
# examples): every one must pass, or the gate would drop real market data.
RECORDED = [
    (Venue.BINANCE, "binance/ws_bookTicker_2021-10-12.jsonl",
     "binance/rest_exchangeInfo_TRIMMED_2021-10-12.json"),
    (Venue.OKX, "okx/ws_tickers_BTC-USDT_2022-05-13.jsonl",
     "okx/rest_public_instruments_SPOT_2022-05-13.json"),
    (Venue.BYBIT, "bybit/ws_spot_orderbook1_2025-06-13.jsonl",
     "bybit/rest_instruments_info_spot_2026-08-09.json"),
    (Venue.BITGET, "bitget/DOCS_EXAMPLES_NOT_RECORDED_v2_ws_spot.jsonl",
     "bitget/DOCS_EXAMPLE_symbols.json"),
]


@pytest.mark.parametrize(("venue", "frames", "instruments"), RECORDED)
def test_recorded_quotes_all_pass(venue: Venue, frames: str, instruments: str) -> None:
    adapter = adapter_for(venue)
    listed = adapter.parse_instruments((FIXTURES / instruments).read_bytes())
    parser = adapter.new_parser(SymbolMap.from_instruments(venue, listed).lookup, DropCounter())
    g = QuoteGate(venue, {i.symbol: i for i in listed})
    qs = quotes(replay(parser, lines(frames)))
    assert qs
    assert [(x, g.check(x)) for x in qs if g.check(x) is not None] == []
    assert any(inverse_step(i.tick_size) for i in listed)
