"""The paper executor fills like a venue: at the touch, up to the displayed size, fee in
the received asset, balances moved, and rejects or partial fills on request."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from arbot.config.trading import PaperSettings
from arbot.domain import OrderRequest, OrderStatus, Side
from arbot.trading.paper import PaperExecutor
from tests.trading.helpers import FEE, SYMBOL, A, B, Books, inst, ledger, paper, quote


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


async def test_each_venue_waits_its_own_latency_before_the_book_is_read() -> None:
    """`venue_latency_ms` overrides `latency_ms` for one venue; the order is filled
    against the book as it is after that wait (here it moved away meanwhile)."""
    books = Books(quote(A, 99.0, 100.0, size=5.0), quote(B, 99.0, 100.0, size=5.0))
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)
        books.set(quote(B, 101.0, 102.0, size=5.0))  # B moved while the order travelled

    s = PaperSettings.model_validate({"latency_ms": 5, "venue_latency_ms": {B.value: 40}})
    ex = PaperExecutor(s, books, {(A, SYMBOL): inst(A), (B, SYMBOL): inst(B)},
                       {A: FEE, B: FEE}, ledger(), sleep=sleep)
    r = await ex.place(OrderRequest(client_id="s1", venue=B, symbol=SYMBOL,
                                    venue_symbol="BTCUSDT", side=Side.BUY, price="100",
                                    qty="1"))
    assert (waits, r.status, r.filled_qty) == ([0.04], OrderStatus.EXPIRED, 0.0)
    await ex.place(order(Side.BUY, "103", "1", "a1"))
    assert waits == [0.04, 0.005]


@pytest.mark.parametrize("bad", [{"kraken": 5}, {"okx": -1}, {"okx": 20_000}])
def test_a_bad_venue_latency_is_one_clear_message(bad: dict[str, float]) -> None:
    with pytest.raises(ValidationError) as err:
        PaperSettings.model_validate({"venue_latency_ms": bad})
    assert err.value.error_count() == 1 and "venue_latency_ms" in str(err.value)
