"""Inventory from fills: what each trade moved, the consumption rate, the skew against
the target split, and when each direction runs dry, checked against hand-computed
figures."""

from __future__ import annotations

import pytest

from arbot.config import ArbotSettings
from arbot.domain import LegOrder, OrderReport, OrderRequest, OrderStatus, Side, TradeOutcome, Venue
from arbot.exchanges.coins import CoinBook
from arbot.inventory.flow import Flows, Moved, trade_changes
from arbot.inventory.service import Inventory
from arbot.tradekinds import LegOutcome, OrderPurpose, TradeStatus
from arbot.trading.outcome import settle

BN, OK = Venue.BINANCE, Venue.OKX
H = 3600 * 10**9


def leg(venue: Venue, side: Side, qty: float, price: float, fee: float, fee_asset: str
        ) -> LegOrder:
    req = OrderRequest(client_id=f"x{venue}{side}", venue=venue, symbol="BTC-USDT",
                       venue_symbol="BTCUSDT", side=side, price=str(price), qty=str(qty))
    rep = OrderReport(client_id=req.client_id, venue_order_id="1", status=OrderStatus.FILLED,
                      filled_qty=qty, avg_price=price, fee=fee, fee_asset=fee_asset)
    return LegOrder(request=req, report=rep,
                    purpose=OrderPurpose.BUY if side is Side.BUY else OrderPurpose.SELL)


def trade(qty: float = 0.01) -> TradeOutcome:
    """Buy on Binance at 100 (fee in USDT), sell on OKX at 101 (fee in USDT)."""
    orders = [leg(BN, Side.BUY, qty, 100.0, qty * 100.0 * 0.001, "USDT"),
              leg(OK, Side.SELL, qty, 101.0, qty * 101.0 * 0.001, "USDT")]
    return TradeOutcome(trade_id="t1", symbol="BTC-USDT", orders=orders,
                        settlement=settle(orders, "BTC", "USDT"), status=TradeStatus.FILLED,
                        leg_outcome=LegOutcome.BALANCED)


def test_a_trade_moves_quote_to_the_sell_venue_and_base_to_the_buy_venue() -> None:
    changes = trade_changes(trade(0.01), "BTC", "USDT")
    assert changes[(BN, "BTC")] == pytest.approx(0.01)
    assert changes[(BN, "USDT")] == pytest.approx(-1.0 - 0.001)
    assert changes[(OK, "BTC")] == pytest.approx(-0.01)
    assert changes[(OK, "USDT")] == pytest.approx(1.01 - 0.00101)


def test_a_fee_in_the_base_asset_leaves_the_base() -> None:
    orders = [leg(BN, Side.BUY, 1.0, 100.0, 0.001, "BTC")]
    out = TradeOutcome(trade_id="t", symbol="BTC-USDT", orders=orders,
                       settlement=settle(orders, "BTC", "USDT"), status=TradeStatus.LEG_RISK,
                       leg_outcome=LegOutcome.HELD)
    assert trade_changes(out, "BTC", "USDT") == {(BN, "BTC"): pytest.approx(0.999),
                                                  (BN, "USDT"): -100.0}


def test_rates_cover_the_window_only() -> None:
    flows = Flows(3600.0, started_ns=0)
    flows.add(Moved(10, "BTC-USDT", {(BN, "USDT"): -50.0}))
    flows.add(Moved(2 * H, "BTC-USDT", {(BN, "USDT"): -10.0}))
    # at 2.5 h the first trade is out of the 1 h window; the rate is 10 per hour
    assert flows.rates_per_h(2 * H + H // 2) == {(BN, "USDT"): pytest.approx(-10.0)}


def inventory(balances: dict[Venue, dict[str, float]], now: list[int],
              **targets: dict[str, float]) -> Inventory:
    settings = ArbotSettings.model_validate({
        "market": {"symbols": ["BTC-USDT"]},
        "exchanges": {"bybit": {"enabled": False}, "bitget": {"enabled": False}},
        "inventory": {"targets": targets}})
    return Inventory(settings, CoinBook(), mid=lambda s: 100.0, balances=lambda: balances,
                     lost=lambda: 7, wall_ns=lambda: now[0])


def test_skew_rate_and_time_to_run_dry_by_hand() -> None:
    now = [0]
    balances = {BN: {"USDT": 300.0, "BTC": 1.0}, OK: {"USDT": 100.0, "BTC": 3.0}}
    inv = inventory(balances, now, USDT={"binance": 1, "okx": 1})
    for _ in range(10):  # ten trades in the first hour: 10 USDT and 0.1 BTC per hour used
        inv.on_trade(trade(0.01))
    now[0] = H
    report = inv.report()
    usdt = {h.venue: h for h in report.holdings if h.asset == "USDT"}
    assert usdt[BN].share == pytest.approx(0.75) and usdt[BN].skew == pytest.approx(0.25)
    assert usdt[BN].target == pytest.approx(200.0)
    assert usdt[BN].rate_per_h == pytest.approx(-10.01)
    buy_b = next(d for d in report.directions if d.buy_venue is BN)
    # USDT on Binance lasts 300 / 10.01 h; BTC on OKX 3 / 0.1 = 30 h: USDT runs out first
    assert buy_b.runs_dry_s == pytest.approx(300 / 10.01 * 3600)
    assert buy_b.limited_by == "USDT on binance"
    buy_o = next(d for d in report.directions if d.buy_venue is OK)
    assert buy_o.runs_dry_s is None  # that direction gains on both sides
    assert report.lost_to_inventory == 7
    assert "lost to inventory" in inv.status_line(report)


def test_target_shares_are_relative_and_default_to_equal() -> None:
    inv = inventory({BN: {"BTC": 1.0}, OK: {"BTC": 1.0}}, [0], BTC={"binance": 3, "okx": 1})
    report = inv.report()
    btc = {h.venue: h for h in report.holdings if h.asset == "BTC"}
    assert btc[BN].target_share == pytest.approx(0.75) and btc[BN].skew == pytest.approx(-0.25)
    usdt = [h for h in report.holdings if h.asset == "USDT"]
    assert {h.target_share for h in usdt} == {0.5}


def test_without_a_trader_there_are_no_balances_and_it_says_so() -> None:
    settings = ArbotSettings()
    inv = Inventory(settings, CoinBook(), mid=lambda s: None)
    report = inv.report()
    assert all(h.balance == 0 for h in report.holdings)
    assert "trading is off: no account balances to read" in report.notes


def test_bad_targets_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown venue"):
        ArbotSettings.model_validate({"inventory": {"targets": {"BTC": {"kraken": 1}}}})
    with pytest.raises(ValueError, match="must not all be 0"):
        ArbotSettings.model_validate({"inventory": {"targets": {"BTC": {"okx": 0}}}})
