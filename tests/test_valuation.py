"""Balances valued in the quote currency: the venue's own mid, another venue's when it
has none, unpriced assets named rather than counted as zero."""

from __future__ import annotations

import pytest

from arbot.valuation import mids_of, price, quote_currency, value_balances

MIDS = mids_of([("binance", "BTC-USDT", 99.0, 101.0), ("okx", "BTC-USDT", 101.0, 103.0),
                ("okx", "ETH-USDT", 9.0, 11.0), ("bybit", "SOL-USDT", 0.0, 5.0)])


def test_mids_skip_one_sided_books() -> None:
    assert MIDS == {"binance": {"BTC-USDT": 100.0}, "okx": {"BTC-USDT": 102.0,
                                                            "ETH-USDT": 10.0}}


def test_an_asset_is_valued_on_its_venue_else_at_the_other_venues_mean() -> None:
    assert price("BTC", "binance", "USDT", MIDS) == 100.0
    assert price("ETH", "binance", "USDT", MIDS) == 10.0  # okx's
    assert price("BTC", "bybit", "USDT", MIDS) == pytest.approx(101.0)
    assert price("USDT", "bybit", "USDT", MIDS) == 1.0
    assert price("SOL", "bybit", "USDT", MIDS) is None


def test_venue_totals_count_priced_assets_and_name_the_rest() -> None:
    valued = value_balances({"okx": {"USDT": 500.0, "BTC": 0.5, "ETH": 2.0},
                             "bybit": {"USDT": 10.0, "SOL": 3.0}, "binance": {}}, MIDS, "USDT")
    assert [v.venue for v in valued] == ["binance", "bybit", "okx"]
    assert valued[0].total == 0.0 and valued[0].unpriced == []
    assert valued[1].total == 10.0 and valued[1].unpriced == ["SOL"]
    assert valued[2].total == pytest.approx(500 + 51 + 20)
    assert valued[2].values == {"BTC": 51.0, "ETH": 20.0, "USDT": 500.0}


@pytest.mark.parametrize(("symbols", "quote"), [
    ([], "USDT"), (["BTC-USDT", "ETH-USDC", "SOL-USDC"], "USDC"),
    (["BTC-EUR", "ETH-USDT"], "EUR")])
def test_the_quote_currency_is_the_one_most_symbols_share(symbols: list[str],
                                                          quote: str) -> None:
    assert quote_currency(symbols) == quote
