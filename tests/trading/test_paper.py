"""The paper executor fills like a venue: at the touch, up to the displayed size, fee in
the received asset, balances moved, and rejects or partial fills on request."""

from __future__ import annotations

import pytest

from arbot.domain import OrderRequest, OrderStatus, Side
from tests.trading.helpers import SYMBOL, A, Books, ledger, paper, quote


def order(side: Side, price: str, qty: str, cid: str = "t1") -> OrderRequest:
    return OrderRequest(client_id=cid, venue=A, symbol=SYMBOL, venue_symbol="BTCUSDT", side=side,
                        price=price, qty=qty)


async def test_buy_fills_at_the_ask_with_the_fee_in_base() -> None:
    led = ledger(usdt=1000.0, btc=0.0)
    ex = paper(Books(quote(A, 99.0, 100.0, size=1.0)), led)
    r = await ex.place(order(Side.BUY, "100.5", "0.5"))
    assert (r.status, r.filled_qty, r.avg_price) == (OrderStatus.FILLED, 0.5, 100.0)
    assert (r.fee, r.fee_asset) == (pytest.approx(0.0005), "BTC")
    assert led.free(A, "USDT") == pytest.approx(950.0)
    assert led.free(A, "BTC") == pytest.approx(0.4995)
    assert await ex.status(order(Side.BUY, "100.5", "0.5")) == r


async def test_sell_larger_than_the_bid_size_fills_partly_and_expires() -> None:
    led = ledger(usdt=0.0, btc=2.0)
    ex = paper(Books(quote(A, 99.0, 100.0, size=0.3)), led)
    r = await ex.place(order(Side.SELL, "98", "1.0"))
    assert (r.status, r.filled_qty, r.avg_price) == (OrderStatus.EXPIRED, 0.3, 99.0)
    assert (r.fee, r.fee_asset) == (pytest.approx(0.3 * 99 * 0.001), "USDT")
    assert led.free(A, "BTC") == pytest.approx(1.7)


async def test_an_ioc_that_does_not_cross_expires_unfilled() -> None:
    led = ledger()
    ex = paper(Books(quote(A, 99.0, 100.0)), led)
    r = await ex.place(order(Side.BUY, "99.5", "0.1"))
    assert (r.status, r.filled_qty) == (OrderStatus.EXPIRED, 0.0)
    assert led.free(A, "USDT") == 10_000.0


async def test_insufficient_balance_is_rejected_and_moves_nothing() -> None:
    led = ledger(usdt=5.0)
    ex = paper(Books(quote(A, 99.0, 100.0)), led)
    r = await ex.place(order(Side.BUY, "100", "0.1"))
    assert r.status is OrderStatus.REJECTED and "insufficient USDT" in r.error
    assert led.free(A, "USDT") == 5.0


async def test_injected_reject_and_partial_then_normal_again() -> None:
    ex = paper(Books(quote(A, 99.0, 100.0, size=5.0)), ledger())
    ex.inject(A, reject="venue says no")
    ex.inject(A, fill_fraction=0.5)
    r1 = await ex.place(order(Side.BUY, "100", "1", "c1"))
    r2 = await ex.place(order(Side.BUY, "100", "1", "c2"))
    r3 = await ex.place(order(Side.BUY, "100", "1", "c3"))
    assert r1.status is OrderStatus.REJECTED and "venue says no" in r1.error
    assert (r2.status, r2.filled_qty) == (OrderStatus.EXPIRED, 0.5)
    assert (r3.status, r3.filled_qty) == (OrderStatus.FILLED, 1.0)


async def test_partial_rate_one_always_fills_part_on_the_lot() -> None:
    ex = paper(Books(quote(A, 99.0, 100.0, size=5.0)), ledger(), partial_rate=1.0)
    for i in range(20):
        r = await ex.place(order(Side.BUY, "100", "1", f"p{i}"))
        assert 0.1 <= r.filled_qty <= 0.9 and r.status is OrderStatus.EXPIRED
        assert round(r.filled_qty / 0.0001) * 0.0001 == pytest.approx(r.filled_qty)
